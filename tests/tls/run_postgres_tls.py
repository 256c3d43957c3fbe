#!/usr/bin/env python3
"""tripstream against PostgreSQL over TLS, `sslmode=verify-full` through the URL (ctest
`postgres_tls`, label `integration`).

libpq takes TLS from DATABASE_URL (`?sslmode=verify-full&sslrootcert=CA`), so every program
gets it without settings of its own; this test proves it end to end. It starts a second
PostgreSQL with scripts/stack in a scratch folder (the stack's Kafka is used as it is), with a
certificate from a CA made here with openssl (SAN 127.0.0.1), a password for the tripstream
role, and a pg_hba.conf that rejects every TCP connection without TLS. Then:

  1. `tripstream-consumer --migrate-only` through the verify-full URL succeeds, and the
     session it would get is encrypted (pg_stat_ssl through the same URL);
  2. a CSV uploaded through tripstream-api (on that URL, index engine) is stored by a
     tripstream-consumer on that URL, and the API answers it exactly: produced, consumed and
     queried with the database only reachable over TLS;
  3. the same URL without TLS (`sslmode=disable`), with another CA, and with a wrong password
     each fail with a clear error (the server's or libpq's reason) and exit code 2 or 1;
  4. no program printed the password.

Usage: run_postgres_tls.py --build-dir BUILD
Fails (never skips) when openssl, PostgreSQL or Kafka is missing.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, HERE)
from api_process import ApiProcess, Failure, run_test, stack_settings  # noqa: E402
from scratch_services import free_port, logger, run  # noqa: E402

PASSWORD = "tls-test-Secret-7f3a"

log = logger("postgres-tls")


def make_certificates(folder):
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA."""
    def ssl(*args):
        run(["openssl"] + list(args))
    for ca in ("ca", "other-ca"):
        ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tripstream test %s" % ca,
            "-keyout", os.path.join(folder, ca + ".key"), "-out", os.path.join(folder, ca + ".crt"))
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", os.path.join(folder, "server.key"), "-out", os.path.join(folder, "server.csr"))
    ext = os.path.join(folder, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ssl("x509", "-req", "-days", "2", "-in", os.path.join(folder, "server.csr"),
        "-CA", os.path.join(folder, "ca.crt"), "-CAkey", os.path.join(folder, "ca.key"), "-CAcreateserial",
        "-extfile", ext, "-out", os.path.join(folder, "server.crt"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    if not shutil.which("openssl"):
        raise Failure("openssl is missing: run scripts/setup")
    kafka = stack_settings()["KAFKA_BOOTSTRAP_SERVERS"]

    work = tempfile.mkdtemp(prefix="tripstream-pg-tls-")
    os.chmod(work, 0o755)  # the postgres user reaches its cluster and the certificates
    port = free_port()
    # KAFKA_BOOTSTRAP_SERVERS names the stack's broker, and the scratch stack's own Kafka port
    # is another one: scripts/stack then uses that broker and starts only PostgreSQL.
    stack_env = dict(os.environ, TRIPSTREAM_STACK_DIR=os.path.join(work, "stack"), TRIPSTREAM_PG_PORT=str(port),
                     TRIPSTREAM_KAFKA_PORT=str(free_port()), KAFKA_BOOTSTRAP_SERVERS=kafka)
    stack_env.pop("DATABASE_URL", None)
    stack = os.path.join(ROOT, "scripts", "stack")
    try:
        log("a second PostgreSQL on 127.0.0.1:%d (scripts/stack in %s)" % (port, work))
        run([stack, "up"], env=stack_env, timeout=300)
        certs = os.path.join(work, "certs")
        os.makedirs(certs)
        make_certificates(certs)
        for f in os.listdir(certs):
            os.chmod(os.path.join(certs, f), 0o644)
        os.chmod(os.path.join(certs, "server.key"), 0o600)
        if os.geteuid() == 0:
            shutil.chown(os.path.join(certs, "server.key"), "postgres", "postgres")
        plain = "postgresql://tripstream@127.0.0.1:%d/tripstream" % port
        psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", plain, "-c"]
        run(psql + ["ALTER ROLE tripstream PASSWORD '%s'" % PASSWORD])
        run(psql + ["ALTER SYSTEM SET ssl = on"])
        run(psql + ["ALTER SYSTEM SET ssl_cert_file = '%s'" % os.path.join(certs, "server.crt")])
        run(psql + ["ALTER SYSTEM SET ssl_key_file = '%s'" % os.path.join(certs, "server.key")])
        hba = run(["psql", "-X", "-At", "-d", plain, "-c", "SHOW hba_file"]).stdout.strip()
        # Over TCP only TLS with the password; the local socket (scripts/stack's own checks) stays.
        rules = "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n"
        with open(hba, "w") as f:
            f.write(rules)
        run(psql + ["SELECT pg_reload_conf()"])
        time.sleep(1)

        tls_url = "postgresql://tripstream:%s@127.0.0.1:%d/tripstream?sslmode=verify-full&sslrootcert=%s" % (
            PASSWORD, port, os.path.join(certs, "ca.crt"))
        outputs = []
        env = dict(os.environ, TRIPSTREAM_CONFIG="/dev/null", KAFKA_BOOTSTRAP_SERVERS=kafka)
        consumer = os.path.join(build, "consumer", "tripstream-consumer")

        # 1. migrate through TLS; the session is encrypted.
        r = run([consumer, "--migrate-only"], env=dict(env, DATABASE_URL=tls_url))
        outputs.append(r.stdout + r.stderr)
        ssl_on = run(["psql", "-X", "-At", "-d", tls_url, "-c",
                      "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"]).stdout.strip()
        if not ssl_on.startswith("t|TLS"):
            raise Failure("the verify-full session is not encrypted: pg_stat_ssl says %r" % ssl_on)
        log("migrated through verify-full TLS (%s)" % ssl_on.split("|")[1])

        # 2. upload → consumer → API, all on the TLS URL.
        rows = ["region,origin_coord,destination_coord,datetime,datasource"]
        for i in range(120):
            rows.append("Prague,POINT (14.4%02d 50.07),POINT (14.45 50.0%d),2018-01-%02d 08:00:00,tls_test" % (
                i % 100, i % 10, 1 + i % 28))
        with ApiProcess(os.path.join(build, "api", "tripstream-api"), env={"DATABASE_URL": tls_url},
                        scratch_database=False, log_path=os.path.join(work, "api.log")) as api:
            request = urllib.request.Request(api.url + "/v1/ingestions", data=("\n".join(rows) + "\n").encode(),
                                             headers={"Content-Type": "text/csv"})
            with urllib.request.urlopen(request, timeout=60) as resp:
                job = json.load(resp)["job_id"]
            r = run([consumer, "--exit-when-idle", "2"], env=dict(api.env, DATABASE_URL=tls_url), timeout=180)
            outputs.append(r.stdout + r.stderr)
            deadline = time.monotonic() + 60
            answer = None
            while time.monotonic() < deadline:
                with urllib.request.urlopen(api.url + "/v1/trips/weekly-average?region=Prague", timeout=10) as resp:
                    answer = json.load(resp)
                    engine = resp.headers.get("X-Tripstream-Engine")
                if answer["total_trips"] == 120 and engine == "index":
                    break
                time.sleep(0.5)
            if not answer or answer["total_trips"] != 120:
                raise Failure("the API over TLS answers %s, not the 120 uploaded trips (job %s)" % (answer, job))
            with urllib.request.urlopen(api.url + "/readyz", timeout=10) as resp:
                ready = json.load(resp)
            if ready.get("database") != "ok":
                raise Failure("/readyz over TLS says %s" % ready)
            outputs.append(api.log_text(tail=10 ** 6))
        log("uploaded 120 trips, stored by a consumer and answered by the API's index, all over TLS")

        # 3. the clear failures.
        cases = {
            "without TLS": (tls_url.replace("sslmode=verify-full", "sslmode=disable"), ["no encryption", "rejects"]),
            "another CA": (tls_url.replace("/ca.crt", "/other-ca.crt"), ["certificate verify failed"]),
            "a wrong password": (tls_url.replace(PASSWORD, "wrong-password"), ["password authentication failed"]),
        }
        for name, (url, reasons) in cases.items():
            r = run([consumer, "--migrate-only"], env=dict(env, DATABASE_URL=url),
                    check=False, timeout=120)
            text = r.stdout + r.stderr
            outputs.append(text)
            if r.returncode == 0:
                raise Failure("%s: tripstream-consumer --migrate-only succeeded" % name)
            if not any(reason in text for reason in reasons):
                raise Failure("%s: the error does not say why (expected one of %s): %s" % (name, reasons, text[-800:]))
            log("%s: refused, exit %d: %s" % (name, r.returncode, [l for l in text.splitlines() if any(x in l for x in reasons)][0][-160:]))

        # 4. the password never printed.
        leaked = [o for o in outputs if PASSWORD in o]
        if leaked:
            raise Failure("a program printed the database password: %s" % leaked[0][-500:])
        log("passed; the password appears in no output")
    finally:
        subprocess.run([stack, "down"], env=stack_env, capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
