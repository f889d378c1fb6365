import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from reference.events import generate_transactions, to_frame
from reference.features import FEATURE_COLUMNS, compute_card_features
from reference.training import Decision, entity_frame, evaluate, should_promote, time_split, train


@pytest.fixture(scope='module')
def labelled(start):
    """A week of 3000 transactions with 4 % fraud, joined to their features as Feast's point-in-time join would."""
    transactions = to_frame(generate_transactions(3000, start, seed=4, fraud_rate=0.04, span=timedelta(days=7), cards=150))
    return entity_frame(transactions).merge(compute_card_features(transactions), on=['card_id', 'event_timestamp'], validate='one_to_one')


def test_entity_frame_keeps_labelled_rows_with_utc_times(transactions):
    transactions.loc[[0, 1], 'is_fraud'] = None
    entities = entity_frame(transactions)
    assert list(entities.columns) == ['card_id', 'event_timestamp', 'is_fraud']
    assert len(entities) == 598 and entities['is_fraud'].dtype == bool
    assert str(entities['event_timestamp'].dtype) == 'datetime64[ns, UTC]'


def test_time_split_holds_out_the_newest_rows(labelled):
    train_rows, holdout = time_split(labelled, 0.3)
    assert len(holdout) == 900 and len(train_rows) == 2100
    assert train_rows['event_timestamp'].max() < holdout['event_timestamp'].min()


@pytest.mark.parametrize('fraction', [0.0, 1.0, -0.1, 1.5])
def test_time_split_refuses_a_fraction_outside_0_1(labelled, fraction):
    with pytest.raises(ValueError, match='between 0 and 1'):
        time_split(labelled, fraction)


def test_time_split_refuses_an_empty_side(labelled):
    with pytest.raises(ValueError, match='one side is empty'):
        time_split(labelled.iloc[:1], 0.5)


def test_model_beats_chance_clearly(labelled):
    train_rows, holdout = time_split(labelled, 0.3)
    metrics = evaluate(train(train_rows, FEATURE_COLUMNS, seed=0), holdout, FEATURE_COLUMNS)
    base_rate = holdout['is_fraud'].mean()
    assert metrics['rows'] == 900 and metrics['positives'] == holdout['is_fraud'].sum() > 10
    assert metrics['roc_auc'] > 0.85
    assert metrics['average_precision'] > 5 * base_rate


def test_training_is_deterministic(labelled):
    train_rows, holdout = time_split(labelled, 0.3)
    first, second = (train(train_rows, FEATURE_COLUMNS, seed=7) for _ in range(2))
    np.testing.assert_array_equal(first.predict_proba(holdout[list(FEATURE_COLUMNS)]), second.predict_proba(holdout[list(FEATURE_COLUMNS)]))
    assert evaluate(first, holdout, FEATURE_COLUMNS) == evaluate(second, holdout, FEATURE_COLUMNS)


def test_training_needs_both_classes(labelled):
    with pytest.raises(ValueError, match="both classes of 'is_fraud'"):
        train(labelled[~labelled['is_fraud']], FEATURE_COLUMNS)


def test_evaluation_of_one_class_is_not_a_number(labelled):
    train_rows, holdout = time_split(labelled, 0.3)
    metrics = evaluate(train(train_rows, FEATURE_COLUMNS), holdout[~holdout['is_fraud']], FEATURE_COLUMNS)
    assert math.isnan(metrics['roc_auc']) and math.isnan(metrics['average_precision'])
    assert metrics['positives'] == 0.0


@pytest.mark.parametrize('candidate, champion, margin, promote', [
    ({'average_precision': 0.40}, None, 0.005, True),  # the first model always
    ({'average_precision': 0.60}, {'average_precision': 0.60}, 0.0, True),  # equal, no margin
    ({'average_precision': 0.60}, {'average_precision': 0.60}, 0.005, False),  # equal, margin asked
    ({'average_precision': 0.30}, {'average_precision': 0.10}, 0.2, True),  # exactly the margin (0.1 + 0.2 > 0.3 in floats)
    ({'average_precision': 0.8051}, {'average_precision': 0.80}, 0.005, True),  # just above
    ({'average_precision': 0.8049}, {'average_precision': 0.80}, 0.005, False),  # just below
    ({'average_precision': 0.50}, {'average_precision': 0.70}, 0.0, False),  # worse
    ({'average_precision': math.nan}, None, 0.0, False),  # a number is required, even for the first
    ({'roc_auc': 0.9}, None, 0.0, False),  # the metric is missing
    ({'average_precision': 0.9}, {'average_precision': math.nan}, 0.0, False),  # no comparison: keep the champion
])
def test_promotion_decision(candidate, champion, margin, promote):
    decision = should_promote(candidate, champion, 'average_precision', margin)
    assert isinstance(decision, Decision) and decision.promote is promote
    assert 'average_precision' in decision.reason


def test_promotion_on_roc_auc_and_its_reasons():
    decision = should_promote({'roc_auc': 0.91}, {'roc_auc': 0.90}, 'roc_auc', 0.005)
    assert decision.reason == 'roc_auc 0.9100 >= champion 0.9000 + margin 0.005'
    assert should_promote({'roc_auc': 0.90}, None, 'roc_auc').reason == 'no champion yet; the candidate has roc_auc=0.9000'


@pytest.mark.parametrize('metric, margin, message', [('accuracy', 0.0, 'metric must be one of'), ('roc_auc', -0.1, 'margin must be')])
def test_promotion_refuses_bad_settings(metric, margin, message):
    with pytest.raises(ValueError, match=message):
        should_promote({'roc_auc': 0.9}, None, metric, margin)


def test_labels_are_not_features():
    assert 'is_fraud' not in FEATURE_COLUMNS and not pd.Index(FEATURE_COLUMNS).duplicated().any()
