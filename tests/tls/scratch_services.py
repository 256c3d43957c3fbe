"""What the TLS tests share: running a command with its output kept, a free loopback port and
a tagged log line (tests/tls/run_postgres_tls.py, tests/tls/run_kafka_sasl.py)."""

import socket
import subprocess
import time

from api_process import Failure


def logger(tag):
    def log(msg):
        print("[%s %s] %s" % (tag, time.strftime("%H:%M:%S"), msg), flush=True)
    return log


def run(cmd, env=None, check=True, timeout=120):
    """The finished process; Failure with its output's tail when `check` and it failed."""
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise Failure("%s exited %d: %s" % (" ".join(cmd[:2]), r.returncode, (r.stderr + r.stdout)[-1500:]))
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
