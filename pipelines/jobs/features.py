"""Computes the per-card features of the last `--days` days of validated events into `<data>/features`.

That directory is the offline store: Feast's FileSource reads it (training's point-in-time joins) and its
materialization loads the newest row of each card into the online store. Each run rewrites it whole, so it holds
exactly the window, and a card's history (its usual country, its amounts' spread) is what the window holds.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from reference import datasets
from reference.connection import Connection
from reference.features import FEATURE_TYPES, compute_card_features

INPUT_COLUMNS = ('transaction_id', 'card_id', 'event_time', 'amount', 'country', 'channel')
OUTPUT_SCHEMA = ', '.join(['card_id string', 'event_timestamp timestamp', *(f'{name} {kind}' for name, kind in FEATURE_TYPES.items())])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--date', type=date.fromisoformat, required=True, help='the last day, YYYY-MM-DD')
    parser.add_argument('--days', type=int, default=30, help='how many days of events, up to --date')
    args = parser.parse_args(argv)
    connection = Connection.load()
    data = args.data or connection.dataset_uri()
    spark = SparkSession.builder.appName('features').config('spark.sql.session.timeZone', 'UTC').getOrCreate()

    first_day = args.date - timedelta(days=args.days - 1)
    events = (
        spark.read.parquet(datasets.location(data, datasets.VALIDATED))
        .where(F.col(datasets.PARTITION_COLUMN).between(first_day.isoformat(), args.date.isoformat()))
        .select(*INPUT_COLUMNS)
    )
    features = events.groupBy('card_id').applyInPandas(compute_card_features, OUTPUT_SCHEMA)
    features.write.mode('overwrite').parquet(datasets.location(data, datasets.FEATURES))
    return 0


if __name__ == '__main__':
    sys.exit(main())
