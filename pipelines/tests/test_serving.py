import numpy as np
import pytest

from reference.features import FEATURE_COLUMNS, compute_card_features
from reference.serving import InferenceError, infer_url, inference_request, parse_response


def test_request_has_one_typed_input_per_column():
    rows = [
        {'amount': 12.5, 'txn_count_1h': 0, 'night': True, 'channel': 'pos', 'ignored': 'x'},
        {'amount': 80, 'txn_count_1h': 3, 'night': False, 'channel': 'atm', 'ignored': 'y'},
    ]
    assert inference_request(rows, ['amount', 'txn_count_1h', 'night', 'channel']) == {
        'parameters': {'content_type': 'pd'},
        'inputs': [
            {'name': 'amount', 'shape': [2], 'datatype': 'FP64', 'data': [12.5, 80]},
            {'name': 'txn_count_1h', 'shape': [2], 'datatype': 'INT64', 'data': [0, 3]},
            {'name': 'night', 'shape': [2], 'datatype': 'BOOL', 'data': [True, False]},
            {'name': 'channel', 'shape': [2], 'datatype': 'BYTES', 'data': ['pos', 'atm']},
        ],
    }


def test_request_from_feature_rows_uses_plain_json_values(transactions):
    rows = compute_card_features(transactions).tail(3).to_dict('records')
    rows[0]['amount'] = np.float64(1.5)  # numpy scalars, as some pandas paths return them
    request = inference_request(rows, FEATURE_COLUMNS)
    datatypes = {i['name']: i['datatype'] for i in request['inputs']}
    assert datatypes == {
        'amount': 'FP64', 'txn_count_1h': 'INT64', 'txn_count_24h': 'INT64', 'amount_sum_24h': 'FP64', 'amount_mean_7d': 'FP64',
        'amount_zscore': 'FP64', 'foreign_country': 'BOOL', 'night': 'BOOL', 'ecommerce': 'BOOL',
    }
    assert all(i['shape'] == [3] and len(i['data']) == 3 for i in request['inputs'])
    assert type(request['inputs'][0]['data'][0]) is float


@pytest.mark.parametrize('rows, message', [
    ([], 'at least one row'),
    ([{'amount': None}], "column 'amount': a value is missing"),
    ([{'amount': float('nan')}], "column 'amount': a value is missing"),
    ([{'amount': 1.0}, {'amount': 'high'}], r"column 'amount': cannot send values of types \['float', 'str'\]"),
])
def test_request_refuses_what_the_model_cannot_take(rows, message):
    with pytest.raises(ValueError, match=message):
        inference_request(rows, ['amount'])


def test_response_with_one_probability_per_row():
    body = {'model_name': 'card-fraud', 'outputs': [{'name': 'output-1', 'shape': [3], 'datatype': 'FP64', 'data': [0.1, 0.9, 0.5]}]}
    assert parse_response(body, expected_rows=3) == [0.1, 0.9, 0.5]


def test_response_of_predict_proba_takes_the_fraud_column():
    body = {'outputs': [{'name': 'output-1', 'shape': [2, 2], 'datatype': 'FP64', 'data': [0.8, 0.2, 0.3, 0.7]}]}
    assert parse_response(body, expected_rows=2) == [0.2, 0.7]
    nested = {'outputs': [{'name': 'output-1', 'shape': [2, 2], 'datatype': 'FP64', 'data': [[0.8, 0.2], [0.3, 0.7]]}]}
    assert parse_response(nested) == [0.2, 0.7]


@pytest.mark.parametrize('body, message', [
    ({'error': 'Input column night has the wrong type'}, 'answered with an error: Input column night has the wrong type'),
    ({'outputs': []}, 'no output data'),
    ({'outputs': [{'name': 'o', 'shape': [3], 'data': [0.1, 0.2]}]}, r"output 'o': 2 values for shape \[3\]"),
    ({'outputs': [{'name': 'o', 'shape': [1, 3], 'data': [0.1, 0.2, 0.7]}]}, r'got shape \[1, 3\]'),
    ({'outputs': [{'name': 'o', 'shape': [2], 'data': [0.1, 0.2]}]}, 'expected 3 probabilities, got 2'),
])
def test_response_errors_are_clear(body, message):
    with pytest.raises(InferenceError, match=message):
        parse_response(body, expected_rows=3)


def test_infer_url_points_at_the_predictor_service():
    assert infer_url('card-fraud', 'model-serving', 'card-fraud') == (
        'http://card-fraud-predictor.model-serving.svc.cluster.local/v2/models/card-fraud/infer'
    )
