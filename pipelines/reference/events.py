"""Card transactions of the `events.raw` topic: a synthetic generator and the Confluent wire format.

Records are the dicts Apache Avro's Python binding reads and writes: `event_time` is a UTC `datetime`
with millisecond precision (its `timestamp-millis` type; epoch milliseconds on the wire).
"""
from __future__ import annotations

import io
import random
import struct
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import avro.io
import avro.schema
import pandas as pd

SCHEMA_DIR = Path(__file__).resolve().parents[2] / 'schemas' / 'events.raw'
MAGIC_BYTE = 0
WIRE_HEADER_BYTES = 5  # magic byte + 4-byte schema id; the land job strips them before `from_avro`

CURRENCIES = {
    'DE': 'EUR', 'FR': 'EUR', 'NL': 'EUR', 'ES': 'EUR', 'IT': 'EUR', 'GB': 'GBP', 'PL': 'PLN', 'SE': 'SEK', 'US': 'USD', 'BR': 'BRL',
}
HOME_COUNTRIES = {'DE': 30, 'FR': 20, 'NL': 10, 'ES': 10, 'IT': 10, 'GB': 10, 'PL': 5, 'SE': 5}
CATEGORIES = ('grocery', 'restaurant', 'fuel', 'apparel', 'pharmacy', 'electronics', 'travel', 'digital_goods')
RISKY_CATEGORIES = ('electronics', 'travel', 'digital_goods')
CHANNEL_WEIGHTS = {'legit': {'pos': 72, 'ecommerce': 23, 'atm': 5}, 'fraud': {'pos': 20, 'ecommerce': 65, 'atm': 15}}
NIGHT_HOURS = range(0, 6)  # UTC
NIGHT_FRAUD_FACTOR = 4.0
# Fraud's chance at an hour is fraud_rate * factor / this mean, so a whole day has fraud_rate, however it is cut in batches.
_MEAN_HOUR_FACTOR = (len(NIGHT_HOURS) * NIGHT_FRAUD_FACTOR + 24 - len(NIGHT_HOURS)) / 24
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def newest_schema_path(directory: Path = SCHEMA_DIR) -> Path:
    """The highest-numbered `<n>.avsc` of the topic's schema directory."""
    versions = [p for p in directory.glob('*.avsc') if p.stem.isdigit()]
    if not versions:
        raise FileNotFoundError(f'{directory}: no numbered .avsc schema')
    return max(versions, key=lambda p: int(p.stem))


def load_schema(path: str | Path | None = None) -> avro.schema.RecordSchema:
    return avro.schema.parse(Path(path or newest_schema_path()).read_text())


@lru_cache(maxsize=None)
def _card(index: int) -> tuple[str, float, float]:
    """A card's home country, typical log-amount and activity; seeded by the card alone, so every call agrees."""
    rng = random.Random(f'card-{index}')
    home = rng.choices(list(HOME_COUNTRIES), weights=list(HOME_COUNTRIES.values()))[0]
    return home, rng.uniform(2.5, 4.0), rng.lognormvariate(0.0, 0.7)


def generate_transactions(
    n: int, start: datetime, seed: int, fraud_rate: float = 0.02, span: timedelta = timedelta(days=1), cards: int = 200
) -> list[dict]:
    """`n` transactions at increasing distinct milliseconds in `[start, start + span)`; `start` must carry a time zone.

    Deterministic for `seed`; a card's home country and habits depend on the card alone, so calls agree about them.
    Fraud is learnable but noisy: larger amounts than the card's usual, mostly abroad, online or at ATMs,
    at night, in risky categories, and in bursts on one card.
    """
    start_ms, span_ms = (start - EPOCH) // timedelta(milliseconds=1), span // timedelta(milliseconds=1)
    if n > span_ms:
        raise ValueError(f'n={n} transactions do not fit in {span_ms} distinct milliseconds; widen span')
    rng = random.Random(seed)
    times = sorted(start_ms + offset for offset in rng.sample(range(span_ms), n))
    cum_activity = list(accumulate(_card(i)[2] for i in range(cards)))
    records, last_fraud_card = [], None
    for t in times:
        factor = NIGHT_FRAUD_FACTOR if _utc(t).hour in NIGHT_HOURS else 1.0
        fraud = rng.random() < fraud_rate * factor / _MEAN_HOUR_FACTOR
        if fraud and last_fraud_card is not None and rng.random() < 0.5:
            card = last_fraud_card
        else:
            card = rng.choices(range(cards), cum_weights=cum_activity)[0]
        if fraud:
            last_fraud_card = card
        records.append(_transaction(rng, card, t, fraud))
    return records


def _transaction(rng: random.Random, card: int, time_ms: int, fraud: bool) -> dict:
    home, log_amount, _ = _card(card)
    kind = 'fraud' if fraud else 'legit'
    channel = rng.choices(list(CHANNEL_WEIGHTS[kind]), weights=list(CHANNEL_WEIGHTS[kind].values()))[0]
    abroad = rng.random() < (0.6 if fraud else 0.07)
    country = rng.choice([c for c in CURRENCIES if c != home]) if abroad else home
    if channel == 'atm':
        category = 'cash'
    else:
        category = rng.choice(RISKY_CATEGORIES if fraud and rng.random() < 0.7 else CATEGORIES)
    amount = rng.lognormvariate(log_amount + 1.3, 0.8) if fraud else rng.lognormvariate(log_amount, 0.55)
    return {
        'transaction_id': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        'card_id': f'card-{card:06d}',
        'merchant_id': f'm-{country}-{category}-{rng.randrange(25):03d}',
        'merchant_category': category,
        'amount': max(0.5, round(amount, 2)),
        'currency': CURRENCIES[home],
        'country': country,
        'event_time': _utc(time_ms),
        'is_fraud': fraud,
        'channel': channel,
    }


def _utc(epoch_ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=epoch_ms)


def to_frame(records: list[dict]) -> pd.DataFrame:
    """Records as the land job's Parquet holds them: one column per field, `event_time` a UTC timestamp."""
    frame = pd.DataFrame.from_records(records, columns=[f.name for f in load_schema().fields])
    frame['event_time'] = pd.to_datetime(frame['event_time'], utc=True)
    return frame


def encode(record: dict, schema: avro.schema.Schema, schema_id: int) -> bytes:
    """Confluent's wire format: magic byte 0, the registry's schema id (4 bytes, big-endian), Avro binary."""
    buffer = io.BytesIO()
    buffer.write(struct.pack('>bI', MAGIC_BYTE, schema_id))
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


def decode(payload: bytes, schema: avro.schema.Schema) -> tuple[int, dict]:
    """The schema id and record of one message; the caller's `schema` must be the one the id names."""
    if len(payload) < WIRE_HEADER_BYTES or payload[0] != MAGIC_BYTE:
        raise ValueError(f'not Confluent wire format: expected magic byte 0, got {payload[:1]!r}')
    (schema_id,) = struct.unpack('>I', payload[1:WIRE_HEADER_BYTES])
    decoder = avro.io.BinaryDecoder(io.BytesIO(payload[WIRE_HEADER_BYTES:]))
    return schema_id, avro.io.DatumReader(schema).read(decoder)
