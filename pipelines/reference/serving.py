"""The request and response of the fraud model on KServe: Open Inference Protocol v2, MLServer's MLflow runtime.

A request carries one input per feature column and `content_type: pd` at its top, so MLServer decodes it into the
pandas DataFrame the MLflow pyfunc model (with its signature) expects. Callers pass the feature rows themselves:
nothing here reads the online store. The model is logged with `pyfunc_predict_fn='predict_proba'`, so the first
output holds, per row, either the fraud probability or the [legit, fraud] pair.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence


class InferenceError(RuntimeError):
    """The model server answered, but not with one fraud probability per row."""


def inference_request(rows: Sequence[Mapping[str, Any]], feature_columns: Sequence[str]) -> dict:
    """The v2 request body for `rows` (dicts holding at least `feature_columns`)."""
    if not rows:
        raise ValueError('an inference request needs at least one row')
    inputs = []
    for column in feature_columns:
        values = [_plain(row[column]) for row in rows]
        inputs.append({'name': column, 'shape': [len(rows)], 'datatype': _datatype(column, values), 'data': values})
    return {'parameters': {'content_type': 'pd'}, 'inputs': inputs}


def _plain(value: Any) -> Any:
    """numpy scalars (as pandas hands them out) become Python ones, which JSON can write."""
    return value.item() if hasattr(value, 'item') else value


def _datatype(column: str, values: list) -> str:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        raise ValueError(f'column {column!r}: a value is missing; the model takes no nulls')
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return 'BOOL'
    if kinds == {int}:
        return 'INT64'
    if kinds <= {int, float}:
        return 'FP64'
    if kinds == {str}:
        return 'BYTES'
    raise ValueError(f'column {column!r}: cannot send values of types {sorted(k.__name__ for k in kinds)} in one input')


def parse_response(body: Mapping[str, Any], expected_rows: int | None = None) -> list[float]:
    """The fraud probability of each row; InferenceError on an error body or an output of the wrong size."""
    if 'error' in body:
        raise InferenceError(f'the model server answered with an error: {body["error"]}')
    outputs = body.get('outputs') or []
    if not outputs or 'data' not in outputs[0]:
        raise InferenceError(f'the response has no output data: {body}')
    data = _flatten(outputs[0]['data'])
    shape = outputs[0].get('shape') or [len(data)]
    width = math.prod(shape[1:])
    if len(data) != shape[0] * width:
        raise InferenceError(f'output {outputs[0].get("name")!r}: {len(data)} values for shape {shape}')
    if width not in (1, 2):
        name = outputs[0].get('name')
        raise InferenceError(f'output {name!r}: expected one probability or a [legit, fraud] pair per row, got shape {shape}')
    probabilities = [float(p) for p in (data if width == 1 else data[1::2])]
    if expected_rows is not None and len(probabilities) != expected_rows:
        raise InferenceError(f'expected {expected_rows} probabilities, got {len(probabilities)}')
    return probabilities


def _flatten(data: list) -> list:
    """The protocol allows nested (row-major) data as well as flat."""
    return [x for item in data for x in _flatten(item)] if data and isinstance(data[0], list) else list(data)


def infer_url(service: str, namespace: str, model: str) -> str:
    """In-cluster address of an InferenceService's predictor (KServe names its Service `<service>-predictor`)."""
    return f'http://{service}-predictor.{namespace}.svc.cluster.local/v2/models/{model}/infer'
