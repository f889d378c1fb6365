"""Where the pipeline keeps each dataset under its data root (`s3a://<bucket>/teams/<team>/pipelines/<name>`).

One place for the layout the jobs share; the names are the platform's (`pipelineDatasetPrefix` in stacks/catalogue.ts),
and Feast's FileSource reads `features/`.
"""
from __future__ import annotations

from datetime import date

RAW = 'raw'
VALIDATED = 'validated'
QUARANTINE = 'quarantine'
FEATURES = 'features'
CHECKPOINTS = 'checkpoints'
REPORTS = 'reports'
PREDICTIONS = 'predictions'  # the model server's request log, written by the prediction logger
PARTITION_COLUMN = 'event_date'


def location(root: str, *parts: str) -> str:
    return '/'.join([root.rstrip('/'), *(p.strip('/') for p in parts)])


def partition(root: str, dataset: str, day: date) -> str:
    """One day's directory, as Spark's `partitionBy('event_date')` names it."""
    return location(root, dataset, f'{PARTITION_COLUMN}={day.isoformat()}')


def validation_report(root: str, day: date) -> str:
    """Kept apart from the Parquet directories, so readers of the data never meet it."""
    return location(partition(root, f'{REPORTS}/validation', day), 'report.json')


def training_candidate(root: str, day: date) -> str:
    """The model version the day's training registered and its holdout metrics, for the promotion step."""
    return location(partition(root, f'{REPORTS}/training', day), 'candidate.json')
