"""Receives KServe's request log (one CloudEvent per request and per response) and keeps it in S3 as JSON lines.

Runs as a Deployment in the team's namespace under the team's identity; the pipeline's InferenceService sends its
log here (`spec.predictor.logger`). Lines are buffered and written every `--flush-seconds` or `--batch-lines`,
whichever comes first, to `<data>/predictions/event_date=…/<time>-<id>.jsonl`. GET /healthz answers while the last
write succeeded. Answering before the write means a crash can lose a minute of log, never a prediction.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

from reference import datasets
from reference.connection import Connection
from reference.prediction_log import batch_key, record_from_event, to_jsonl
from reference.storage import split_uri


class Log:
    """The buffer, and its writer to S3."""

    def __init__(self, s3, root_uri: str, batch_lines: int) -> None:
        self.s3, self.batch_lines = s3, batch_lines
        self.bucket, self.prefix = split_uri(datasets.location(root_uri, datasets.PREDICTIONS))
        self.lines: list[dict] = []
        self.lock = threading.Lock()
        self.healthy = True

    def add(self, record: dict) -> None:
        with self.lock:
            self.lines.append(record)
            full = len(self.lines) >= self.batch_lines
        if full:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            lines, self.lines = self.lines, []
        if not lines:
            return
        now = datetime.now(timezone.utc)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=batch_key(self.prefix, now, uuid.uuid4().hex[:12]), Body=to_jsonl(lines))
            self.healthy = True
        except Exception:  # noqa: BLE001 — kept for the next flush, and reported through /healthz
            logging.exception('writing %s log lines failed; keeping them', len(lines))
            with self.lock:
                self.lines[:0] = lines
            self.healthy = False


def handler(log: Log) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 — http.server's name
            body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
            try:
                log.add(record_from_event(dict(self.headers.items()), body, datetime.now(timezone.utc)))
            except ValueError as error:
                self.send_error(400, str(error))
                return
            self.send_response(202)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200 if self.path == '/healthz' and log.healthy else 503)
            self.end_headers()

        def log_message(self, *args) -> None:  # one line per prediction would drown the pod's log
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--flush-seconds', type=float, default=60)
    parser.add_argument('--batch-lines', type=int, default=5000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    connection = Connection.load()
    log = Log(boto3.client('s3', region_name=connection.aws_region), args.data or connection.dataset_uri(), args.batch_lines)

    def flush_periodically() -> None:
        while True:
            time.sleep(args.flush_seconds)
            log.flush()

    threading.Thread(target=flush_periodically, daemon=True).start()
    server = ThreadingHTTPServer(('0.0.0.0', args.port), handler(log))
    # Kubernetes stops the pod with SIGTERM: stop serving, then write what is buffered.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    finally:
        log.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
