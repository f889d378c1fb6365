"""Compares the features of the day's served requests with the training data of the version being served.

The requests come from the model server's log (`<data>/predictions/event_date=…`, written by the prediction
logger); the reference is the training sample the serving version's run saved (`training_sample.parquet`). Writes
the report to `<data>/reports/drift/event_date=…/report.json` and, with `--pushgateway`, pushes each feature's PSI
and whether any exceeds `--threshold` (the alert `ModelFeatureDrift` reads it). A day without requests reports so
and pushes nothing. Drift is not a failure of the run: it is for people to look at.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date

import boto3
import mlflow
import pandas as pd
from mlflow import MlflowClient

from reference import datasets
from reference.connection import Connection
from reference.drift import drift_metrics, drift_report
from reference.features import FEATURE_COLUMNS
from reference.prediction_log import requested_features
from reference.pushgateway import push
from reference.storage import split_uri, write_json
from reference.training import TRAINING_SAMPLE_ARTIFACT

ALIAS = 'champion'


def logged_lines(s3, prefix_uri: str) -> list[str]:
    """Every line of every batch under the day's prefix."""
    bucket, prefix = split_uri(prefix_uri)
    lines: list[str] = []
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix.rstrip('/') + '/'):
        for item in page.get('Contents', []):
            lines.extend(s3.get_object(Bucket=bucket, Key=item['Key'])['Body'].read().decode().splitlines())
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--date', type=date.fromisoformat, required=True, help='the day of requests to compare')
    parser.add_argument('--model', required=True, help='registered model name')
    parser.add_argument('--threshold', type=float, default=0.2, help='PSI above which a feature counts as drifted')
    parser.add_argument('--pushgateway', help='Prometheus Pushgateway URL; default: the report only')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    connection = Connection.load()
    os.environ.update(connection.mlflow_environment())
    data = args.data or connection.dataset_uri()
    s3 = boto3.client('s3', region_name=connection.aws_region)

    current = requested_features(logged_lines(s3, datasets.partition(data, datasets.PREDICTIONS, args.date)), FEATURE_COLUMNS)
    report_uri = datasets.location(datasets.partition(data, f'{datasets.REPORTS}/drift', args.date), 'report.json')
    if current.empty:
        write_json(s3, report_uri, {'date': args.date.isoformat(), 'model': args.model, 'current_rows': 0})
        logging.info('no requests logged on %s: nothing to compare', args.date)
        return 0
    version = MlflowClient().get_model_version_by_alias(args.model, ALIAS)
    reference = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=version.run_id, artifact_path=TRAINING_SAMPLE_ARTIFACT))
    report = {'date': args.date.isoformat(), 'model': args.model, 'version': str(version.version),
              **drift_report(reference, current, FEATURE_COLUMNS, args.threshold)}
    write_json(s3, report_uri, report)
    if args.pushgateway:
        push(args.pushgateway, 'drift', {'model': args.model}, drift_metrics(report))
    logging.info('drift of %s version %s on %s: %s', args.model, version.version, args.date, json.dumps(report['psi']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
