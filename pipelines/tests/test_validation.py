import json
from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from reference.suite import BLOCKING, WARNING, Volume, load_suite
from reference.validation import FAILED_RULES, build_stats, dataset_stats, evaluate, metrics, split_rows

SUITE_FILE = 'suites/card_transactions.v1.yaml'


@pytest.fixture(scope='module')
def suite(request):
    shipped = load_suite(request.config.rootpath / SUITE_FILE)
    # 600 sample rows: the shipped minimum (1000 a day) is for real traffic.
    return replace(shipped, volume=Volume(min_rows=500, max_change_ratio=0.5, severity=BLOCKING))


def run(frame, suite, previous=None, minutes_after_last_event=10):
    """What the validate job does, on pandas."""
    valid, quarantined = split_rows(frame, suite)
    now = pd.Timestamp(frame['event_time'].max()).to_pydatetime() + timedelta(minutes=minutes_after_last_event)
    return valid, quarantined, evaluate(dataset_stats(frame, suite, now), suite, previous, len(quarantined))


def result(report, rule):
    (found,) = [r for r in report.results if r.rule == rule]
    return found


def failed(report):
    return {r.rule: r.severity for r in report.results if not r.passed}


def test_shipped_suite_loads_with_its_rules(request):
    suite = load_suite(request.config.rootpath / SUITE_FILE)
    assert (suite.name, suite.version) == ('card_transactions', 1)
    assert suite.row_rules() == [
        ('transaction_id.not_null', BLOCKING), ('transaction_id.pattern', WARNING),
        ('card_id.not_null', BLOCKING), ('merchant_id.not_null', BLOCKING), ('merchant_category.not_null', BLOCKING),
        ('amount.not_null', BLOCKING), ('amount.min', WARNING), ('amount.max', WARNING),
        ('currency.not_null', BLOCKING), ('currency.pattern', WARNING),
        ('country.not_null', BLOCKING), ('country.pattern', WARNING),
        ('event_time.not_null', BLOCKING), ('channel.not_null', BLOCKING), ('channel.allowed', WARNING),
    ]
    assert suite.unique.columns == ('transaction_id',) and suite.unique.severity == BLOCKING
    assert (suite.freshness.max_age_minutes, suite.freshness.severity) == (60, WARNING)
    assert (suite.volume.min_rows, suite.volume.max_change_ratio, suite.volume.severity) == (1000, 0.5, BLOCKING)
    assert (suite.quarantine.max_ratio, suite.quarantine.severity) == (0.05, BLOCKING)


VALID_SUITE = """
name: s
version: 3
columns:
  id: {type: string}
  amount: {type: double, min: 0}
"""


@pytest.mark.parametrize('change, message', [
    ('colour: red', r'suite.colour: unknown rule'),
    ('columns: {id: {type: text}}', r"columns.id.type: unknown type 'text'"),
    ('columns: {id: {type: string, unique: true}}', r'columns.id.unique: unknown rule'),
    ('columns: {id: {nullable: true}}', r'columns.id.type: required'),
    ('columns: {id: {type: string, min: 1}}', r'columns.id.min: a number, and only for double or long'),
    ('columns: {id: {type: double, pattern: "[0-9]+"}}', r'columns.id.pattern: only for string columns'),
    ('columns: {id: {type: string, pattern: "[a-"}}', r'columns.id.pattern: not a regular expression'),
    ('columns: {id: {type: string, allowed: a}}', r'columns.id.allowed: expected a non-empty list'),
    ('columns: {id: {type: string, nullable: "no"}}', r'columns.id.nullable: expected true or false'),
    ('columns: {id: {type: string, severity: fatal}}', r"columns.id.severity: expected one of blocking, warning, got 'fatal'"),
    ('unique: {columns: [missing]}', r"unique.columns: 'missing' is not a column"),
    ('unique: {columns: id}', r'unique.columns: expected a non-empty list'),
    ('freshness: {column: id}', r'freshness.max_age_minutes: required'),
    ('volume: {min_rows: 1, max_rows: 2}', r'volume.max_rows: unknown rule'),
    ('columns: []', r'columns: expected a mapping of column name'),
])
def test_suite_mistakes_name_the_file_and_field(tmp_path, change, message):
    # A `columns:` change replaces the valid columns; any other is added to the valid suite.
    text = VALID_SUITE.split('columns:')[0] + change + '\n' if change.startswith('columns') else VALID_SUITE + change + '\n'
    path = tmp_path / 'broken.v1.yaml'
    path.write_text(text)
    with pytest.raises(ValueError, match='broken.v1.yaml: .*' + message):
        load_suite(path)


