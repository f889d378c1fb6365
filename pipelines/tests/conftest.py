"""Shared sample data: small, seeded, and built once per session to keep the tier fast."""
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ beside the sources

from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from reference.events import generate_transactions, to_frame  # noqa: E402

PIPELINES = Path(__file__).resolve().parents[1]
START = datetime(2026, 3, 2, tzinfo=timezone.utc)


@pytest.fixture(scope='session')
def start() -> datetime:
    return START


@pytest.fixture(scope='session')
def records() -> list[dict]:
    """Two days of 600 transactions over 40 cards."""
    return generate_transactions(600, START, seed=11, span=timedelta(days=2), cards=40)


@pytest.fixture()
def transactions(records) -> pd.DataFrame:
    return to_frame(records)
