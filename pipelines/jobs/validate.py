"""Validates one day of landed events with the suite: quarantines bad rows, publishes the rest, writes the report.

Valid rows go to `<data>/validated/event_date=…` only when no blocking rule failed, so nothing downstream reads a
failed day; quarantined rows (with `_failed_rules`) always go to `<data>/quarantine/event_date=…`. The report
(`<data>/reports/validation/…/report.json`) holds the statistics, every rule's result and the metrics; with
`--pushgateway` the metrics also go to that Prometheus Pushgateway. Exits 1 when a blocking rule failed.
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import boto3
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from reference import datasets
from reference.connection import Connection
from reference.pushgateway import push
from reference.storage import read_json, write_json
from reference.suite import load_suite
from reference.validation import FAILED_RULES, build_stats, evaluate, metrics, tag_rows

DEFAULT_SUITE = Path(__file__).resolve().parents[1] / 'suites' / 'card_transactions.v1.yaml'
# Spark's type names in the suite's vocabulary.
SPARK_TYPES = {'string': 'string', 'double': 'double', 'bigint': 'long', 'boolean': 'boolean', 'timestamp': 'timestamp'}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    parser.add_argument('--date', type=date.fromisoformat, required=True, help='the day to validate, YYYY-MM-DD')
    parser.add_argument('--suite', type=Path, default=DEFAULT_SUITE)
    parser.add_argument('--pushgateway', help='Prometheus Pushgateway URL; default: metrics in the report only')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    connection = Connection.load()
    data = args.data or connection.dataset_uri()
    suite = load_suite(args.suite)
    spark = SparkSession.builder.appName('validate').config('spark.sql.session.timeZone', 'UTC').getOrCreate()
    s3 = boto3.client('s3', region_name=connection.aws_region)

    # The root and a filter, not the partition's directory: a day with no events reads as empty instead of failing.
    raw = spark.read.parquet(datasets.location(data, datasets.RAW))
    raw = raw.where(F.col(datasets.PARTITION_COLUMN) == F.lit(args.date.isoformat()).cast('date')).drop(datasets.PARTITION_COLUMN)
    tagged_schema = StructType([*raw.schema.fields, StructField(FAILED_RULES, StringType())])
    tagged = raw.mapInPandas(lambda batches: (tag_rows(b, suite) for b in batches), tagged_schema).cache()
    quarantined = tagged.where(F.col(FAILED_RULES) != '')

    time_column = suite.freshness.column if suite.freshness else None
    totals = raw.agg(
        F.count(F.lit(1)).alias('rows'),
        (F.min(time_column) if time_column else F.lit(None)).alias('first'),
        (F.max(time_column) if time_column else F.lit(None)).alias('last'),
    ).first()
    keys = list(suite.unique.columns) if suite.unique else []
    failures = quarantined.select(F.explode(F.split(FAILED_RULES, ';')).alias('rule')).groupBy('rule').count().collect()
    stats = build_stats(
        suite=suite,
        rows=totals['rows'],
        duplicate_keys=totals['rows'] - raw.select(*keys).distinct().count() if keys else None,
        min_event_time=totals['first'],
        max_event_time=totals['last'],
        now=datetime.now(timezone.utc),
        column_types={f.name: SPARK_TYPES.get(f.dataType.simpleString(), f.dataType.simpleString()) for f in raw.schema.fields},
        rule_failures={row['rule']: row['count'] for row in failures},
    )
    # The previous run: this day's last hourly run, else the day before's.
    report_uri = datasets.validation_report(data, args.date)
    previous = read_json(s3, report_uri) or read_json(s3, datasets.validation_report(data, args.date - timedelta(days=1)))
    report = evaluate(stats, suite, previous and previous['stats'], quarantined_rows=quarantined.count())

    quarantined.write.mode('overwrite').parquet(datasets.partition(data, datasets.QUARANTINE, args.date))
    if not report.blocking_failed:
        valid = tagged.where(F.col(FAILED_RULES) == '').drop(FAILED_RULES)
        valid.write.mode('overwrite').parquet(datasets.partition(data, datasets.VALIDATED, args.date))
    values = metrics(report)
    write_json(s3, report_uri, {**report.to_dict(), 'metrics': values})
    if args.pushgateway:
        push(args.pushgateway, 'validation', {'suite': suite.name}, values)
    for result in report.results:
        if not result.passed:
            logging.warning('%s (%s) failed: observed %s, expected %s', result.rule, result.severity, result.observed, result.expected)
    logging.info('validated %s: %s rows, %s quarantined; report %s', args.date, stats['rows'], report.quarantined_rows, report_uri)
    return 1 if report.blocking_failed else 0


if __name__ == '__main__':
    sys.exit(main())