def test_valid_suite_loads(tmp_path):
    path = tmp_path / 'ok.yaml'
    path.write_text(VALID_SUITE)
    suite = load_suite(path)
    assert [c.name for c in suite.columns] == ['id', 'amount']
    assert suite.unique is None and suite.volume is None


def test_clean_data_passes_every_rule(transactions, suite):
    valid, quarantined, report = run(transactions, suite)
    assert len(valid) == 600 and quarantined.empty
    assert failed(report) == {}
    assert not report.blocking_failed
    assert report.stats['rows'] == 600 and report.stats['duplicate_keys'] == 0


def test_null_key_is_quarantined_and_blocks(transactions, suite):
    transactions.loc[5, 'card_id'] = None
    valid, quarantined, report = run(transactions, suite)
    assert quarantined[FAILED_RULES].tolist() == ['card_id.not_null']
    assert quarantined['transaction_id'].tolist() == [transactions.loc[5, 'transaction_id']]
    assert len(valid) == 599
    assert failed(report) == {'card_id.not_null': BLOCKING}
    assert result(report, 'card_id.not_null').observed == 1
    assert report.blocking_failed


def test_out_of_range_rows_are_quarantined_with_their_rule_ids(transactions, suite):
    transactions.loc[[1, 2], 'amount'] = [-5.0, 60_000.0]
    transactions.loc[2, 'channel'] = 'kiosk'
    transactions.loc[3, 'currency'] = 'eur'
    transactions.loc[4, 'is_fraud'] = None  # nullable: not a failure
    valid, quarantined, report = run(transactions, suite)
    assert quarantined[FAILED_RULES].tolist() == ['amount.min', 'amount.max;channel.allowed', 'currency.pattern']
    assert len(valid) == 597 and FAILED_RULES not in valid
    assert failed(report) == {'amount.min': WARNING, 'amount.max': WARNING, 'channel.allowed': WARNING, 'currency.pattern': WARNING}
    assert not report.blocking_failed  # 3 of 600 quarantined is under the 5 % limit


def test_too_many_quarantined_rows_block(transactions, suite):
    transactions.loc[:39, 'channel'] = 'kiosk'
    _, quarantined, report = run(transactions, suite)
    assert len(quarantined) == 40
    assert result(report, 'quarantine.max_ratio').observed == pytest.approx(40 / 600, abs=1e-4)
    assert failed(report) == {'channel.allowed': WARNING, 'quarantine.max_ratio': BLOCKING}


def test_duplicate_keys_block(transactions, suite):
    duplicated = pd.concat([transactions, transactions.iloc[[0, 1]]], ignore_index=True)
    _, _, report = run(duplicated, suite)
    assert result(report, 'unique.transaction_id').observed == 2
    assert failed(report) == {'unique.transaction_id': BLOCKING}


def test_stale_data_warns(transactions, suite):
    _, _, fresh = run(transactions, suite, minutes_after_last_event=59)
    _, _, stale = run(transactions, suite, minutes_after_last_event=90)
    assert result(fresh, 'freshness.max_age_minutes').passed
    assert result(stale, 'freshness.max_age_minutes').observed == 90.0
    assert failed(stale) == {'freshness.max_age_minutes': WARNING}
    assert not stale.blocking_failed


