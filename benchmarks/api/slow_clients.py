#!/usr/bin/env python3
"""Slow-header clients for benchmarks/api/http_layer_run (Python 3 standard library only).

    slow_clients.py --port P [--host 127.0.0.1] [--clients 4096] [--bind-from 127.0.0.2]
                    [--bind-count 16] [--interval 5] [--duration 600] [--ready-file F]
                    [--stop-file F] [--path /healthz]

Holds CLIENTS connections to the server, each sending its request head one byte every
INTERVAL seconds and never finishing it: the request line, a Host header, then an endless
header value. The clients take the source addresses BIND_FROM .. BIND_FROM + BIND_COUNT - 1
in turn (all of 127.0.0.0/8 is loopback on Linux), so a per-address connection cap does not
hide the effect. When the server answers or closes a connection, the client notes the answer
and opens a new connection at once (after 0.2 s when the server refused it), as an attacker
would: CLIENTS attempts are in progress at every moment.

READY_FILE is written once every client has connected and sent its first byte (or after
60 s, with the count that has). The run ends when STOP_FILE appears or after DURATION
seconds. Prints one JSON object on stdout:

  clients, connections (opened in all), connect_errors {reason: n}, answers {status: n}
  (the status line of whatever the server sent before closing), closed_without_answer,
  resets, held_s_p50 / held_s_max (how long the server kept a connection it closed),
  open_min / open_median / open_max (connections open, sampled every second after ready),
  bytes_sent, ready_s (seconds until ready), ready_open (open at that moment).
"""
import argparse
import errno
import heapq
import ipaddress
import json
import os
import random
import selectors
import socket
import sys
import time

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


