"""The model server's request log: what KServe's logger posts for each prediction, kept as JSON lines in S3.

KServe's agent sends every request and every response as a CloudEvent in binary mode: the attributes in `ce-*`
headers, the v2 body as the payload. Requests carry the features the caller passed, which the drift step compares
with the training data of the version being served.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Mapping

import pandas as pd

REQUEST = 'org.kubeflow.serving.inference.request'
RESPONSE = 'org.kubeflow.serving.inference.response'


def record_from_event(headers: Mapping[str, str], body: bytes, received: datetime) -> dict:
    """One log line from a CloudEvent's headers (any case) and payload; ValueError on what is not KServe's."""
    attributes = {k.lower(): v for k, v in headers.items()}
    kind = attributes.get('ce-type')
    if kind not in (REQUEST, RESPONSE):
        raise ValueError(f'not a KServe inference event: ce-type {kind!r}')
    try:
        payload: Any = json.loads(body)
    except ValueError as error:
        raise ValueError(f'the {kind} payload is not JSON: {error}') from error
    return {
        'id': attributes.get('ce-id', ''),
        'type': 'request' if kind == REQUEST else 'response',
        'inferenceservice': attributes.get('ce-inferenceservicename', ''),
        'received': received.isoformat(),
        'payload': payload,
    }


def batch_key(prefix: str, received: datetime, batch_id: str) -> str:
    """Where a batch of lines goes: one folder per day (`event_date=…`), like every dataset of the pipeline."""
    return f'{prefix.rstrip("/")}/event_date={received.date().isoformat()}/{received:%H%M%S}-{batch_id}.jsonl'


def to_jsonl(records: Iterable[Mapping]) -> bytes:
    return ''.join(json.dumps(record, sort_keys=True) + '\n' for record in records).encode()


def requested_features(lines: Iterable[str], feature_columns: Iterable[str]) -> pd.DataFrame:
    """The feature rows of the logged requests (v2 inputs, one per column), ignoring responses."""
    columns = list(feature_columns)
    rows: list[dict] = []
    for line in lines:
        record = json.loads(line)
        if record.get('type') != 'request':
            continue
        inputs = {i['name']: i['data'] for i in record['payload'].get('inputs', [])}
        if not all(column in inputs for column in columns):
            continue  # a request of another shape (another model version's) is no sample of this one
        count = len(inputs[columns[0]])
        rows.extend({column: inputs[column][n] for column in columns} for n in range(count))
    return pd.DataFrame(rows, columns=columns)