def test_volume_against_the_previous_run(transactions, suite):
    _, _, first = run(transactions, suite)
    rate = first.stats['rows_per_hour']
    assert rate == pytest.approx(600 / 48, rel=0.02)  # 600 rows over two days
    assert result(first, 'volume.max_change_ratio').observed is None  # nothing to compare with
    _, _, similar = run(transactions, suite, previous={'rows_per_hour': rate * 1.5})
    _, _, halved = run(transactions, suite, previous={'rows_per_hour': rate * 2.5})
    assert result(similar, 'volume.max_change_ratio').passed
    assert result(halved, 'volume.max_change_ratio').observed == pytest.approx(0.6, abs=1e-3)
    assert failed(halved) == {'volume.max_change_ratio': BLOCKING}


def test_too_few_rows_block(transactions, suite):
    _, _, report = run(transactions.iloc[:400], suite)
    assert failed(report) == {'volume.min_rows': BLOCKING}
    assert result(report, 'volume.min_rows').expected == '>= 500'


def test_missing_and_wrong_typed_columns_block(transactions, suite):
    broken = transactions.drop(columns=['channel']).assign(amount=transactions['amount'].astype(str))
    _, quarantined, report = run(broken, suite)
    assert result(report, 'schema.missing_columns').observed == ['channel']
    assert result(report, 'schema.types').observed == {'amount': 'string'}
    assert result(report, 'schema.types').expected == {'amount': 'double'}
    assert failed(report) == {'schema.missing_columns': BLOCKING, 'schema.types': BLOCKING}
    assert quarantined.empty  # a wrong-typed column's values are not judged row by row
    assert report.blocking_failed


def test_report_json_is_stable_and_sorted(transactions, suite):
    transactions.loc[1, 'amount'] = -1.0
    first, second = run(transactions, suite)[2], run(transactions.copy(), suite)[2]
    assert first.to_json() == second.to_json()
    body = json.loads(first.to_json())
    assert list(body) == sorted(body)
    assert [r['rule'] for r in body['results']] == sorted(r['rule'] for r in body['results'])
    assert {'rule': 'amount.min', 'severity': 'warning', 'passed': False, 'observed': 1, 'expected': 0} in body['results']
    assert body['blocking_failed'] is False and body['quarantined_rows'] == 1 and body['version'] == 1


def test_metrics_for_prometheus(transactions, suite):
    transactions.loc[1, 'amount'] = -1.0
    transactions.loc[2, 'card_id'] = None
    _, _, report = run(transactions, suite)
    assert metrics(report) == {
        'validation_rows': 600.0,
        'validation_quarantined_rows': 2.0,
        'validation_blocking_failed': 1.0,
        'validation_rule_failures{severity="blocking"}': 1.0,
        'validation_rule_failures{severity="warning"}': 1.0,
        'validation_freshness_age_minutes': 10.0,
    }


def test_stats_from_spark_aggregates_read_naive_times_as_utc(suite, transactions):
    naive_last = pd.Timestamp('2026-03-03 23:50:00')
    stats = build_stats(
        suite=suite, rows=10, duplicate_keys=0, min_event_time=pd.Timestamp('2026-03-03 21:50:00'), max_event_time=naive_last,
        now=pd.Timestamp('2026-03-04 00:00:00', tz='UTC').to_pydatetime(),
        column_types={'transaction_id': 'string', 'amount': 'double'}, rule_failures={'amount.min': 2, 'channel.allowed': 0},
    )
    assert stats['max_event_time'] == '2026-03-03T23:50:00+00:00'
    assert stats['freshness_age_minutes'] == 10.0
    assert stats['rows_per_hour'] == 5.0
    assert stats['rule_failures'] == {'amount.min': 2}
    assert 'channel' in stats['missing_columns'] and stats['wrong_type_columns'] == {}


def test_empty_day_fails_volume_and_freshness(transactions, suite):
    empty = transactions.iloc[:0]
    stats = dataset_stats(empty, suite, pd.Timestamp('2026-03-04', tz='UTC').to_pydatetime())
    report = evaluate(stats, suite, {'rows_per_hour': 12.5}, quarantined_rows=0)
    assert stats['max_event_time'] is None and stats['rows_per_hour'] is None
    assert failed(report) == {'volume.min_rows': BLOCKING, 'freshness.max_age_minutes': WARNING}
