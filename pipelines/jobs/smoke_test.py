"""Calls the served model with a few transactions' features and checks it answers one probability per row.

The features are computed here from generated transactions (not read from the online store), so the test depends on
the model server alone. Exits 1 when the server does not answer, answers with an error, or a value is not in [0, 1].
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from reference.events import generate_transactions, to_frame
from reference.features import FEATURE_COLUMNS, compute_card_features
from reference.serving import InferenceError, infer_url, inference_request, parse_response


def post_json(url: str, body: dict, timeout_seconds: float, attempts: int) -> dict:
    """The JSON answer; retries while the server is unreachable or failing (5xx), not on the model's own error."""
    failure: Exception | None = None
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={'Content-Type': 'application/json'}, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code < 500:
                try:
                    return json.load(error)
                except ValueError:
                    return {'error': f'HTTP {error.code} {error.reason}'}
            failure = error
        except (urllib.error.URLError, TimeoutError) as error:
            failure = error
        logging.warning('attempt %s of %s at %s failed: %s', attempt, attempts, url, failure)
        if attempt < attempts:
            time.sleep(min(2**attempt, 30))
    raise InferenceError(f'{url}: no answer after {attempts} attempts ({failure})')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--model', required=True, help='the model name the server knows (the InferenceService\'s too)')
    parser.add_argument('--url', help='the infer URL; default: the InferenceService named --model in --namespace')
    parser.add_argument('--namespace', default='model-serving')
    parser.add_argument('--rows', type=int, default=5)
    parser.add_argument('--timeout-seconds', type=float, default=10)
    parser.add_argument('--attempts', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    url = args.url or infer_url(args.model, args.namespace, args.model)

    records = generate_transactions(200, datetime.now(timezone.utc) - timedelta(days=1), seed=args.seed)
    rows = compute_card_features(to_frame(records)).tail(args.rows).to_dict('records')
    try:
        answer = post_json(url, inference_request(rows, FEATURE_COLUMNS), args.timeout_seconds, args.attempts)
        probabilities = parse_response(answer, expected_rows=len(rows))
    except InferenceError as error:
        logging.error('smoke test failed: %s', error)
        return 1
    outside = [p for p in probabilities if not 0.0 <= p <= 1.0]
    if outside:
        logging.error('smoke test failed: %s of %s values are not probabilities: %s', len(outside), len(probabilities), outside)
        return 1
    logging.info('smoke test passed: %s answered %s', url, probabilities)
    return 0


if __name__ == '__main__':
    sys.exit(main())
