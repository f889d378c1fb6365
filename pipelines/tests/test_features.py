import numpy as np
import pandas as pd
import pytest

from reference.features import FEATURE_COLUMNS, FEATURE_TYPES, compute_card_features


def events(*rows):
    """Transactions of hand-written (card, ISO time, amount, country, channel) rows."""
    frame = pd.DataFrame(rows, columns=['card_id', 'event_time', 'amount', 'country', 'channel'])
    return frame.assign(event_time=pd.to_datetime(frame['event_time'], utc=True), transaction_id=[f't{i}' for i in range(len(rows))])


def test_columns_and_types(transactions):
    features = compute_card_features(transactions)
    assert list(features.columns) == ['card_id', 'event_timestamp', *FEATURE_COLUMNS]
    assert str(features['event_timestamp'].dtype) == 'datetime64[ns, UTC]'
    kinds = {'double': 'float64', 'long': 'int64', 'boolean': 'bool'}
    assert {c: str(features[c].dtype) for c in FEATURE_COLUMNS} == {c: kinds[t] for c, t in FEATURE_TYPES.items()}
    assert len(features) == len(transactions)
    assert np.isfinite(features[[c for c, t in FEATURE_TYPES.items() if t == 'double']].to_numpy()).all()


def test_values_of_a_small_history():
    features = compute_card_features(events(
        ('a', '2026-03-02T00:00:00Z', 100.0, 'DE', 'pos'),
        ('a', '2026-03-02T00:30:00Z', 200.0, 'DE', 'ecommerce'),
        ('a', '2026-03-02T01:30:00Z', 50.0, 'FR', 'pos'),  # exactly an hour after the second
        ('a', '2026-03-02T09:00:00Z', 400.0, 'DE', 'atm'),
        ('b', '2026-03-02T00:10:00Z', 10.0, 'PL', 'pos'),
    ))
    a = features[features['card_id'] == 'a'].reset_index(drop=True)
    assert a['txn_count_1h'].tolist() == [0, 1, 1, 0]
    assert a['txn_count_24h'].tolist() == [0, 1, 2, 3]
    assert a['amount_sum_24h'].tolist() == [0.0, 100.0, 300.0, 350.0]
    assert a['amount_mean_7d'].tolist() == [100.0, 100.0, 150.0, pytest.approx(350 / 3)]  # no history: the amount itself
    assert a['foreign_country'].tolist() == [False, False, True, False]
    assert a['night'].tolist() == [True, True, True, False]
    assert a['ecommerce'].tolist() == [False, True, False, False]
    logs = np.log1p([100.0, 200.0, 50.0])
    assert a['amount_zscore'].tolist()[:2] == [0.0, 0.0]  # fewer than two earlier amounts
    assert a['amount_zscore'][2] == pytest.approx((np.log1p(50.0) - logs[:2].mean()) / logs[:2].std())
    assert a['amount_zscore'][3] == pytest.approx((np.log1p(400.0) - logs.mean()) / logs.std())
    b = features[features['card_id'] == 'b']
    assert b[['txn_count_24h', 'foreign_country']].values.tolist() == [[0, False]]  # card a's events are not b's


def test_usual_country_follows_the_majority_so_far():
    features = compute_card_features(events(
        ('a', '2026-03-02T10:00:00Z', 1.0, 'DE', 'pos'),
        ('a', '2026-03-02T11:00:00Z', 1.0, 'FR', 'pos'),  # tie with DE: DE, seen first, stays usual
        ('a', '2026-03-02T12:00:00Z', 1.0, 'FR', 'pos'),
        ('a', '2026-03-02T13:00:00Z', 1.0, 'DE', 'pos'),  # FR now leads 2 to 1
    ))
    assert features['foreign_country'].tolist() == [False, True, True, True]


def test_events_at_the_same_time_do_not_see_each_other():
    features = compute_card_features(events(
        ('a', '2026-03-02T10:00:00Z', 5.0, 'DE', 'pos'),
        ('a', '2026-03-02T10:00:00Z', 7.0, 'FR', 'pos'),
    ))
    assert features['txn_count_1h'].tolist() == [0, 0]
    assert features['foreign_country'].tolist() == [False, False]


def test_later_events_never_change_earlier_rows(transactions):
    """Point-in-time correctness: features up to a moment are the same whatever comes after it."""
    full = compute_card_features(transactions)
    cutoff = transactions['event_time'].quantile(0.5)
    early = compute_card_features(transactions[transactions['event_time'] <= cutoff])
    pd.testing.assert_frame_equal(early, full[full['event_timestamp'] <= cutoff].reset_index(drop=True))
    # A burst added after the cutoff, on cards with earlier events, changes nothing before it.
    burst = transactions[transactions['event_time'] <= cutoff].tail(5).assign(
        event_time=cutoff + pd.Timedelta(minutes=1), amount=9_999.0, transaction_id=lambda f: f['transaction_id'] + '-late')
    with_burst = compute_card_features(pd.concat([transactions, burst], ignore_index=True))
    pd.testing.assert_frame_equal(early, with_burst[with_burst['event_timestamp'] <= cutoff].reset_index(drop=True))


def test_row_order_and_grouping_do_not_matter(transactions):
    """Spark hands over one card at a time, in any order."""
    full = compute_card_features(transactions)
    shuffled = compute_card_features(transactions.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(shuffled, full)
    per_card = pd.concat([compute_card_features(group) for _, group in transactions.groupby('card_id')], ignore_index=True)
    pd.testing.assert_frame_equal(per_card, full)


def test_spark_naive_times_are_utc(transactions):
    naive = transactions.assign(event_time=transactions['event_time'].dt.tz_convert(None))
    pd.testing.assert_frame_equal(compute_card_features(naive), compute_card_features(transactions))


def test_no_transactions_give_no_rows(transactions):
    features = compute_card_features(transactions.iloc[:0])
    assert features.empty
    assert features.dtypes.to_dict() == compute_card_features(transactions).dtypes.to_dict()  # Spark's schema holds either way
