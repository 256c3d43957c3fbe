#!/usr/bin/env python3
"""HTTP/1.1 protocol-abuse suite for tripstream-api (ctest label `integration`).

Each case opens raw TCP connections, sends exact bytes (request smuggling, malformed heads,
hostile targets, slow or stalled clients, floods) and asserts what comes back within a
deadline: a specific status (4xx problems of the request rules also name the `parameter` at
fault in valid UTF-8 application/problem+json), then the server closing the connection; or a
clean close. After every case GET /healthz on a new connection must answer 200 within 2 s.
The rules are tests/http_abuse/README.md's; the server is api/src/http.

Usage:
  run_abuse.py --api build/release/api/tripstream-api   # starts it on a scratch database and
                                                        # topics with the short deadlines below
  run_abuse.py --url http://127.0.0.1:8080 [--header-timeout-ms 1500 ...]
                                                        # an API already running with these
  --only REGEX   only the cases whose name matches;  --list   print the case names

Prints one line per case (name, PASS/FAIL, elapsed, what was received); exits 1 on any
failure. Python standard library only.
"""

import argparse
import email.utils
import json
import os
import re
import socket
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from api_process import ApiProcess, Failure  # noqa: E402

# The deadlines the started API gets (and --url mode assumes unless told otherwise).
DEADLINES = {"HEADER_TIMEOUT_MS": 1500, "KEEP_ALIVE_TIMEOUT_MS": 2000, "BODY_IDLE_TIMEOUT_MS": 1500,
             "BODY_MIN_RATE": 1024, "WRITE_TIMEOUT_MS": 2000, "MAX_CONCURRENT_UPLOADS": 1}
RESPONSE_WAIT = 3.0  # seconds a response may take, unless a case says otherwise
CLOSE_WAIT = 2.0     # seconds the server may take to close after a final response
CSV_HEADER = b"region,origin_coord,destination_coord,datetime,datasource\r\n"
CSV_ROW = (b"Prague,POINT (14.4973794438195 50.00136875782316),"
           b"POINT (14.43109483523328 50.04052930943246),2018-05-28 09:03:40,abuse_suite\r\n")


class CaseFailed(Exception):
    pass


class Timeout(Exception):
    pass


class Closed(Exception):
    pass


# --------------------------------------------------------------------------- raw HTTP client

