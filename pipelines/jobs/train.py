"""Trains a candidate fraud model on the last `--days` days and registers it in MLflow.

Labels come from the validated events; features from the offline store (`<data>/features`), joined point-in-time by
Feast's `get_historical_features`. The newest `--holdout-fraction` by event time is held out: its metrics are logged, and
it is saved with the run (`holdout.parquet`) so promotion scores candidate and champion on the same rows, and so is a
sample of the training rows (`training_sample.parquet`), which the drift step compares served requests with. The
registered version and its metrics go to `<data>/reports/training/event_date=…/candidate.json`.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import boto3
import mlflow
import pandas as pd
from feast import FeatureStore, RepoConfig
from mlflow import MlflowClient
from mlflow.models import infer_signature
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from reference import datasets
from reference.connection import Connection
from reference.features import FEATURE_COLUMNS
from reference.storage import write_json
from reference.training import HOLDOUT_ARTIFACT, TRAINING_SAMPLE_ARTIFACT, TRAINING_SAMPLE_ROWS, entity_frame, evaluate, time_split, train


def point_in_time_features(entities: pd.DataFrame, features_uri: str) -> pd.DataFrame:
    """Feast's point-in-time join over the files the features step wrote, through a throwaway local registry.

    The platform's registry (PostgreSQL in the feature store's namespace) is out of the team's reach, and the join
    needs only the feature view's definition: the repository's own (`feature_repo/`), pointed at `features_uri`.
    """
    os.environ['PIPELINE_FEATURES_PATH'] = features_uri
    from feature_repo.card_features import card, card_transaction_features  # reads PIPELINE_FEATURES_PATH

    with tempfile.TemporaryDirectory() as directory:
        store = FeatureStore(config=RepoConfig(
            project='training', provider='local', repo_path=directory, registry=f'{directory}/registry.db',
            online_store={'type': 'sqlite', 'path': f'{directory}/online.db'}, offline_store={'type': 'dask'},
            entity_key_serialization_version=2,
        ))
        store.apply([card, card_transaction_features])
        features = [f'{card_transaction_features.name}:{name}' for name in FEATURE_COLUMNS]
        return store.get_historical_features(entity_df=entities, features=features).to_df()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--date', type=date.fromisoformat, required=True, help='the last day, YYYY-MM-DD')
    parser.add_argument('--model', required=True, help='registered model name (also the experiment)')
    parser.add_argument('--days', type=int, default=7)
    parser.add_argument('--holdout-fraction', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--output', help='where the candidate JSON goes (s3://…); default: beside the reports')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    connection = Connection.load()
    os.environ.update(connection.mlflow_environment())
    data = args.data or connection.dataset_uri()
    spark = SparkSession.builder.appName('train').config('spark.sql.session.timeZone', 'UTC').getOrCreate()

    first_day = args.date - timedelta(days=args.days - 1)
    transactions = (
        spark.read.parquet(datasets.location(data, datasets.VALIDATED))
        .where(F.col(datasets.PARTITION_COLUMN).between(first_day.isoformat(), args.date.isoformat()))
        .select('card_id', 'event_time', 'is_fraud')
        .toPandas()
    )
    features_uri = datasets.location(data, datasets.FEATURES).replace('s3a://', 's3://', 1)  # Spark's name for it, then Feast's
    joined = point_in_time_features(entity_frame(transactions), features_uri)
    frame = joined.dropna(subset=list(FEATURE_COLUMNS))
    if len(frame) < len(joined):
        logging.warning('%s of %s labelled events have no features yet; left out', len(joined) - len(frame), len(joined))
    train_rows, holdout = time_split(frame, args.holdout_fraction)

    mlflow.set_experiment(args.model)
    with mlflow.start_run(run_name=f'{args.model}-{args.date}') as run:
        model = train(train_rows, FEATURE_COLUMNS, seed=args.seed)
        metrics = evaluate(model, holdout, FEATURE_COLUMNS)
        mlflow.log_params({'date': args.date.isoformat(), 'days': args.days, 'holdout_fraction': args.holdout_fraction,
                           'seed': args.seed, 'features': ','.join(FEATURE_COLUMNS), 'train_rows': len(train_rows)})
        mlflow.log_metrics({f'holdout_{name}': value for name, value in metrics.items()})
        with tempfile.TemporaryDirectory() as directory:
            holdout_file = Path(directory) / HOLDOUT_ARTIFACT
            holdout[['event_timestamp', *FEATURE_COLUMNS, 'is_fraud']].to_parquet(holdout_file)
            mlflow.log_artifact(str(holdout_file))
            sample_file = Path(directory) / TRAINING_SAMPLE_ARTIFACT
            sample = train_rows.sample(n=min(len(train_rows), TRAINING_SAMPLE_ROWS), random_state=args.seed)
            sample[list(FEATURE_COLUMNS)].to_parquet(sample_file)
            mlflow.log_artifact(str(sample_file))
        inputs = train_rows[list(FEATURE_COLUMNS)]
        # predict_proba, so the served model answers with probabilities (see reference/serving.py).
        mlflow.sklearn.log_model(model, name='model', registered_model_name=args.model,
                                 signature=infer_signature(inputs, model.predict_proba(inputs)), pyfunc_predict_fn='predict_proba')
    version = MlflowClient().search_model_versions(f"run_id = '{run.info.run_id}'")[0].version
    candidate = {'model': args.model, 'version': str(version), 'run_id': run.info.run_id, 'metrics': metrics}
    output = args.output or datasets.training_candidate(data, args.date)
    write_json(boto3.client('s3', region_name=connection.aws_region), output, candidate)
    logging.info('registered %s version %s: %s; candidate at %s', args.model, version, metrics, output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
