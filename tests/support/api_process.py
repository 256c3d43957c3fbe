"""tripstream-api as a child process for Python tests (standard library only).

    sys.path.insert(0, "<repo>/tests/support")
    from api_process import ApiProcess, Failure

    with ApiProcess("build/release/api/tripstream-api", env={"QUERY_ENGINE": "database"}) as api:
        api.url    # "http://127.0.0.1:41234"; api.host, api.port
        ...        # talk HTTP to it
    # Leaving the block sends SIGTERM and raises Failure (with the log's tail) unless the API
    # exits 0 within 20 s; the scratch database and topics are removed in every case.

What start() does (isolation as in tests/support/test_env.cpp: never the default database,
topics or consumer group):
  * the stack's settings: KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL from the environment, else
    from .stack/env (written by scripts/stack up), else config.yml's defaults;
  * scratch_database=True: CREATE DATABASE tripstream_api_<unique> (+ PostGIS) on that server,
    dropped at stop; False: the DATABASE_URL given in `env` (or the stack's) is used as is;
  * scratch_topics=True: TOPIC, DEAD_LETTER_TOPIC, JOBS_TOPIC and CONSUMER_GROUP get unique
    names (api-<unique>...), the topics are created up front and deleted at stop with the
    group; False: whatever `env` says;
  * the environment is os.environ without API_KEY, QUERY_ENGINE and MODEL_PATH, with
    TRIPSTREAM_CONFIG=/dev/null (config.yml's defaults), then the settings above, then `env`
    (which wins: pass API_KEY, QUERY_ENGINE, timeouts... there);
  * runs `tripstream-api --port 0 [args]`, takes the port from its "listening on" log line and
    waits until GET /healthz answers 200 (Failure with the log's tail otherwise). The process
    gets SIGTERM if the test process dies (PR_SET_PDEATHSIG).

stop() returns nothing and raises Failure when the exit code is not 0. Fails (never skips)
when PostgreSQL or Kafka is unreachable.
"""

import ctypes
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import kafka_wire  # noqa: E402

DEFAULTS = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
            "DATABASE_URL": "postgresql://tripstream@127.0.0.1:5433/tripstream"}
_counter = [0]


class Failure(Exception):
    pass


