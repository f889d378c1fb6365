"""Publishes synthetic card transactions to the topic in Confluent's wire format, keyed by card, at a steady rate.

The schema id is looked up, not registered: the platform registers the topic's schemas, clients only use them.
Each event is sent at its own event time; once a second the producer flushes and, with `--heartbeat-file`, touches
the file if the brokers acknowledged everything (the Deployment's probes read it).
"""
from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
import time
import urllib.request
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

from confluent_kafka import Producer

from reference.connection import Connection
from reference.events import encode, generate_transactions, load_schema, newest_schema_path


def schema_id(connection: Connection, subject: str, schema_text: str) -> int:
    """The registry's id of `schema_text` under `subject` (POST /subjects/<subject>: look up, never register)."""
    user, password = connection.schema_registry_auth()
    request = urllib.request.Request(
        f'{connection.schema_registry_url.rstrip("/")}/subjects/{subject}',
        data=json.dumps({'schema': schema_text}).encode(),
        headers={
            'Content-Type': 'application/vnd.schemaregistry.v1+json',
            'Authorization': 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode(),
        },
        method='POST',
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.load(response)['id'])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--topic', default='events.raw')
    parser.add_argument('--subject', help='default: <topic>-value (TopicNameStrategy)')
    parser.add_argument('--events-per-second', type=float, default=5.0)
    parser.add_argument('--duration-seconds', type=int, default=60, help='0: until stopped')
    parser.add_argument('--fraud-rate', type=float, default=0.02)
    parser.add_argument('--seed', type=int, help='default: the start time, so two runs never repeat a transaction id')
    parser.add_argument('--heartbeat-file', type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    connection = Connection.load()
    path = newest_schema_path()
    schema = load_schema(path)
    registry_id = schema_id(connection, args.subject or f'{args.topic}-value', path.read_text())
    producer = Producer({**connection.producer_config(), 'enable.idempotence': True, 'linger.ms': 50})
    failed = []

    def delivered(error, message) -> None:
        if error is not None:
            failed.append(error)
            logging.error('delivery to %s failed: %s', args.topic, error)

    seed = args.seed if args.seed is not None else int(time.time())
    pending: deque[dict] = deque()
    first, started, minute, tick = datetime.now(timezone.utc), time.monotonic(), 0, 0
    while args.duration_seconds == 0 or tick < args.duration_seconds:
        now, failures_before = datetime.now(timezone.utc), len(failed)
        if now >= first + timedelta(minutes=minute):
            # A minute at a time: a card's fraud bursts need a batch longer than a second. Whole events adding up
            # to the rate, even below one a second.
            count = int(args.events_per_second * 60 * (minute + 1)) - int(args.events_per_second * 60 * minute)
            batch_start = first + timedelta(minutes=minute)
            pending.extend(generate_transactions(count, batch_start, seed * 1_000_003 + minute, args.fraud_rate, span=timedelta(minutes=1)))
            minute += 1
        while pending and pending[0]['event_time'] <= now:
            record = pending.popleft()
            producer.produce(args.topic, key=record['card_id'], value=encode(record, schema, registry_id), on_delivery=delivered)
            producer.poll(0)
        if producer.flush(10) == 0 and len(failed) == failures_before and args.heartbeat_file:
            args.heartbeat_file.touch()
        tick += 1
        time.sleep(max(0.0, started + tick - time.monotonic()))
    logging.info('published %s seconds of events to %s; %s failed', tick, args.topic, len(failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
