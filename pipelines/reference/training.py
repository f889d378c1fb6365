"""Training, evaluation and the promotion decision of the fraud model.

A scaled logistic regression with balanced class weights: fast, deterministic, and enough for features that
already carry the signal; the platform is what this pipeline exercises, not the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

PROMOTION_METRICS = ('average_precision', 'roc_auc')
HOLDOUT_ARTIFACT = 'holdout.parquet'  # the training run's holdout, which promotion scores both models on
TRAINING_SAMPLE_ARTIFACT = 'training_sample.parquet'  # what the model learned from, which drift compares requests with
TRAINING_SAMPLE_ROWS = 10_000


def entity_frame(transactions: pd.DataFrame, label_column: str = 'is_fraud') -> pd.DataFrame:
    """Feast's entity dataframe of the labelled transactions: card_id, event_timestamp (UTC), the label."""
    labelled = transactions[transactions[label_column].notna()]
    return pd.DataFrame({
        'card_id': labelled['card_id'],
        'event_timestamp': pd.to_datetime(labelled['event_time'], utc=True),
        label_column: labelled[label_column].astype(bool),
    }).reset_index(drop=True)


def time_split(frame: pd.DataFrame, holdout_fraction: float, time_column: str = 'event_timestamp') -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, holdout): the holdout is the latest `holdout_fraction` of the rows, and every training row is older."""
    if not 0 < holdout_fraction < 1:
        raise ValueError(f'holdout_fraction must be between 0 and 1 exclusive, got {holdout_fraction}')
    times = frame[time_column].sort_values(kind='mergesort')
    cutoff = times.iloc[int(len(times) * (1 - holdout_fraction))] if len(times) else pd.NaT
    train, holdout = frame[frame[time_column] < cutoff], frame[frame[time_column] >= cutoff]
    if train.empty or holdout.empty:
        raise ValueError(f'cannot split {len(frame)} rows by time with holdout_fraction={holdout_fraction}: one side is empty')
    return train, holdout


def train(frame: pd.DataFrame, feature_columns: Sequence[str], label_column: str = 'is_fraud', seed: int = 0) -> Pipeline:
    labels = frame[label_column].astype(bool)
    if labels.nunique() < 2:
        raise ValueError(f'training needs both classes of {label_column!r}; the {len(frame)} rows have only {labels.unique().tolist()}')
    model = make_pipeline(StandardScaler(), LogisticRegression(class_weight='balanced', max_iter=1000, random_state=seed))
    return model.fit(frame[list(feature_columns)], labels)


def evaluate(model: Pipeline, frame: pd.DataFrame, feature_columns: Sequence[str], label_column: str = 'is_fraud') -> dict[str, float]:
    """roc_auc and average_precision of the fraud probability (NaN when the rows hold one class only), rows, positives."""
    labels = frame[label_column].astype(bool)
    both_classes = labels.nunique() == 2
    scores = model.predict_proba(frame[list(feature_columns)])[:, 1] if both_classes else None
    return {
        'roc_auc': float(roc_auc_score(labels, scores)) if both_classes else math.nan,
        'average_precision': float(average_precision_score(labels, scores)) if both_classes else math.nan,
        'rows': float(len(frame)),
        'positives': float(labels.sum()),
    }


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def should_promote(
    candidate_metrics: Mapping[str, float], champion_metrics: Mapping[str, float] | None,
    metric: str = 'average_precision', margin: float = 0.0,
) -> Decision:
    """Promote the first model, or one at least `margin` better than the champion on `metric`; never on a missing number."""
    if metric not in PROMOTION_METRICS:
        raise ValueError(f'metric must be one of {", ".join(PROMOTION_METRICS)}, got {metric!r}')
    if not margin >= 0:
        raise ValueError(f'margin must be a number >= 0, got {margin}')
    candidate = _number(candidate_metrics, metric)
    if math.isnan(candidate):
        return Decision(False, f'the candidate has no {metric}')
    if champion_metrics is None:
        return Decision(True, f'no champion yet; the candidate has {metric}={candidate:.4f}')
    champion = _number(champion_metrics, metric)
    # Keep what serves today when the comparison cannot be made; a person looks at the report.
    if math.isnan(champion):
        return Decision(False, f'the champion has no {metric} to compare with')
    if candidate - champion >= margin - 1e-12:  # float rounding must not decide a tie
        return Decision(True, f'{metric} {candidate:.4f} >= champion {champion:.4f} + margin {margin}')
    return Decision(False, f'{metric} {candidate:.4f} < champion {champion:.4f} + margin {margin}')


def _number(metrics: Mapping[str, float], metric: str) -> float:
    value = metrics.get(metric)
    return math.nan if value is None else float(value)
