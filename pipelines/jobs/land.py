"""Lands the topic's events as Parquet under `<data>/raw/event_date=…`, from where the last run stopped.

A batch over a stream (`availableNow`): it reads what arrived since the checkpoint, then stops. `from_avro` decodes
with the newest schema of `schemas/events.raw/` and ignores the id in the wire header, so producers must write that
version. A message it cannot decode lands as nulls (PERMISSIVE) on the day Kafka received it, where validation's
not_null rules block the day instead of losing the message silently.
"""
from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession
from pyspark.sql.avro.functions import from_avro
from pyspark.sql.functions import coalesce, col, expr, to_date

from reference import datasets
from reference.connection import Connection
from reference.events import WIRE_HEADER_BYTES, newest_schema_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--topic', default='events.raw')
    parser.add_argument('--data', help='the pipeline data root (s3a://…); default: the team prefix')
    args = parser.parse_args(argv)
    connection = Connection.load()
    data = args.data or connection.dataset_uri()
    spark = SparkSession.builder.appName('land').config('spark.sql.session.timeZone', 'UTC').getOrCreate()

    messages = (
        spark.readStream.format('kafka')
        .options(**connection.kafka_options())
        .option('subscribe', args.topic)
        # Spark's own prefix (spark-kafka-source-…) is no group the team's ACLs admit.
        .option('groupIdPrefix', connection.consumer_group_prefix('land'))
        .option('startingOffsets', 'earliest')
        .load()
    )
    # Confluent's header (magic byte, schema id) precedes the Avro body; SQL's substring counts from 1.
    body = expr(f'substring(value, {WIRE_HEADER_BYTES + 1}, length(value) - {WIRE_HEADER_BYTES})')
    events = (
        messages.select(from_avro(body, newest_schema_path().read_text(), {'mode': 'PERMISSIVE'}).alias('event'), 'timestamp')
        .select('event.*', 'timestamp')
        .withColumn(datasets.PARTITION_COLUMN, coalesce(to_date(col('event_time')), to_date(col('timestamp'))))
        .drop('timestamp')
    )
    query = (
        events.writeStream.format('parquet')
        .option('path', datasets.location(data, datasets.RAW))
        .option('checkpointLocation', datasets.location(data, datasets.CHECKPOINTS, 'land'))
        .partitionBy(datasets.PARTITION_COLUMN)
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    return 0


if __name__ == '__main__':
    sys.exit(main())
