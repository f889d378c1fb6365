from datetime import timedelta

import avro.io
import pytest

from reference.events import WIRE_HEADER_BYTES, decode, encode, generate_transactions, load_schema, newest_schema_path


def test_default_schema_is_the_newest_version():
    assert newest_schema_path().name == '2.avsc'
    schema = load_schema()
    assert schema.fullname == 'mlops.events.CardTransaction'
    assert [f.name for f in schema.fields][-1] == 'channel'


def test_newest_schema_compares_versions_as_numbers(tmp_path):
    for name in ('2.avsc', '10.avsc', 'draft.avsc'):
        (tmp_path / name).write_text('{}')
    assert newest_schema_path(tmp_path).name == '10.avsc'
    with pytest.raises(FileNotFoundError, match='no numbered .avsc'):
        newest_schema_path(tmp_path / 'missing')


def test_every_generated_record_fits_the_schema(records):
    schema = load_schema()
    assert len(records) == 600
    assert all(avro.io.validate(schema, record) for record in records)


def test_generation_is_deterministic_for_a_seed(records, start):
    again = generate_transactions(600, start, seed=11, span=timedelta(days=2), cards=40)
    other = generate_transactions(600, start, seed=12, span=timedelta(days=2), cards=40)
    assert again == records
    assert [r['transaction_id'] for r in other] != [r['transaction_id'] for r in records]


def test_events_are_increasing_inside_the_window(records, start):
    times = [r['event_time'] for r in records]
    assert all(a < b for a, b in zip(times, times[1:]))
    assert start <= times[0] and times[-1] < start + timedelta(days=2)
    assert all(t.microsecond % 1000 == 0 for t in times)  # milliseconds, as timestamp-millis carries them


def test_transactions_look_like_card_traffic(records):
    assert len({r['transaction_id'] for r in records}) == 600
    assert {r['channel'] for r in records} == {'pos', 'ecommerce', 'atm'}
    assert len({r['card_id'] for r in records}) > 30
    assert all(r['merchant_category'] == 'cash' for r in records if r['channel'] == 'atm')
    fraud = [r for r in records if r['is_fraud']]
    assert 3 <= len(fraud) <= 30  # 2 % of 600
    median = lambda rows: sorted(r['amount'] for r in rows)[len(rows) // 2]  # noqa: E731
    assert median(fraud) > 2 * median([r for r in records if not r['is_fraud']])


def test_too_many_events_for_the_window_are_refused(start):
    with pytest.raises(ValueError, match='widen span'):
        generate_transactions(1001, start, seed=1, span=timedelta(seconds=1))


def test_wire_format_round_trip(records):
    schema = load_schema()
    payload = encode(records[0], schema, schema_id=42)
    assert payload[:WIRE_HEADER_BYTES] == b'\x00\x00\x00\x00\x2a'
    assert decode(payload, schema) == (42, records[0])


def test_wire_format_keeps_a_null_label(records):
    schema = load_schema()
    unlabelled = {**records[1], 'is_fraud': None}
    assert decode(encode(unlabelled, schema, 7), schema) == (7, unlabelled)


@pytest.mark.parametrize('payload', [b'\x01\x00\x00\x00\x2a\x02a', b'\x00\x00', b''])
def test_decode_refuses_what_is_not_wire_format(payload):
    with pytest.raises(ValueError, match='expected magic byte 0'):
        decode(payload, load_schema())


def test_to_frame_has_the_schema_columns_and_utc_times(records, transactions):
    assert list(transactions.columns) == [f.name for f in load_schema().fields]
    assert str(transactions['event_time'].dtype) == 'datetime64[ns, UTC]'
    assert transactions['event_time'].iloc[0] == records[0]['event_time']
    assert transactions['is_fraud'].tolist() == [r['is_fraud'] for r in records]
