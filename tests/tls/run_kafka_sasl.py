#!/usr/bin/env python3
"""tripstream against Kafka over TLS + SASL (SASL_SSL), as managed Kafka services require
(ctest `kafka_sasl`, label `integration`).

The programs take TLS and SASL from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM,
KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_LOCATION (config.yml's kafka.*
keys); this test proves them end to end. It starts scratch brokers with scripts/stack
(TRIPSTREAM_KAFKA_SASL_PORT: an extra SASL_SSL listener with a CA and certificate made by
openssl, one user for SCRAM-SHA-512 and PLAIN; the stack's PostgreSQL is used as it is):

  A. Kafka 4.4.0 (the default broker), mechanism PLAIN:
     1. a CSV uploaded through tripstream-api and another sent by tripstream-producer are
        stored by tripstream-consumer and answered exactly by the API, every Kafka client
        (admin, producer, consumer, readiness) on the SASL_SSL listener only;
     2. a wrong password: tripstream-producer and tripstream-consumer exit non-zero at once
        with the broker's reason, and the API's /readyz says Kafka is not ready (its log says
        why);
     3. another CA: refused with "certificate verify failed";
     4. SCRAM-SHA-512: with librdkafka < 2.6.1 (Debian 12 has 2.0.2) Kafka 4.x refuses its
        SCRAM messages (librdkafka issue 4895): the error must say so; with a newer librdkafka
        the pipeline of step 1 must work.
  B. Kafka 3.9.1 (TRIPSTREAM_KAFKA_VERSION=3.9.1, which accepts librdkafka 2.0.2's SCRAM),
     mechanism SCRAM-SHA-512: the pipeline of step 1, and a wrong password refused.
  Last: no program printed the password.

Usage: run_kafka_sasl.py --build-dir BUILD
Fails (never skips) when openssl, Java, PostgreSQL or the Kafka jars are missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, HERE)
from api_process import (ApiProcess, Failure, psql, run_test, stack_settings, unique_suffix,  # noqa: E402
                         with_database)
from scratch_services import free_port, logger, run  # noqa: E402

PASSWORD = "sasl-test-Secret-9c2e"
USER = "tripstream-test"

log = logger("kafka-sasl")


def librdkafka_version():
    """(major, minor, patch) of the librdkafka the programs link (pkg-config's rdkafka)."""
    text = run(["pkg-config", "--modversion", "rdkafka"]).stdout.strip()
    return tuple(int(x) for x in text.split(".")[:3])


class SaslBroker:
    """A scratch scripts/stack broker with a SASL_SSL listener; the stack's PostgreSQL."""

    def __init__(self, work, name, version=None):
        self.folder = os.path.join(work, name)
        database = stack_settings()["DATABASE_URL"]
        self.env = dict(os.environ, TRIPSTREAM_STACK_DIR=self.folder, TRIPSTREAM_KAFKA_PORT=str(free_port()),
                        TRIPSTREAM_KAFKA_SASL_PORT=str(free_port()), TRIPSTREAM_PG_PORT=str(free_port()),
                        TRIPSTREAM_KAFKA_SASL_USER=USER, TRIPSTREAM_KAFKA_SASL_PASSWORD=PASSWORD,
                        TRIPSTREAM_KAFKA_HEAP="512m", DATABASE_URL=database)
        self.env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        if version:
            self.env["TRIPSTREAM_KAFKA_VERSION"] = version
        self.stack = os.path.join(ROOT, "scripts", "stack")
        self.settings = {}

    def __enter__(self):
        run([self.stack, "up"], env=self.env, timeout=300)
        for line in run([self.stack, "env"], env=self.env).stdout.splitlines():
            key, _, value = line.partition("=")
            self.settings[key] = value
        return self

    def __exit__(self, *exc):
        subprocess.run([self.stack, "down"], env=self.env, capture_output=True, timeout=120)
        return False

    def client_env(self, mechanism, password=PASSWORD, ca=None):
        """The programs' settings for this broker's SASL_SSL listener only."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.settings["TRIPSTREAM_KAFKA_SASL_BOOTSTRAP"],
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SASL_MECHANISM": mechanism,
            "KAFKA_SASL_USERNAME": self.settings["TRIPSTREAM_KAFKA_SASL_USER"],
            "KAFKA_SASL_PASSWORD": password,
            "KAFKA_SSL_CA_LOCATION": ca or self.settings["TRIPSTREAM_KAFKA_SASL_CA"],
        }


class Checker:
    def __init__(self, build, work):
        self.build = build
        self.work = work
        self.outputs = []
        self.producer = os.path.join(build, "producer", "tripstream-producer")
        self.consumer = os.path.join(build, "consumer", "tripstream-consumer")
        self.api = os.path.join(build, "api", "tripstream-api")

    def program(self, exe, args, env, check=True, timeout=180):
        r = run([exe] + args, env=env, check=check, timeout=timeout)
        self.outputs.append(r.stdout + r.stderr)
        return r

    def csv(self, name, region, rows, day_offset):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write("region,origin_coord,destination_coord,datetime,datasource\n")
            for i in range(rows):
                f.write("%s,POINT (14.4%02d 50.07),POINT (14.45 50.0%d),2018-02-%02d 09:30:00,sasl_test\n" % (
                    region, i % 100, i % 10, 1 + (i + day_offset) % 28))
        return path

    def pipeline(self, client, label):
        """Upload (API) + CLI producer + consumer + API answer, all through `client`'s Kafka."""
        suffix = unique_suffix().replace("_", "-")
        region = "Sasl" + label.replace("-", "")
        env = dict(client, TOPIC="sasl-" + suffix, DEAD_LETTER_TOPIC="sasl-%s.dlq" % suffix,
                   JOBS_TOPIC="sasl-%s.jobs" % suffix, CONSUMER_GROUP="sasl-" + suffix)
        uploaded, sent = 120, 80
        with ApiProcess(self.api, env=env, scratch_topics=False,
                        log_path=os.path.join(self.work, "api-%s.log" % label)) as api:
            ready = wait_ready(api)
            if ready.get("kafka") != "ok":
                raise Failure("%s: /readyz says %s; API log:\n%s" % (label, ready, api.log_text()))
            body = open(self.csv("upload-%s.csv" % label, region, uploaded, 0), "rb").read()
            request = urllib.request.Request(api.url + "/v1/ingestions", data=body,
                                             headers={"Content-Type": "text/csv"})
            with urllib.request.urlopen(request, timeout=60) as resp:
                job = json.load(resp)["job_id"]
            self.program(self.producer, [self.csv("cli-%s.csv" % label, region, sent, 7)], api.env)
            self.program(self.consumer, ["--exit-when-idle", "3"], api.env, timeout=240)
            want = uploaded + sent
            deadline = time.monotonic() + 60
            answer = None
            while time.monotonic() < deadline:
                with urllib.request.urlopen(api.url + "/v1/trips/weekly-average?region=" + region,
                                            timeout=10) as resp:
                    answer = json.load(resp)
                if answer["total_trips"] == want:
                    break
                time.sleep(0.5)
            if not answer or answer["total_trips"] != want:
                raise Failure("%s: the API answers %s, not the %d trips sent (upload job %s); API log:\n%s"
                              % (label, answer, want, job, api.log_text()))
            self.outputs.append(api.log_text(tail=10 ** 6))
        log("%s: %d uploaded + %d produced trips stored by the consumer and answered exactly, "
            "every Kafka client on SASL_SSL" % (label, uploaded, sent))

    def refused(self, client, label, reasons):
        """Producer and consumer exit non-zero at once, saying one of `reasons`."""
        server = stack_settings()["DATABASE_URL"]
        database = "tripstream_sasl_" + unique_suffix()
        psql(server, "CREATE DATABASE " + database)
        try:
            env = dict(os.environ, TRIPSTREAM_CONFIG="/dev/null", DATABASE_URL=with_database(server, database),
                       TOPIC="sasl-refused", CONSUMER_GROUP="sasl-refused", **client)
            psql(env["DATABASE_URL"], "CREATE EXTENSION postgis")
            self.refused_programs(env, label, reasons)
        finally:
            psql(server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)

    def refused_programs(self, env, label, reasons):
        path = self.csv("refused.csv", "SaslRefused", 5, 0)
        for name, exe, args in (("tripstream-producer", self.producer, [path]),
                                ("tripstream-consumer", self.consumer, ["--exit-when-idle", "30"])):
            started = time.monotonic()
            r = self.program(exe, args, env, check=False, timeout=120)
            text = r.stdout + r.stderr
            seconds = time.monotonic() - started
            if r.returncode == 0:
                raise Failure("%s: %s succeeded: %s" % (label, name, text[-800:]))
            last = text.strip().splitlines()[-1] if text.strip() else ""
            if not any(reason in last for reason in reasons):
                raise Failure("%s: %s's last line does not say why (expected one of %s): %s"
                              % (label, name, reasons, text[-1200:]))
            # librdkafka retries a refused login for ever; the programs must not wait it out.
            if seconds > 30:
                raise Failure("%s: %s took %.0f s to give up" % (label, name, seconds))
            log("%s: %s refused in %.1f s, exit %d: %s" % (label, name, seconds, r.returncode, last[-200:]))

    def api_not_ready(self, client, label, reason):
        with ApiProcess(self.api, env=client, scratch_topics=False,
                        log_path=os.path.join(self.work, "api-%s.log" % label)) as api:
            deadline = time.monotonic() + 30
            ready = {}
            while time.monotonic() < deadline:
                ready = readyz(api)
                if ready.get("kafka") not in (None, "ok", "unknown"):
                    break
                time.sleep(0.3)
            if ready.get("kafka") == "ok" or ready.get("status") == "ready":
                raise Failure("%s: /readyz says %s" % (label, ready))
            text = api.log_text(tail=10 ** 6)
            self.outputs.append(text)
            if reason not in text:
                raise Failure("%s: the API log does not say why Kafka is not ready (%r): %s"
                              % (label, reason, text[-1500:]))
        log("%s: tripstream-api /readyz says kafka %r; its log gives the broker's reason" % (
            label, ready.get("kafka")))


def readyz(api):
    try:
        with urllib.request.urlopen(api.url + "/readyz", timeout=10) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        return json.load(e)


def wait_ready(api):
    deadline = time.monotonic() + 60
    ready = {}
    while time.monotonic() < deadline:
        ready = readyz(api)
        if ready.get("status") == "ready":
            break
        time.sleep(0.3)
    return ready


def other_ca(folder):
    key, crt = os.path.join(folder, "other-ca.key"), os.path.join(folder, "other-ca.crt")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=tripstream unrelated CA", "-keyout", key, "-out", crt])
    return crt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    for tool in ("openssl", "java", "pkg-config"):
        if not shutil.which(tool):
            raise Failure("%s is missing: run scripts/setup" % tool)
    work = tempfile.mkdtemp(prefix="tripstream-kafka-sasl-")
    check = Checker(build, work)
    scram_fixed = librdkafka_version() >= (2, 6, 1)
    try:
        log("A. Kafka 4.4.0 with a SASL_SSL listener (scripts/stack in %s)" % work)
        with SaslBroker(work, "kafka-4") as broker:
            check.pipeline(broker.client_env("PLAIN"), "4.4.0-PLAIN")
            check.refused(broker.client_env("PLAIN", password="wrong-password"), "4.4.0-PLAIN wrong password",
                          ["Invalid username or password"])
            check.api_not_ready(broker.client_env("PLAIN", password="wrong-password"), "4.4.0-PLAIN-api",
                                "Invalid username or password")
            check.refused(broker.client_env("PLAIN", ca=other_ca(work)), "4.4.0 another CA",
                          ["certificate verify failed"])
            if scram_fixed:
                check.pipeline(broker.client_env("SCRAM-SHA-512"), "4.4.0-SCRAM-SHA-512")
            else:
                check.refused(broker.client_env("SCRAM-SHA-512"), "4.4.0-SCRAM-SHA-512 (old librdkafka)",
                              ["sends a SCRAM message that Kafka 4.x brokers refuse"])
        log("B. Kafka 3.9.1 with a SASL_SSL listener")
        with SaslBroker(work, "kafka-3", version="3.9.1") as broker:
            check.pipeline(broker.client_env("SCRAM-SHA-512"), "3.9.1-SCRAM-SHA-512")
            check.refused(broker.client_env("SCRAM-SHA-512", password="wrong-password"),
                          "3.9.1-SCRAM-SHA-512 wrong password", ["invalid credentials"])
        leaked = [o for o in check.outputs if PASSWORD in o]
        if leaked:
            raise Failure("a program printed the Kafka password: %s" % leaked[0][-500:])
        log("passed; the password appears in none of %d outputs" % len(check.outputs))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
