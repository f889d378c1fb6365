"""Makes the day's candidate the `champion` if it beats the current one on the candidate's holdout.

Both versions are scored on the same rows (the holdout the candidate's run saved), not compared by their logged
metrics, which come from different holdouts. Prints the decision as JSON; a candidate kept out is not a failure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date

import boto3
import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from reference import datasets
from reference.connection import Connection
from reference.features import FEATURE_COLUMNS
from reference.storage import read_json
from reference.training import HOLDOUT_ARTIFACT, PROMOTION_METRICS, evaluate, should_promote

ALIAS = 'champion'


def champion_version(client: MlflowClient, model: str) -> str | None:
    """The version holding the alias, None when none does yet (MLflow's two ways of saying so)."""
    try:
        return str(client.get_model_version_by_alias(model, ALIAS).version)
    except MlflowException as error:
        if error.error_code == 'RESOURCE_DOES_NOT_EXIST' or (error.error_code == 'INVALID_PARAMETER_VALUE' and 'not found' in str(error)):
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--date', type=date.fromisoformat, required=True, help='the day whose candidate to consider')
    parser.add_argument('--model', required=True, help='registered model name')
    parser.add_argument('--metric', choices=PROMOTION_METRICS, default='average_precision')
    parser.add_argument('--margin', type=float, default=0.005)
    parser.add_argument('--candidate', help='the training step\'s candidate JSON (s3://…); default: beside the reports')
    args = parser.parse_args(argv)
    connection = Connection.load()
    os.environ.update(connection.mlflow_environment())
    data = args.data or connection.dataset_uri()

    location = args.candidate or datasets.training_candidate(data, args.date)
    candidate = read_json(boto3.client('s3', region_name=connection.aws_region), location)
    if candidate is None:
        raise SystemExit(f'no candidate at {location}: did the training step run for {args.date}?')
    client = MlflowClient()
    holdout = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=candidate['run_id'], artifact_path=HOLDOUT_ARTIFACT))

    def score(version: str) -> dict[str, float]:
        return evaluate(mlflow.sklearn.load_model(f'models:/{args.model}/{version}'), holdout, FEATURE_COLUMNS)

    champion = champion_version(client, args.model)
    candidate_metrics = score(candidate['version'])
    champion_metrics = score(champion) if champion else None
    decision = should_promote(candidate_metrics, champion_metrics, args.metric, args.margin)
    if decision.promote:
        client.set_registered_model_alias(args.model, ALIAS, candidate['version'])
    print(json.dumps({
        'model': args.model, 'candidate': candidate['version'], 'champion': champion, 'promote': decision.promote,
        'reason': decision.reason, 'candidate_metrics': candidate_metrics, 'champion_metrics': champion_metrics,
    }, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
