"""Small JSON documents (validation reports, the training candidate) on S3, through the caller's boto3 client."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse


def split_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an `s3://` or `s3a://` URI (Spark's and boto3's names for the same object)."""
    parsed = urlparse(uri)
    if parsed.scheme not in ('s3', 's3a') or not parsed.netloc or not parsed.path.strip('/'):
        raise ValueError(f'expected s3://<bucket>/<key> or s3a://<bucket>/<key>, got {uri!r}')
    return parsed.netloc, parsed.path.lstrip('/')


def write_json(client: Any, uri: str, document: dict) -> None:
    bucket, key = split_uri(uri)
    body = json.dumps(document, sort_keys=True, indent=2).encode()
    client.put_object(Bucket=bucket, Key=key, Body=body, ContentType='application/json')


def read_json(client: Any, uri: str) -> dict | None:
    """The document, or None when there is none yet."""
    bucket, key = split_uri(uri)
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except client.exceptions.NoSuchKey:
        return None
    return json.loads(response['Body'].read())