class Response:
    def __init__(self, version, status, reason, headers, body, head_bytes):
        self.version, self.status, self.reason = version, status, reason
        self.headers, self.body, self.head_bytes = headers, body, head_bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def count(self, name):
        return sum(1 for k, _ in self.headers if k.lower() == name.lower())

    def problem(self):
        """The problem+json body as a dict, or None."""
        if not (self.header("Content-Type") or "").startswith("application/problem+json"):
            return None
        try:
            return json.loads(self.body.decode("utf-8", errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return None

    def summary(self):
        text = "%d" % self.status
        p = self.problem()
        if p is not None and "parameter" in p:
            text += " parameter=%r" % p["parameter"]
        return text


def show(data, limit=80):
    text = repr(bytes(data[:limit]))[2:-1]
    return text + ("..." if len(data) > limit else "")


class Conn:
    """One TCP connection with a receive buffer and deadline-bounded reads."""

    def __init__(self, ctx, rcvbuf=None, connect_timeout=3.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(connect_timeout)
        self.sock.connect((ctx.host, ctx.port))
        self.buf = b""
        self.eof = False
        self.reset = False
        self.send_failed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data, timeout=5.0):
        """Sends everything; False (remembered) when the server closed or reset meanwhile,
        which a rejected request may legitimately see: its answer is still read."""
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.send_failed = True
            return False
        except socket.timeout:
            self.send_failed = True
            return False

    def _recv(self, deadline):
        """Appends what arrives before `deadline` (Timeout when nothing); False at EOF/reset."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout()
        except ConnectionResetError:
            self.eof = self.reset = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _need(self, predicate, deadline, what):
        while not predicate():
            if self.eof:
                raise Closed("connection %s before %s (%d bytes: %s)" % (
                    "reset" if self.reset else "closed", what, len(self.buf), show(self.buf)))
            try:
                self._recv(deadline)
            except Timeout:
                raise Timeout("no %s within the deadline (%d bytes: %s)" % (
                    what, len(self.buf), show(self.buf)))

    def read_response(self, timeout=RESPONSE_WAIT, head=False):
        """The next response (an interim 1xx one included) from the buffer or the socket."""
        deadline = time.monotonic() + timeout
        self._need(lambda: b"\r\n\r\n" in self.buf, deadline, "response head")
        end = self.buf.index(b"\r\n\r\n")
        head_bytes, self.buf = self.buf[:end], self.buf[end + 4:]
        lines = head_bytes.split(b"\r\n")
        m = re.match(rb"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise CaseFailed("not a status line: %s" % show(lines[0]))
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise CaseFailed("malformed response header line: %s" % show(line))
            headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        r = Response(m.group(1).decode(), int(m.group(2)), (m.group(3) or b"").decode("latin-1"),
                     headers, b"", head_bytes)
        if head or r.status < 200 or r.status in (204, 304):
            return r
        if (r.header("Transfer-Encoding") or "").lower() == "chunked":
            r.body = self._read_chunked(deadline)
        elif r.header("Content-Length") is not None:
            n = int(r.header("Content-Length"))
            self._need(lambda: len(self.buf) >= n, deadline, "%d body bytes" % n)
            r.body, self.buf = self.buf[:n], self.buf[n:]
        else:  # delimited by the close
            while not self.eof:
                try:
                    self._recv(deadline)
                except Timeout:
                    raise Timeout("response without length never ended")
            r.body, self.buf = self.buf, b""
        return r

    def _read_chunked(self, deadline):
        body = b""
        while True:
            self._need(lambda: b"\r\n" in self.buf, deadline, "chunk size")
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                self._need(lambda: b"\r\n" in self.buf, deadline, "chunked trailer")
                while not self.buf.startswith(b"\r\n"):  # trailer fields
                    self.buf = self.buf.split(b"\r\n", 1)[1]
                    self._need(lambda: b"\r\n" in self.buf, deadline, "chunked trailer")
                self.buf = self.buf[2:]
                return body
            self._need(lambda: len(self.buf) >= size + 2, deadline, "chunk data")
            body, self.buf = body + self.buf[:size], self.buf[size + 2:]

    def read_final(self, timeout=RESPONSE_WAIT, head=False):
        """The final response, skipping (and returning) interim 1xx ones."""
        deadline = time.monotonic() + timeout
        interim = []
        while True:
            r = self.read_response(max(deadline - time.monotonic(), 0.01), head)
            if r.status >= 200:
                return interim, r
            interim.append(r)

    def wait_close(self, timeout=CLOSE_WAIT):
        """(closed, unexpected bytes): whether EOF/reset came within `timeout`."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            try:
                self._recv(deadline)
            except Timeout:
                break
        extra, self.buf = self.buf, b""
        return self.eof, extra

    def quiet_for(self, seconds):
        """Bytes that arrive within `seconds` (b"" when none), and whether the peer closed."""
        closed, extra = self.wait_close(seconds)
        return extra, closed


# --------------------------------------------------------------------------- assertions

def request(method, target, headers=None, body=b"", version=b"HTTP/1.1", host=True):
    """Request bytes; headers as (name, value) pairs of bytes or str, Host first by default."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode("latin-1")
    lines = [b(method) + b" " + b(target) + b" " + version]
    if host:
        lines.append(b"Host: abuse")
    for name, value in headers or []:
        lines.append(b(name) + b": " + b(value))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def expect_problem(r, status, parameter):
    """`r` is `status`, a problem+json in valid UTF-8, naming `parameter` (None: not checked)."""
    if r.status != status:
        raise CaseFailed("got %d, expected %d: %s" % (r.status, status, show(r.body, 200)))
    try:
        r.body.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise CaseFailed("%d body is not valid UTF-8: %s" % (r.status, show(r.body, 200)))
    p = r.problem()
    if p is None:
        raise CaseFailed("%d is not application/problem+json JSON (Content-Type %r): %s" % (
            r.status, r.header("Content-Type"), show(r.body, 200)))
    if parameter is not None and p.get("parameter") != parameter:
        raise CaseFailed("%d names parameter %r, expected %r (detail %r)" % (
            r.status, p.get("parameter"), parameter, p.get("detail")))


def expect_closed(conn, what="the response"):
    closed, extra = conn.wait_close(CLOSE_WAIT)
    if extra:
        raise CaseFailed("bytes after %s (a second response?): %s" % (what, show(extra, 120)))
    if not closed:
        raise CaseFailed("connection still open %.1f s after %s" % (CLOSE_WAIT, what))
    return "closed"


def rejected(ctx, raw, status, parameter=None, timeout=RESPONSE_WAIT, statuses=None):
    """Sends `raw`; expects `status` (or one of `statuses`), as a problem naming `parameter`
    when given, then the connection closed with nothing more."""
    with Conn(ctx) as c:
        c.send(raw)
        r = c.read_response(timeout)
        if statuses is not None and r.status in statuses:
            status = r.status
        expect_problem(r, status, parameter)
        return "%s, %s" % (r.summary(), expect_closed(c))


def rejected_or_closed(ctx, raw, statuses, within, send_timeout=5.0):
    """Either one of `statuses` and a close, or a clean close without a response, within
    `within` seconds of the last byte sent."""
    with Conn(ctx) as c:
        c.send(raw, timeout=send_timeout)
        sent = time.monotonic()
        try:
            r = c.read_response(within)
        except Closed as e:
            if c.buf:
                raise CaseFailed(str(e))
            return "closed without a response after %.1f s" % (time.monotonic() - sent)
        if r.status not in statuses:
            raise CaseFailed("got %d, expected one of %s or a close" % (r.status, statuses))
        return "%s after %.1f s, %s" % (r.summary(), time.monotonic() - sent, expect_closed(c))


def get_ok(ctx, target, timeout=2.0):
    with Conn(ctx) as c:
        c.send(request("GET", target, [("Connection", "close")]))
        return c.read_response(timeout)


def healthy(ctx):
    """(True, "") when GET /healthz on a new connection answers 200 within 2 s."""
    try:
        r = get_ok(ctx, "/healthz")
        return r.status == 200, "GET /healthz answered %d" % r.status
    except (OSError, Timeout, Closed, CaseFailed) as e:
        return False, "GET /healthz failed: %s" % (str(e) or type(e).__name__)


# --------------------------------------------------------------------------- the cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


PREDICT = "/v1/clusters/predict"
WEEKLY = "/v1/trips/weekly-average"
JSON_TYPE = ("Content-Type", "application/json")
SECOND_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: abuse\r\n\r\n"


def te_case(value_lines, body=b"0\r\n\r\n", version=b"HTTP/1.1"):
    def run(ctx):
        headers = [JSON_TYPE] + [("Transfer-Encoding", v) for v in value_lines]
        return rejected(ctx, request("POST", PREDICT, headers, body, version,
                                     host=version != b"HTTP/1.0"), 400, "Transfer-Encoding")
    return run


# Framing (RFC 9112 6): one reading of where a body ends, or 400 and close.

def expect_timeout_answer(c, started, wait, limit):
    """Reads the answer to a timed-out request within `wait` s: it must be a 408, then a close."""
    try:
        r = c.read_response(wait)
    except Closed as e:
        raise CaseFailed("%s after %.1f s" % (e, time.monotonic() - started))
    elapsed = time.monotonic() - started
    if r.status != 408:
        raise CaseFailed("got %d after %.1f s, expected 408" % (r.status, elapsed))
    return "408 after %.1f s (limit %.1f s), %s" % (elapsed, limit, expect_closed(c))


@case
def te_gzip_then_request(ctx):
    """Transfer-Encoding: gzip, body = a second request: 400, close, never a second response."""
    return te_case(["gzip"], body=SECOND_REQUEST)(ctx)


for _name, _lines in (("te_chunked_identity", ["chunked, identity"]), ("te_identity", ["identity"]),
                      ("te_chunked_chunked", ["chunked, chunked"]),
                      ("te_gzip_chunked", ["gzip, chunked"]), ("te_empty", [""]),
                      ("te_two_lines_chunked", ["chunked", "chunked"])):
    _fn = te_case(_lines)
    _fn.__name__ = _name
    _fn.__doc__ = "Transfer-Encoding %r: 400 naming Transfer-Encoding, close" % (_lines,)
    case(_fn)


@case
def te_on_http10(ctx):
    """Transfer-Encoding: chunked in an HTTP/1.0 request: 400, close."""
    return te_case(["chunked"], version=b"HTTP/1.0")(ctx)


@case
def te_chunked_smuggled_request(ctx):
    """A valid chunked body that holds a second request: exactly one response."""
    chunk = SECOND_REQUEST
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunk), chunk)
    with Conn(ctx) as c:
        c.send(request("POST", PREDICT, [JSON_TYPE, ("Transfer-Encoding", "chunked")], body))
        r = c.read_response()
        if r.status == 500 or r.status < 400:
            raise CaseFailed("got %d for a body that is no JSON trip list" % r.status)
        extra, closed = c.quiet_for(1.5)
        if extra:
            raise CaseFailed("a second response (the smuggled request ran): %s" % show(extra))
        return "%s, then %s" % (r.summary(), "closed" if closed else "nothing for 1.5 s")


@case
def cl_with_te(ctx):
    """Content-Length and Transfer-Encoding together (CL.TE smuggling): 400 naming either of
    them, close, never a second response."""
    body = b"0\r\n\r\n" + SECOND_REQUEST
    with Conn(ctx) as c:
        c.send(request("POST", PREDICT, [JSON_TYPE, ("Content-Length", str(len(body))),
                                         ("Transfer-Encoding", "chunked")], body))
        r = c.read_response()
        expect_problem(r, 400, None)
        if r.problem().get("parameter") not in ("Content-Length", "Transfer-Encoding"):
            raise CaseFailed("400 names parameter %r, expected Content-Length or "
                             "Transfer-Encoding" % r.problem().get("parameter"))
        return "%s, %s" % (r.summary(), expect_closed(c))


for _name, _values in (("cl_not_decimal", ["12abc"]), ("cl_negative", ["-1"]),
                       ("cl_overflow", ["99999999999999999999999"]), ("cl_hex", ["0x10"]),
                       ("cl_duplicate_equal", ["5", "5"]), ("cl_duplicate_different", ["5", "6"]),
                       ("cl_list", ["5, 5"])):
    def _run(ctx, _values=_values):
        headers = [JSON_TYPE] + [("Content-Length", v) for v in _values]
        return rejected(ctx, request("POST", PREDICT, headers, b"[1,2]"), 400, "Content-Length")
    _run.__name__ = _name
    _run.__doc__ = "Content-Length %r: 400 naming Content-Length, close" % (_values,)
    case(_run)


@case
def cl_over_route_limit(ctx):
    """A declared body of 1 TB on a 4 MiB route: 413 before any body byte, close."""
    with Conn(ctx) as c:
        c.send(request("POST", PREDICT, [JSON_TYPE, ("Content-Length", str(10 ** 12))]))
        r = c.read_response()
        if r.status != 413:
            raise CaseFailed("got %d, expected 413" % r.status)
        return "%s, %s" % (r.summary(), expect_closed(c))


# Host (RFC 9112 3.2).

@case
def host_missing_http11(ctx):
    return rejected(ctx, request("GET", "/healthz", host=False), 400, "Host")


@case
def host_twice(ctx):
    return rejected(ctx, request("GET", "/healthz", [("Host", "other")]), 400, "Host")


@case
def host_missing_http10(ctx):
    """HTTP/1.0 without Host is fine: 200."""
    with Conn(ctx) as c:
        c.send(request("GET", "/healthz", version=b"HTTP/1.0", host=False))
        r = c.read_response()
        if r.status != 200:
            raise CaseFailed("got %d, expected 200" % r.status)
        return r.summary()


for _name, _host in (("host_with_space", "a b"), ("host_with_userinfo", "user@abuse"),
                     ("host_with_slash", "abuse/x"), ("host_bad_port", "abuse:99999")):
    def _run(ctx, _host=_host):
        return rejected(ctx, request("GET", "/healthz", [("Host", _host)], host=False), 400, "Host")
    _run.__name__ = _name
    _run.__doc__ = "Host %r: 400 naming Host, close" % _host
    case(_run)


# The request-target (RFC 9112 3.2, RFC 3986) and its decoded text.

def target_case(name, target, status, parameter, doc):
    def run(ctx):
        return rejected(ctx, request("GET", target), status, parameter)
    run.__name__, run.__doc__ = name, doc
    case(run)


target_case("nul_raw_in_path", b"/docs/index.html\x00.png", 400, None, "raw NUL in the path")
target_case("nul_raw_in_query", b"/v1/trips/weekly-average?region=Prague\x00x", 400, None,
            "raw NUL in the query")
target_case("nul_encoded_in_path", "/docs/index.html%00.png", 400, "path", "%00 in the path")
target_case("nul_encoded_in_query", WEEKLY + "?region=Prague%00x", 400, "region",
            "%00 in a parameter")
target_case("percent_bad_in_path", "/v1/%ZZ", 400, "path", "malformed escape in the path")
target_case("percent_bad_in_query", WEEKLY + "?from=%G1", 400, "from",
            "malformed escape in a parameter")
target_case("percent_truncated_in_query", WEEKLY + "?region=Prague%4", 400, "region",
            "truncated escape at the end")
target_case("utf8_invalid_ff", WEEKLY + "?region=%FF", 400, "region", "%FF: never UTF-8")
target_case("utf8_overlong_nul", WEEKLY + "?region=%C0%80", 400, "region",
            "overlong NUL %C0%80")
target_case("utf8_raw_bytes_in_target", b"/v1/trips/weekly-average?region=Pr\xc3\xa1ha", 400,
            "target", "raw (unencoded) UTF-8 bytes in the target")
target_case("control_chars_in_query", WEEKLY + "?region=a%0D%0AX-Injected:%201", 400, "region",
            "CR LF in a parameter (log and header injection)")
target_case("repeated_parameter", WEEKLY + "?region=A&region=B", 400, "region",
            "a parameter given twice")
target_case("empty_parameter_name", WEEKLY + "?=x&region=Prague", 400, "query",
            "a parameter without a name")
target_case("cells_repeated_step", "/v1/trips/cells?step=2&step=3", 400, "step",
            "the map's step given twice")
target_case("cells_nul_in_step", "/v1/trips/cells?step=2%00", 400, "step", "%00 in step")
target_case("cells_control_in_bbox", "/v1/trips/cells?bbox=1,2,3,4%0A", 400, "bbox",
            "LF in bbox")
target_case("regions_repeated_parameter", "/v1/regions?x=1&x=2", 400, "x",
            "a parameter given twice on a route that takes none")
target_case("dot_dot_in_path", "/docs/../openapi.json", 400, "path", "'..' segment")
target_case("dot_dot_encoded_in_path", "/docs/%2e%2e/openapi.json", 400, "path",
            "'..' segment, percent-encoded")
target_case("asterisk_with_get", "*", 400, "target", "'*' is only for OPTIONS")
target_case("target_not_a_path", "healthz", 400, "target", "neither origin- nor absolute-form")


@case
def absolute_form_target(ctx):
    """GET http://127.0.0.1/healthz (absolute-form): its path is served, 200."""
    with Conn(ctx) as c:
        c.send(request("GET", "http://127.0.0.1/healthz"))
        r = c.read_response()
        if r.status != 200:
            raise CaseFailed("got %d, expected 200" % r.status)
        return r.summary()


# Header fields (RFC 9112 5).

@case
def header_too_large(ctx):
    """One 20 KiB header (the limit is 16 KiB): 431, close."""
    return rejected(ctx, request("GET", "/healthz", [("X-Big", "a" * 20480)]), 431)


@case
def too_many_headers(ctx):
    """1000 header lines of 8 bytes (8 KB, under the size limit): 431, close."""
    headers = [("X-%d" % (i % 10), "1") for i in range(1000)]
    return rejected(ctx, request("GET", "/healthz", headers), 431)


raw_cases = [
    ("header_value_nul", request("GET", "/healthz", [("X-A", b"a\x00b")]), "NUL in a header value"),
    ("header_value_cr", request("GET", "/healthz", [("X-A", b"a\rb")]), "bare CR in a header value"),
    ("obs_fold", request("GET", "/healthz", [("X-A", b"1\r\n 2")]), "obs-fold (a continuation line)"),
    ("bare_lf_line_endings", b"GET /healthz HTTP/1.1\nHost: abuse\n\n", "LF without CR"),
    ("space_before_colon", request("GET", "/healthz", [("X-A ", "1")]), "'X-A : 1'"),
    ("garbage_request_line", b"GARBAGE\r\n\r\n", "no method, target or version"),
    ("request_line_two_spaces", b"GET  /healthz HTTP/1.1\r\nHost: abuse\r\n\r\n",
     "two spaces after the method"),
]
for _name, _raw, _doc in raw_cases:
    def _run(ctx, _raw=_raw):
        return rejected(ctx, _raw, 400)
    _run.__name__, _run.__doc__ = _name, _doc + ": 400, close"
    case(_run)


@case
def tls_client_hello(ctx):
    """A TLS ClientHello on the plain port: 400 and close, or a clean close, within 3 s."""
    hello = bytes.fromhex("160301002e0100002a0303") + b"\x00" * 32 + bytes.fromhex("000002002f0100")
    return rejected_or_closed(ctx, hello, (400,), 3.0)


@case
def unknown_method(ctx):
    """BREW /healthz: a 4xx/5xx other than 500 (405 lists Allow)."""
    with Conn(ctx) as c:
        c.send(request("BREW", "/healthz"))
        r = c.read_response()
        if r.status < 400 or r.status == 500:
            raise CaseFailed("got %d, expected a 4xx/5xx other than 500" % r.status)
        if r.status == 405 and not r.header("Allow"):
            raise CaseFailed("405 without Allow")
        return r.summary() + (" Allow=%r" % r.header("Allow") if r.header("Allow") else "")


@case
def http2_preface(ctx):
    """The HTTP/2 connection preface: 505 naming version, close."""
    return rejected(ctx, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "version")


@case
def version_1_2(ctx):
    return rejected(ctx, request("GET", "/healthz", version=b"HTTP/1.2"), 505, "version")


@case
def version_2_0(ctx):
    return rejected(ctx, request("GET", "/healthz", version=b"HTTP/2.0"), 505, "version")


# Chunked bodies (RFC 9112 7.1).

CHUNKED = [JSON_TYPE, ("Transfer-Encoding", "chunked")]


@case
def chunk_size_not_hex(ctx):
    return rejected(ctx, request("POST", PREDICT, CHUNKED, b"zz\r\nhello\r\n0\r\n\r\n"), 400)


@case
def chunk_size_overflow(ctx):
    """A chunk size of 2^80: 400 or 413, close."""
    return rejected(ctx, request("POST", PREDICT, CHUNKED, b"FFFFFFFFFFFFFFFFFFFF\r\nab\r\n"),
                    400, statuses=(400, 413))


@case
def chunk_extension_unterminated(ctx):
    """'5;' and 100 KB of extension, no CRLF: 400/413 and close, or a close, within 3 s."""
    body = b"5;" + b"a" * 100000
    return rejected_or_closed(ctx, request("POST", PREDICT, CHUNKED, body), (400, 413), 3.0)


@case
def trailer_unterminated(ctx):
    """The last chunk, then a 100 KB trailer field without CRLF: 400/413/431 and close, or a
    close, within 3 s."""
    body = b"2\r\n[]\r\n0\r\nX-Trailer: " + b"a" * 100000
    return rejected_or_closed(ctx, request("POST", PREDICT, CHUNKED, body), (400, 413, 431), 3.0)


# Deadlines.

@case
def slow_header(ctx):
    """A head trickling 1 byte per 500 ms: 408 within HEADER_TIMEOUT_MS + 1 s, close."""
    limit = ctx.header_timeout + 1.0
    head = request("GET", "/healthz", [("X-Slow", "x" * 100)])
    with Conn(ctx) as c:
        started = time.monotonic()
        for byte in head:
            if not c.send(bytes([byte])) or time.monotonic() - started > limit:
                break
            try:
                c._recv(time.monotonic() + 0.5)
                break  # the server answered (or closed)
            except Timeout:
                pass
            if c.eof:
                break
        return expect_timeout_answer(c, started, max(started + limit - time.monotonic(), 0.05),
                                     limit)


@case
def keep_alive_idle_closed(ctx):
    """After a response, an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS
    (not before 80 % of it, within 1 s after it)."""
    with Conn(ctx) as c:
        c.send(request("GET", "/healthz"))
        r = c.read_response()
        if r.status != 200:
            raise CaseFailed("GET /healthz answered %d" % r.status)
        idle_from = time.monotonic()
        closed, extra = c.wait_close(ctx.keep_alive_timeout + 1.0)
        elapsed = time.monotonic() - idle_from
        if not closed:
            raise CaseFailed("still open %.1f s after the response" % elapsed)
        if elapsed < 0.8 * ctx.keep_alive_timeout:
            raise CaseFailed("closed already %.1f s after the response (keep-alive is %.1f s)"
                             % (elapsed, ctx.keep_alive_timeout))
        return "closed %.1f s after the response%s" % (
            elapsed, " (sent %s)" % show(extra) if extra else "")


@case
def idle_new_connection_closed(ctx):
    """A connection that never sends a byte is closed (408 or silently) within
    max(HEADER_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS) + 1 s."""
    limit = max(ctx.header_timeout, ctx.keep_alive_timeout) + 1.0
    with Conn(ctx) as c:
        started = time.monotonic()
        closed, extra = c.wait_close(limit)
        elapsed = time.monotonic() - started
        if not closed:
            raise CaseFailed("still open after %.1f s" % elapsed)
        if extra and not extra.startswith(b"HTTP/1.1 408"):
            raise CaseFailed("sent %s" % show(extra))
        return "closed after %.1f s%s" % (elapsed, " with 408" if extra else "")


@case
def slow_body(ctx):
    """Content-Length 1000, 10 bytes sent, then nothing: 408 within BODY_IDLE_TIMEOUT_MS + 1 s,
    close."""
    limit = ctx.body_idle_timeout + 1.0
    with Conn(ctx) as c:
        c.send(request("POST", PREDICT, [JSON_TYPE, ("Content-Length", "1000")], b"[" + b" " * 9))
        return expect_timeout_answer(c, time.monotonic(), limit, limit)


# Protocol features every client relies on.

@case
def head_healthz_keep_alive(ctx):
    """HEAD /healthz: 200 with Content-Length and no body bytes; the connection then serves
    GET /healthz."""
    with Conn(ctx) as c:
        c.send(request("HEAD", "/healthz"))
        r = c.read_response(head=True)
        if r.status != 200:
            raise CaseFailed("HEAD answered %d" % r.status)
        if r.header("Content-Length") is None:
            raise CaseFailed("HEAD response without Content-Length")
        extra, closed = c.quiet_for(0.3)
        if extra:
            raise CaseFailed("HEAD response followed by body bytes: %s" % show(extra))
        if closed:
            raise CaseFailed("connection closed after HEAD")
        c.send(request("GET", "/healthz"))
        g = c.read_response()
        if g.status != 200 or str(len(g.body)) != r.header("Content-Length"):
            raise CaseFailed("GET after HEAD: %d with %d body bytes (HEAD said %s)" % (
                g.status, len(g.body), r.header("Content-Length")))
        return "HEAD 200 Content-Length %s, then GET 200 on the same connection" % (
            r.header("Content-Length"))


@case
def date_on_every_response(ctx):
    """200, 404, 405 and a 400 of the request rules all carry a current IMF-fixdate Date."""
    seen = []
    for method, target in (("GET", "/healthz"), ("GET", "/no/such/path"), ("DELETE", "/healthz"),
                           ("GET", WEEKLY + "?region=%FF")):
        with Conn(ctx) as c:
            c.send(request(method, target, [("Connection", "close")]))
            r = c.read_response()
        date = r.header("Date")
        ok = date is not None and re.match(
            r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
            r" \d{4} \d\d:\d\d:\d\d GMT$", date)
        if ok and abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time()) > 60:
            ok = False
        if not ok or r.count("Date") != 1:
            raise CaseFailed("%s %s -> %d with Date %r (%d Date fields)" % (
                method, target, r.status, date, r.count("Date")))
        seen.append(str(r.status))
    return "Date on " + ", ".join(seen)


@case
def pipelined_gets(ctx):
    """GET /healthz and GET /openapi.json in one packet: two responses, in that order."""
    with Conn(ctx) as c:
        c.send(request("GET", "/healthz") + request("GET", "/openapi.json"))
        first = c.read_response()
        second = c.read_response()
        try:
            is_openapi = "openapi" in json.loads(second.body)
        except ValueError:
            is_openapi = False
        if first.status != 200 or b"openapi" in first.body[:200]:
            raise CaseFailed("first response %d %s is not /healthz's" % (first.status, show(first.body)))
        if second.status != 200 or not is_openapi:
            raise CaseFailed("second response %d %s is not /openapi.json" % (
                second.status, show(second.body)))
        return "200 /healthz, then 200 /openapi.json (%d bytes)" % len(second.body)


def upload_head(ctx, length, extra=()):
    headers = [("Content-Type", "text/csv"), ("Content-Length", str(length))] + list(extra)
    if ctx.api_key:
        headers.append(("Authorization", "Bearer " + ctx.api_key))
    return request("POST", "/v1/ingestions", headers)


@case
def expect_100_continue(ctx):
    """An upload with Expect: 100-continue gets '100 Continue' before sending its body, then
    202."""
    body = CSV_HEADER + CSV_ROW
    with Conn(ctx) as c:
        c.send(upload_head(ctx, len(body), [("Expect", "100-continue")]))
        try:
            interim = c.read_response(2.0)
        except Timeout:
            raise CaseFailed("no 100 Continue within 2 s")
        if interim.status != 100:
            raise CaseFailed("got %s before the body, expected 100 Continue" % interim.summary())
        c.send(body)
        _, final = c.read_final(10.0)
        if final.status != 202:
            raise CaseFailed("100 Continue, then %d: %s" % (final.status, show(final.body, 200)))
        return "100 Continue, then 202"


@case
def second_upload_gets_429(ctx):
    """With MAX_CONCURRENT_UPLOADS uploads in progress, one more gets 429 with Retry-After."""
    if ctx.max_concurrent_uploads != 1:
        raise CaseFailed("needs an API with MAX_CONCURRENT_UPLOADS=1 (--max-concurrent-uploads)")
    first = Conn(ctx)
    try:
        first.send(upload_head(ctx, 1000000) + CSV_HEADER + CSV_ROW * 5)
        time.sleep(0.3)  # the first upload is now in progress (its body stalls)
        with Conn(ctx) as c:
            body = CSV_HEADER + CSV_ROW
            c.send(upload_head(ctx, len(body)) + body)
            r = c.read_response()
            retry = r.header("Retry-After")
            if r.status != 429 or retry is None or not retry.isdigit():
                raise CaseFailed("second upload got %d, Retry-After %r; expected 429 with "
                                 "Retry-After seconds" % (r.status, retry))
            return "429 Retry-After: %s" % retry
    finally:
        first.close()


@case
def slow_reader_dropped(ctx):
    """200 GET /openapi.json pipelined by a client that reads nothing: dropped after
    WRITE_TIMEOUT_MS (fewer than 200 responses, then EOF/reset), /healthz answering meanwhile."""
    count = 200
    with Conn(ctx, rcvbuf=4096) as c:
        c.send(request("GET", "/openapi.json") * count, timeout=3.0)
        time.sleep(ctx.write_timeout / 2)
        ok, why = healthy(ctx)
        if not ok:
            raise CaseFailed("while a client read nothing: " + why)
        time.sleep(ctx.write_timeout / 2 + 1.5)
        responses, deadline = 0, time.monotonic() + 10.0
        while time.monotonic() < deadline:
            try:
                c.read_response(max(deadline - time.monotonic(), 0.01))
                responses += 1
            except (Closed, Timeout):
                break
            except CaseFailed:  # cut mid-response
                break
        if responses >= count:
            raise CaseFailed("all %d responses delivered: the reader was never dropped" % count)
        closed, _ = c.wait_close(1.0)
        if not closed:
            raise CaseFailed("%d responses, then the connection stayed open" % responses)
        return "dropped after %d of %d responses (%s)" % (
            responses, count, "reset" if c.reset else "EOF")


@case
def idle_connections_300(ctx):
    """300 connections that send nothing do not keep /healthz from answering within 2 s."""
    idle = []
    try:
        for _ in range(300):
            idle.append(Conn(ctx))
        started = time.monotonic()
        ok, why = healthy(ctx)
        if not ok:
            raise CaseFailed("with 300 idle connections open: " + why)
        return "/healthz 200 in %.2f s with 300 idle connections" % (time.monotonic() - started)
    finally:
        for c in idle:
            c.close()


# --------------------------------------------------------------------------- the runner

class Context:
    def __init__(self, host, port, args):
        self.host, self.port = host, port
        self.header_timeout = args.header_timeout_ms / 1000
        self.keep_alive_timeout = args.keep_alive_timeout_ms / 1000
        self.body_idle_timeout = args.body_idle_timeout_ms / 1000
        self.body_min_rate = args.body_min_rate
        self.write_timeout = args.write_timeout_ms / 1000
        self.max_concurrent_uploads = args.max_concurrent_uploads
        self.api_key = args.api_key


def run_cases(cases, ctx, api):
    failures = 0
    for fn in cases:
        started = time.monotonic()
        try:
            outcome, passed = fn(ctx), True
        except (CaseFailed, Timeout, Closed) as e:
            outcome, passed = str(e) or type(e).__name__, False
        except OSError as e:
            outcome, passed = "%s: %s" % (type(e).__name__, e), False
        elapsed = time.monotonic() - started
        ok, why = healthy(ctx)
        if not ok:
            outcome, passed = "%s; AND THE SERVER IS UNHEALTHY AFTERWARDS: %s" % (outcome, why), False
        print("%-32s %s %6.2fs  %s" % (fn.__name__, "PASS" if passed else "FAIL", elapsed, outcome),
              flush=True)
        failures += not passed
        if api is not None and not api.alive():
            print("  tripstream-api died (exit %s); its log:\n%s" % (api.proc.returncode,
                                                                    api.log_text(3000)), flush=True)
            api.restart()
            ctx.port = api.port
    return failures


class Restartable:
    """The API started by this suite, restarted (counted as a failure already) if it dies."""

    def __init__(self, exe, env):
        self.exe, self.env = exe, env
        self.current = ApiProcess(exe, env=env).start()

    @property
    def port(self):
        return self.current.port

    @property
    def proc(self):
        return self.current.proc

    def alive(self):
        return self.current.alive()

    def log_text(self, tail):
        return self.current.log_text(tail)

    def restart(self):
        try:
            self.current.stop()
        except Failure:
            pass  # already reported
        self.current = ApiProcess(self.exe, env=self.env).start()

    def stop(self):
        self.current.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--api", help="tripstream-api executable to start (default: "
                       "$TRIPSTREAM_BUILD_DIR or build/release, api/tripstream-api)")
    where.add_argument("--url", help="an API already running (nothing is started)")
    for key, value in DEADLINES.items():
        ap.add_argument("--" + key.lower().replace("_", "-"), type=int, default=value,
                        help="%s of the API (set on the one started; --url: what it runs with)"
                        % key)
    ap.add_argument("--api-key", default=None, help="--url: the API_KEY it requires, if any")
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args()
    cases = [fn for fn in CASES if not args.only or re.search(args.only, fn.__name__)]
    if args.list:
        for fn in CASES:
            print("%-32s %s" % (fn.__name__, (fn.__doc__ or "").split("\n")[0]))
        return 0
    if not cases:
        print("no case matches %r" % args.only)
        return 1

    api = None
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        host, port = u.hostname or "127.0.0.1", u.port or 80
    else:
        exe = args.api or os.path.join(os.environ.get("TRIPSTREAM_BUILD_DIR",
                                                      os.path.join(ROOT, "build", "release")),
                                       "api", "tripstream-api")
        env = {k: str(getattr(args, k.lower())) for k in DEADLINES}
        env["QUERY_ENGINE"] = "database"
        try:
            api = Restartable(exe, env)
        except Failure as e:
            print("FAIL: could not start tripstream-api: %s" % e, flush=True)
            return 1
        host, port = "127.0.0.1", api.port
    ctx = Context(host, port, args)
    print("tripstream HTTP abuse suite: %d cases against %s:%d" % (len(cases), host, port), flush=True)
    started = time.monotonic()
    failures = 0
    try:
        failures = run_cases(cases, ctx, api)
    finally:
        if api is not None:
            try:
                api.stop()
            except Failure as e:
                print("FAIL: stopping tripstream-api: %s" % e, flush=True)
                failures += 1
    print("%d of %d cases failed (%.1f s)" % (failures, len(cases), time.monotonic() - started)
          if failures else "all %d cases passed (%.1f s)" % (len(cases), time.monotonic() - started),
          flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
