"""Feature drift of a served model: the Population Stability Index of each feature, served requests against training.

PSI = Σ (current% − reference%) · ln(current% / reference%) over bins. Numeric features are binned at the
reference's quantiles (so each bin holds about as much training data), booleans and strings by value. Common
reading: below 0.1 stable, 0.1 to 0.2 moderate shift, above 0.2 a shift worth acting on.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

# A bin empty on one side would make the logarithm infinite; it counts as this share instead.
EMPTY_SHARE = 1e-4


def psi(reference: pd.Series, current: pd.Series, bins: int = 10) -> float:
    """The PSI of `current` against `reference`; both non-empty, missing values ignored."""
    reference, current = reference.dropna(), current.dropna()
    if reference.empty or current.empty:
        raise ValueError('PSI needs values on both sides')
    if pd.api.types.is_bool_dtype(reference) or not pd.api.types.is_numeric_dtype(reference):
        categories = sorted(set(reference.astype(str)) | set(current.astype(str)))
        expected = _shares(reference.astype(str).value_counts(), categories)
        actual = _shares(current.astype(str).value_counts(), categories)
    else:
        edges = np.unique(np.quantile(reference.astype(float), np.linspace(0, 1, bins + 1)[1:-1]))
        expected = _shares(pd.Series(np.searchsorted(edges, reference.astype(float), side='right')).value_counts(), range(len(edges) + 1))
        actual = _shares(pd.Series(np.searchsorted(edges, current.astype(float), side='right')).value_counts(), range(len(edges) + 1))
    return float(sum((a - e) * math.log(a / e) for e, a in zip(expected, actual)))


def _shares(counts: pd.Series, keys: Iterable) -> list[float]:
    total = float(counts.sum())
    return [max(counts.get(key, 0) / total, EMPTY_SHARE) for key in keys]


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, features: Iterable[str], threshold: float, bins: int = 10) -> dict:
    """Each feature's PSI, the largest, and the features above `threshold`."""
    scores = {feature: round(psi(reference[feature], current[feature], bins), 6) for feature in features}
    return {
        'psi': scores,
        'max_psi': max(scores.values()),
        'threshold': threshold,
        'drifted': sorted(f for f, score in scores.items() if score > threshold),
        'reference_rows': int(len(reference)),
        'current_rows': int(len(current)),
    }


def drift_metrics(report: Mapping) -> dict[str, float]:
    """Gauges for the Pushgateway, named in Prometheus' text format (labels inline)."""
    return {
        'model_drift_max_psi': float(report['max_psi']),
        'model_drift_detected': float(bool(report['drifted'])),
        'model_drift_requests': float(report['current_rows']),
        **{f'model_feature_psi{{feature="{feature}"}}': float(score) for feature, score in report['psi'].items()},
    }
