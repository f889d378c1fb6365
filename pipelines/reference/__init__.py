"""The reference fraud pipeline's logic: plain functions over pandas frames, tested without Spark.

The jobs in `pipelines/jobs/` run these functions on Spark's driver and executors, so the pipeline
image must put `pipelines/` on `PYTHONPATH` (executors unpickle `reference.*` functions) and ship
`schemas/` beside it (the Avro schema is read from the repository, never copied).
"""