def run_test(main):
    """Runs a test script's main(): a Failure is printed as "FAILED: ..." and exits 1."""
    try:
        main()
    except Failure as e:
        print("FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


def stack_settings():
    """KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL: the environment, else .stack/env, else the
    defaults."""
    settings = dict(DEFAULTS)
    try:
        with open(os.path.join(ROOT, ".stack", "env")) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep and key in settings:
                    settings[key] = value
    except FileNotFoundError:
        pass
    for key in settings:
        if os.environ.get(key):
            settings[key] = os.environ[key]
    return settings


def unique_suffix():
    _counter[0] += 1
    return "%d_%d_%d" % (int(time.time() * 1000), os.getpid(), _counter[0])


def with_database(url, name):
    """`url` (URI or key=value form) naming database `name` instead."""
    if "://" not in url:
        return url + " dbname=" + name
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise Failure("psql failed (%s): %s" % (sql, r.stderr.strip()))
    return r.stdout.strip()


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphan API outlives the test


class ApiProcess:
    def __init__(self, exe, env=None, args=(), log_path=None, scratch_database=True,
                 scratch_topics=True, start_timeout=60):
        self.exe = os.path.abspath(exe)
        self.overrides = dict(env or {})
        self.args = list(args)
        self.log_path = log_path
        self.scratch_database = scratch_database
        self.scratch_topics = scratch_topics
        self.start_timeout = start_timeout
        self.proc = None
        self.env = None
        self.host, self.port, self.url = "127.0.0.1", None, None
        self._database = None  # (server url, name) to drop
        self._topics = None    # (bootstrap, [topics], group) to delete

    # ------------------------------------------------------------------ start and stop

    def start(self):
        if not os.access(self.exe, os.X_OK):
            raise Failure("missing executable %s (build it first)" % self.exe)
        try:
            self.env = self._environment()
            if self.log_path is None:
                fd, self.log_path = tempfile.mkstemp(prefix="tripstream-api-", suffix=".log")
                os.close(fd)
            with open(self.log_path, "ab") as out:
                self.proc = subprocess.Popen([self.exe, "--port", "0"] + self.args, env=self.env,
                                             stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            self.port = self._wait_for_port()
            self.url = "http://%s:%d" % (self.host, self.port)
            self._wait_for_health()
        except BaseException:
            self._kill_quietly()
            self._remove_resources()
            raise
        return self

    def stop(self, grace=20):
        """SIGTERM, wait, remove the scratch resources; Failure unless the exit code is 0."""
        problems = []
        try:
            code = self._terminate(grace)
            if code != 0:
                problems.append("tripstream-api exited %s after SIGTERM; its log:\n%s" % (
                    code, self.log_text()))
        finally:
            problems.extend(self._remove_resources())
        if problems:
            raise Failure("\n".join(problems))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self, tail=4000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-tail:]
        except (OSError, TypeError):
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:  # the test failed already: clean up, report that failure rather than ours
            self._kill_quietly()
            self._remove_resources()
        return False

    # ------------------------------------------------------------------ internals

    def _environment(self):
        settings = stack_settings()
        env = dict(os.environ)
        for key in ("API_KEY", "QUERY_ENGINE", "MODEL_PATH"):
            env.pop(key, None)
        env["TRIPSTREAM_CONFIG"] = "/dev/null"
        env.update(settings)
        suffix = unique_suffix()
        if self.scratch_database:
            server = self.overrides.get("DATABASE_URL", settings["DATABASE_URL"])
            name = "tripstream_api_" + suffix
            try:
                psql(server, "CREATE DATABASE " + name)
            except Failure as e:
                raise Failure("PostgreSQL is not reachable at %s: start it with scripts/stack up "
                              "(%s)" % (server, e))
            self._database = (server, name)
            url = with_database(server, name)
            psql(url, "CREATE EXTENSION postgis")
            env["DATABASE_URL"] = url
        if self.scratch_topics:
            kafka = self.overrides.get("KAFKA_BOOTSTRAP_SERVERS", settings["KAFKA_BOOTSTRAP_SERVERS"])
            topic = "api-" + suffix.replace("_", "-")
            try:
                kafka_wire.check_broker(kafka)
            except Exception as e:
                raise Failure("Kafka is not reachable at %s (%s): start it with scripts/stack up"
                              % (kafka, e))
            self._topics = (kafka, [topic, topic + ".dlq", topic + ".jobs"], topic)
            kafka_wire.create_topic(kafka, topic, 3)
            kafka_wire.create_topic(kafka, topic + ".dlq", 1)
            kafka_wire.create_topic(kafka, topic + ".jobs", 1, {"cleanup.policy": "compact"})
            env.update(TOPIC=topic, DEAD_LETTER_TOPIC=topic + ".dlq", JOBS_TOPIC=topic + ".jobs",
                       CONSUMER_GROUP=topic)
        overrides = dict(self.overrides)
        if self.scratch_database:
            overrides.pop("DATABASE_URL", None)  # it named the server; the scratch one is used
        env.update(overrides)
        return env

    def _wait_for_port(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            m = re.search(r"listening on http://[^:\s]+:(\d+)", self.log_text(tail=10 ** 6))
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("tripstream-api did not start listening (exit code %s); its log:\n%s" % (
            self.proc.poll(), self.log_text()))

    def _wait_for_health(self):
        deadline = time.monotonic() + self.start_timeout
        last = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    return
                last = "status %d" % r.status
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.1)
        raise Failure("tripstream-api never answered GET /healthz with 200 (%s); its log:\n%s" % (
            last, self.log_text()))

    def _terminate(self, grace):
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "none (killed: still running %d s after SIGTERM)" % grace
        return self.proc.returncode

    def _kill_quietly(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _remove_resources(self):
        problems = []
        if self._database is not None:
            server, name = self._database
            self._database = None
            try:
                psql(server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            except Exception as e:
                problems.append("could not drop database %s: %s" % (name, e))
        if self._topics is not None:
            kafka, topics, group = self._topics
            self._topics = None
            try:
                for t, code in kafka_wire.delete_topics(kafka, topics).items():
                    if code not in (kafka_wire.OK, kafka_wire.UNKNOWN_TOPIC):
                        problems.append("could not delete topic %s (error %d)" % (t, code))
                code = kafka_wire.delete_group(kafka, group)
                # 15 (COORDINATOR_NOT_AVAILABLE): the broker has no group at all yet, so
                # neither this one (the API joins no group of its own).
                if code not in (kafka_wire.OK, kafka_wire.GROUP_NOT_FOUND, 15):
                    problems.append("could not delete consumer group %s (error %d)" % (group, code))
            except Exception as e:
                problems.append("could not delete the topics: %s" % e)
        return problems
