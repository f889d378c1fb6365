import json
from datetime import datetime, timezone

import pytest

from reference.features import FEATURE_COLUMNS
from reference.prediction_log import REQUEST, RESPONSE, batch_key, record_from_event, requested_features, to_jsonl
from reference.serving import inference_request

RECEIVED = datetime(2026, 3, 2, 13, 5, 9, tzinfo=timezone.utc)
ROWS = [
    {'amount': 12.5, 'txn_count_1h': 1, 'txn_count_24h': 3, 'amount_sum_24h': 40.0, 'amount_mean_7d': 20.0, 'amount_zscore': -0.4,
     'foreign_country': False, 'night': False, 'ecommerce': True},
    {'amount': 912.5, 'txn_count_1h': 3, 'txn_count_24h': 7, 'amount_sum_24h': 1450.0, 'amount_mean_7d': 61.2, 'amount_zscore': 4.1,
     'foreign_country': True, 'night': True, 'ecommerce': True},
]


def event(kind, body, **headers):
    return {'Ce-Type': kind, 'Ce-Id': 'abc', 'Ce-Inferenceservicename': 'card-fraud', **headers}, json.dumps(body).encode()


def test_a_request_event_becomes_a_log_line_with_its_payload():
    request = inference_request(ROWS, FEATURE_COLUMNS)
    record = record_from_event(*event(REQUEST, request), received=RECEIVED)
    assert record == {'id': 'abc', 'type': 'request', 'inferenceservice': 'card-fraud', 'received': RECEIVED.isoformat(), 'payload': request}
    assert record_from_event(*event(RESPONSE, {'outputs': []}), received=RECEIVED)['type'] == 'response'


def test_other_events_and_bodies_are_refused():
    with pytest.raises(ValueError, match="not a KServe inference event: ce-type 'com.example'"):
        record_from_event(*event('com.example', {}), received=RECEIVED)
    with pytest.raises(ValueError, match='payload is not JSON'):
        record_from_event({'ce-type': REQUEST}, b'{', received=RECEIVED)


def test_batches_land_in_a_folder_per_day():
    assert batch_key('teams/a/pipelines/p/predictions/', RECEIVED, 'x1') == 'teams/a/pipelines/p/predictions/event_date=2026-03-02/130509-x1.jsonl'


def test_the_logged_requests_give_back_the_feature_rows_sent():
    lines = to_jsonl([
        record_from_event(*event(REQUEST, inference_request(ROWS, FEATURE_COLUMNS)), received=RECEIVED),
        record_from_event(*event(RESPONSE, {'outputs': [{'data': [0.1, 0.9]}]}), received=RECEIVED),
        record_from_event(*event(REQUEST, {'inputs': [{'name': 'other', 'data': [1]}]}), received=RECEIVED),
    ]).decode().splitlines()
    frame = requested_features(lines, FEATURE_COLUMNS)
    assert frame.to_dict('records') == ROWS


def test_pushed_metrics_are_prometheus_text_under_their_group():
    from reference.pushgateway import exposition, group_url

    assert exposition({'b{x="1"}': 2.0, 'a': 1.0}) == b'a 1.0\nb{x="1"} 2.0\n'
    assert group_url('http://pg:9091/', 'drift', {'model': 'card-fraud'}) == 'http://pg:9091/metrics/job/drift/model/card-fraud'