class Conn:
    __slots__ = ("slot", "sock", "head", "sent", "opened", "connected", "answer", "gen")

    def __init__(self, slot, sock, head, gen):
        self.slot, self.sock, self.head, self.gen = slot, sock, head, gen
        self.sent = 0
        self.opened = time.monotonic()
        self.connected = False
        self.answer = b""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=4096)
    ap.add_argument("--bind-from", default="")
    ap.add_argument("--bind-count", type=int, default=1)
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between header bytes")
    ap.add_argument("--duration", type=float, default=600.0)
    ap.add_argument("--ready-file", default="")
    ap.add_argument("--stop-file", default="")
    ap.add_argument("--path", default="/healthz")
    a = ap.parse_args()

    sources = []
    if a.bind_from:
        first = ipaddress.IPv4Address(a.bind_from)
        sources = [str(first + i) for i in range(max(1, a.bind_count))]
    head_start = f"GET {a.path} HTTP/1.1\r\nHost: {a.host}:{a.port}\r\nX-Slow: ".encode()

    sel = selectors.DefaultSelector()
    timers = []  # (due, seq, slot, gen): send the next byte of slot's connection / reopen it
    seq = 0
    conns = [None] * a.clients
    gens = [0] * a.clients
    stats = {"connections": 0, "connect_errors": {}, "answers": {}, "closed_without_answer": 0,
             "resets": 0, "bytes_sent": 0}
    held = []
    first_byte_sent = [False] * a.clients
    started = time.monotonic()

    def schedule(due, slot, gen):
        nonlocal seq
        seq += 1
        heapq.heappush(timers, (due, seq, slot, gen))

    def count(d, key):
        d[key] = d.get(key, 0) + 1

    def open_conn(slot):
        gens[slot] += 1
        gen = gens[slot]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if sources:
                s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                s.bind((sources[slot % len(sources)], 0))
            err = s.connect_ex((a.host, a.port))
        except OSError as e:
            err = e.errno
        if err not in (0, errno.EINPROGRESS):
            count(stats["connect_errors"], errno.errorcode.get(err, str(err)))
            s.close()
            schedule(time.monotonic() + 0.2, slot, -gen)  # negative: reopen
            return
        stats["connections"] += 1
        c = Conn(slot, s, head_start, gen)
        conns[slot] = c
        sel.register(s, selectors.EVENT_WRITE, c)

    def finish(c, how):
        """The server answered or closed: note it, open a new connection."""
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        conns[c.slot] = None
        if c.answer.startswith(b"HTTP/"):
            line = c.answer.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ", 2)
            count(stats["answers"], parts[1] if len(parts) > 1 else line)
            held.append(time.monotonic() - c.opened)
            delay = 0.2 if (len(parts) > 1 and parts[1] == "503") else 0.0
        elif how == "reset":
            stats["resets"] += 1
            held.append(time.monotonic() - c.opened)
            delay = 0.0
        else:
            stats["closed_without_answer"] += 1
            held.append(time.monotonic() - c.opened)
            delay = 0.0
        if delay:
            schedule(time.monotonic() + delay, c.slot, -gens[c.slot])
        else:
            open_conn(c.slot)

    def send_byte(c):
        i = c.sent
        b = c.head[i:i + 1] if i < len(c.head) else b"a"
        try:
            n = c.sock.send(b)
        except BlockingIOError:
            n = 0
        except OSError:
            finish(c, "reset")
            return
        if n:
            c.sent += 1
            stats["bytes_sent"] += 1
            first_byte_sent[c.slot] = True
        # After the first byte, a random phase: the clients' bytes spread over the interval.
        delay = a.interval if c.sent > 1 else random.uniform(0.1, 1.0) * a.interval
        schedule(time.monotonic() + delay, c.slot, c.gen)

    for slot in range(a.clients):
        open_conn(slot)
        if slot % 512 == 511:  # do not flood the listener's backlog
            time.sleep(0.05)

    ready_s = None
    ready_open = None
    samples = []
    next_sample = time.monotonic() + 1
    end = started + a.duration
    buf = bytearray(4096)
    while True:
        now = time.monotonic()
        if now >= end or (a.stop_file and ready_s is not None and os.path.exists(a.stop_file)):
            break
        if ready_s is None and (all(first_byte_sent) or now - started > 60):
            ready_s = now - started
            ready_open = sum(1 for c in conns if c is not None and c.connected)
            if a.ready_file:
                with open(a.ready_file, "w") as f:
                    f.write(f"{ready_open}\n")
            print(f"slow-clients: {ready_open} of {a.clients} open after {ready_s:.1f} s", file=sys.stderr)
        if ready_s is not None and now >= next_sample:
            samples.append(sum(1 for c in conns if c is not None and c.connected))
            next_sample = now + 1
        timeout = 0.1
        if timers:
            timeout = max(0.0, min(timeout, timers[0][0] - now))
        for key, mask in sel.select(timeout):
            c = key.data
            if conns[c.slot] is not c:
                continue
            if not c.connected:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                sel.unregister(c.sock)
                if err:
                    count(stats["connect_errors"], errno.errorcode.get(err, str(err)))
                    c.sock.close()
                    conns[c.slot] = None
                    schedule(time.monotonic() + 0.2, c.slot, -gens[c.slot])
                    continue
                c.connected = True
                sel.register(c.sock, selectors.EVENT_READ, c)
                send_byte(c)  # the first byte at once
                continue
            try:
                n = c.sock.recv_into(buf)
            except BlockingIOError:
                continue
            except OSError:
                finish(c, "reset")
                continue
            if n == 0:
                finish(c, "closed")
            elif len(c.answer) < 256:
                c.answer += bytes(buf[:n])
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, slot, gen = heapq.heappop(timers)
            if gen < 0:
                if -gen == gens[slot] and conns[slot] is None:
                    open_conn(slot)
                continue
            c = conns[slot]
            if c is not None and c.gen == gen and c.connected:
                send_byte(c)

    for c in conns:
        if c is not None:
            c.sock.close()
    held.sort()
    samples.sort()
    pick = lambda v, p: v[min(len(v) - 1, int(p * len(v)))] if v else -1
    out = {"clients": a.clients, **stats, "held_s_p50": round(pick(held, 0.5), 2),
           "held_s_max": round(held[-1], 2) if held else -1,
           "open_min": samples[0] if samples else -1, "open_median": pick(samples, 0.5),
           "open_max": samples[-1] if samples else -1,
           "ready_s": round(ready_s, 2) if ready_s is not None else -1, "ready_open": ready_open}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
