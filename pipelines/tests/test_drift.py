import numpy as np
import pandas as pd
import pytest

from reference.drift import drift_metrics, drift_report, psi
from reference.features import FEATURE_COLUMNS, compute_card_features


def test_the_same_distribution_does_not_drift_and_a_shifted_one_does():
    rng = np.random.default_rng(3)
    reference = pd.Series(rng.lognormal(3.5, 1.0, 5000))
    assert psi(reference, pd.Series(rng.lognormal(3.5, 1.0, 2000))) < 0.02
    assert psi(reference, pd.Series(rng.lognormal(4.5, 1.0, 2000))) > 0.2


def test_booleans_and_categories_compare_by_value_and_a_new_value_counts():
    reference = pd.Series([True] * 90 + [False] * 10)
    assert psi(reference, pd.Series([True] * 45 + [False] * 5)) == pytest.approx(0.0)
    assert psi(reference, pd.Series([True] * 50 + [False] * 50)) > 0.2
    assert psi(pd.Series(['pos'] * 10), pd.Series(['pos'] * 5 + ['atm'] * 5)) > 0.2


def test_psi_needs_values_on_both_sides():
    with pytest.raises(ValueError, match='values on both sides'):
        psi(pd.Series([1.0, None]).iloc[1:], pd.Series([1.0]))


def test_the_report_names_the_features_above_the_threshold(transactions):
    features = compute_card_features(transactions)
    shifted = features.copy()
    shifted['amount'] = shifted['amount'] * 5
    report = drift_report(features, shifted, FEATURE_COLUMNS, threshold=0.2)
    assert 'amount' in report['drifted'] and report['max_psi'] == report['psi']['amount']
    assert report['psi']['night'] == pytest.approx(0.0)
    assert (report['reference_rows'], report['current_rows']) == (len(features), len(shifted))
    metrics = drift_metrics(report)
    assert metrics['model_drift_detected'] == 1.0
    assert metrics['model_feature_psi{feature="amount"}'] == report['psi']['amount']
    assert drift_metrics(drift_report(features, features, FEATURE_COLUMNS, threshold=0.2))['model_drift_detected'] == 0.0
