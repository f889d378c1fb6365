"""Results of a batch step as Prometheus metrics, pushed to the platform's Pushgateway (a job ends before any scrape)."""
from __future__ import annotations

import urllib.parse
import urllib.request
from typing import Mapping


def exposition(values: Mapping[str, float]) -> bytes:
    """Prometheus' text format: one `name{labels} value` line per metric, sorted."""
    return ''.join(f'{name} {value}\n' for name, value in sorted(values.items())).encode()


def group_url(gateway: str, job: str, grouping: Mapping[str, str]) -> str:
    """`<gateway>/metrics/job/<job>/<label>/<value>…`: a push replaces this group's metrics and no other's."""
    parts = [f'job/{urllib.parse.quote(job, safe="")}'] + [
        f'{urllib.parse.quote(k, safe="")}/{urllib.parse.quote(v, safe="")}' for k, v in grouping.items()
    ]
    return f'{gateway.rstrip("/")}/metrics/{"/".join(parts)}'


def push(gateway: str, job: str, grouping: Mapping[str, str], values: Mapping[str, float]) -> None:
    """Replaces the group's metrics (PUT)."""
    request = urllib.request.Request(group_url(gateway, job, grouping), data=exposition(values), method='PUT')
    with urllib.request.urlopen(request, timeout=10):
        pass
