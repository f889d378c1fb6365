import io
from datetime import date

import pytest

from reference import datasets
from reference.storage import read_json, split_uri, write_json

ROOT = 's3a://mlops-dev-datasets/teams/fraud/pipelines/card-fraud'


def test_layout_under_the_pipeline_root():
    day = date(2026, 3, 2)
    assert datasets.partition(ROOT + '/', datasets.VALIDATED, day) == f'{ROOT}/validated/event_date=2026-03-02'
    assert datasets.validation_report(ROOT, day) == f'{ROOT}/reports/validation/event_date=2026-03-02/report.json'
    assert datasets.training_candidate(ROOT, day) == f'{ROOT}/reports/training/event_date=2026-03-02/candidate.json'
    assert datasets.location(ROOT, datasets.CHECKPOINTS, 'land') == f'{ROOT}/checkpoints/land'


class FakeS3:
    """The two calls of boto3's S3 client that storage makes."""

    class exceptions:  # noqa: N801 - boto3's spelling
        class NoSuchKey(Exception):
            pass

    def __init__(self):
        self.objects = {}

    def put_object(self, Bucket, Key, Body, ContentType):  # noqa: N803 - boto3's spelling
        self.objects[(Bucket, Key)] = Body

    def get_object(self, Bucket, Key):  # noqa: N803
        if (Bucket, Key) not in self.objects:
            raise self.exceptions.NoSuchKey(Key)
        return {'Body': io.BytesIO(self.objects[(Bucket, Key)])}


def test_json_documents_round_trip_and_missing_is_none():
    s3 = FakeS3()
    uri = datasets.validation_report(ROOT, date(2026, 3, 2))
    assert read_json(s3, uri) is None
    write_json(s3, uri, {'b': 1, 'a': [1, 2]})
    assert read_json(s3, uri.replace('s3a://', 's3://')) == {'a': [1, 2], 'b': 1}
    key = 'teams/fraud/pipelines/card-fraud/reports/validation/event_date=2026-03-02/report.json'
    assert s3.objects[('mlops-dev-datasets', key)].startswith(b'{\n  "a"')  # sorted, indented


@pytest.mark.parametrize('uri', ['gs://bucket/key', 's3://bucket', 's3:///key', '/local/path'])
def test_split_uri_refuses_what_is_not_an_s3_object(uri):
    with pytest.raises(ValueError, match='expected s3://<bucket>/<key>'):
        split_uri(uri)
