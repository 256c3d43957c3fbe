#!/usr/bin/env python3
"""Kafka topic chores of benchmarks/scale/run, over the wire protocol (tests/e2e/kafka_wire.py).

    kafka_topics.py wait BOOTSTRAP TOPIC SECONDS     until TOPIC has partitions (exit 1 on time-out)
    kafka_topics.py delete BOOTSTRAP GROUP TOPIC...  delete the topics and the consumer group

Python standard library only.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
import kafka_wire  # noqa: E402


def main():
    command, bootstrap = sys.argv[1], sys.argv[2]
    if command == "wait":
        topic, deadline = sys.argv[3], time.monotonic() + float(sys.argv[4])
        while time.monotonic() < deadline:
            try:
                if kafka_wire.partition_count(bootstrap, topic) > 0:
                    return 0
            except (OSError, ConnectionError):
                pass
            time.sleep(0.05)
        print(f"kafka_topics.py: topic {topic} did not appear", file=sys.stderr)
        return 1
    if command == "delete":
        group, topics = sys.argv[3], sys.argv[4:]
        codes = kafka_wire.delete_topics(bootstrap, topics)
        bad = {t: c for t, c in codes.items() if c not in (0, kafka_wire.UNKNOWN_TOPIC)}
        try:
            kafka_wire.delete_group(bootstrap, group)
        except (OSError, ConnectionError):
            pass
        if bad:
            print(f"kafka_topics.py: could not delete {bad}", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
