"""The reference pipeline's feature view, applied to the platform's feature store by the DAG's `feast_apply` task.

`feast apply` runs in the feature store's namespace with its feature_store.yaml (SQL registry, Redis online store,
files in S3 offline), from the pipeline image; PIPELINE_FEATURES_PATH is where the features job writes (the DAG
sets it). The feature names and types are the features job's own, so the two cannot drift apart.
"""
import os
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource
from feast.data_format import ParquetFormat
from feast.types import Bool, Float64, Int64

from reference.features import FEATURE_TYPES

FEAST_TYPES = {"double": Float64, "long": Int64, "boolean": Bool}

card = Entity(name="card", join_keys=["card_id"], description="A payment card, by its pseudonymous id.")

card_transactions = FileSource(
    name="card_transaction_features_source",
    path=os.environ.get("PIPELINE_FEATURES_PATH", "s3://replace-with-the-pipeline-data/features"),
    file_format=ParquetFormat(),
    timestamp_field="event_timestamp",
)

card_transaction_features = FeatureView(
    name="card_transaction_features",
    entities=[card],
    # A card's latest features stay servable for a week; older ones are no evidence of its current behaviour.
    ttl=timedelta(days=7),
    schema=[Field(name=name, dtype=FEAST_TYPES[kind]) for name, kind in FEATURE_TYPES.items()],
    source=card_transactions,
    online=True,
    tags={"pipeline": "card-fraud", "owner": "fraud"},
)
