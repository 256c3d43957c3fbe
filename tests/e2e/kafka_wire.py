"""The few Kafka admin requests the end-to-end test needs, over the Kafka wire protocol with
the Python standard library only: is the broker there (ApiVersions), delete topics
(DeleteTopics v1), create topics (CreateTopics v2, Metadata v1) and a consumer group (FindCoordinator v0 + DeleteGroups v0)."""

import socket
import struct
import time

METADATA, API_VERSIONS, FIND_COORDINATOR, CREATE_TOPICS, DELETE_TOPICS, DELETE_GROUPS = (
    3, 18, 10, 19, 20, 42)
OK, UNKNOWN_TOPIC, TOPIC_EXISTS, GROUP_NOT_FOUND = 0, 3, 36, 69


def _string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.take(">h")
        s = self.data[self.pos:self.pos + max(n, 0)].decode()
        self.pos += max(n, 0)
        return s


def _parse_servers(bootstrap):
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    return host or "127.0.0.1", int(port)


def _recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        out += chunk
    return out


def request(host, port, api_key, version, body, timeout=10.0):
    """Sends one request (header v1) and returns the response body (after header v0)."""
    header = struct.pack(">hhi", api_key, version, 1) + _string("tripstream-e2e")
    message = header + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(message)) + message)
        size = struct.unpack(">i", _recv_exact(sock, 4))[0]
        data = _recv_exact(sock, size)
    if struct.unpack_from(">i", data)[0] != 1:
        raise ConnectionError("unexpected correlation id")
    return data[4:]


def check_broker(bootstrap, timeout=5.0):
    """Raises unless the broker answers an ApiVersions request."""
    host, port = _parse_servers(bootstrap)
    body = request(host, port, API_VERSIONS, 0, b"", timeout)
    error = struct.unpack_from(">h", body)[0]
    if error != OK:
        raise ConnectionError("ApiVersions error %d" % error)


def create_topic(bootstrap, name, partitions, config=None, timeout_ms=15000):
    """Creates a topic (replication 1) unless it exists, then waits until the broker's
    metadata lists all its partitions."""
    host, port = _parse_servers(bootstrap)
    configs = [_string(k) + _string(v) for k, v in (config or {}).items()]
    topic = _string(name) + struct.pack(">ih", partitions, 1) + _array([]) + _array(configs)
    body = _array([topic]) + struct.pack(">i?", timeout_ms, False)
    r = _Reader(request(host, port, CREATE_TOPICS, 2, body, timeout_ms / 1000 + 5))
    r.take(">i")
    for _ in range(r.take(">i")):
        t, error = r.string(), r.take(">h")
        message = r.string()
        if error not in (OK, TOPIC_EXISTS):
            raise ConnectionError("cannot create topic %s: error %d %s" % (t, error, message))
    for _ in range(100):
        if partition_count(bootstrap, name) == partitions:
            return
        time.sleep(0.1)
    raise ConnectionError("topic %s does not show %d partitions" % (name, partitions))


def partition_count(bootstrap, name):
    host, port = _parse_servers(bootstrap)
    r = _Reader(request(host, port, METADATA, 1, _array([_string(name)])))
    for _ in range(r.take(">i")):  # brokers
        r.take(">i"), r.string(), r.take(">i"), r.string()
    r.take(">i")  # controller
    count = 0
    for _ in range(r.take(">i")):
        error, t, _ = r.take(">h"), r.string(), r.take(">?")
        for _ in range(r.take(">i")):
            r.take(">h"), r.take(">i"), r.take(">i")
            for _ in range(r.take(">i")):
                r.take(">i")
            for _ in range(r.take(">i")):
                r.take(">i")
            if t == name and error == OK:
                count += 1
    return count


def delete_topics(bootstrap, topics, timeout_ms=15000):
    """{topic: error code} (0 deleted, 3 did not exist)."""
    host, port = _parse_servers(bootstrap)
    body = _array([_string(t) for t in topics]) + struct.pack(">i", timeout_ms)
    r = _Reader(request(host, port, DELETE_TOPICS, 1, body, timeout_ms / 1000 + 5))
    r.take(">i")  # throttle time
    return {r.string(): r.take(">h") for _ in range(r.take(">i"))}


def delete_group(bootstrap, group):
    """The error code of deleting `group` (0 deleted, 69 did not exist)."""
    host, port = _parse_servers(bootstrap)
    r = _Reader(request(host, port, FIND_COORDINATOR, 0, _string(group)))
    error = r.take(">h")
    if error != OK:
        return error
    r.take(">i")  # node id
    c_host, c_port = r.string(), r.take(">i")
    r = _Reader(request(c_host, c_port, DELETE_GROUPS, 0, _array([_string(group)])))
    r.take(">i")
    results = {r.string(): r.take(">h") for _ in range(r.take(">i"))}
    return results.get(group, -1)
