import pytest

from reference.connection import Connection

SECRET = {
    'username': 'fraud',
    'password': 'kafka-secret-1',
    'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="fraud" password="kafka-secret-1";',
    'ca.crt': '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n',
    'bootstrap.servers': 'kafka-kafka-bootstrap.kafka.svc:9093',
    'schema.registry.url': 'http://schema-registry.kafka.svc:8081',
    'basic.auth.user.info': 'fraud:registry-secret-2',
    'mlflow.tracking.uri': 'http://mlflow.mlflow.svc.cluster.local:5000',
    'mlflow.tracking.username': 'fraud',
    'mlflow.tracking.password': 'mlflow-secret-3',
    'feature.server.url': 'http://feast.feast.svc:6566',
    'datasets.bucket': 'mlops-dev-datasets',
    'datasets.prefix': 'teams/fraud/',
    'aws.region': 'eu-west-1',
}


@pytest.fixture()
def secret_dir(tmp_path):
    for key, value in SECRET.items():
        # As `kubectl create secret --from-file` leaves them: some with a trailing newline.
        (tmp_path / key).write_text(value + '\n')
    return tmp_path


def test_loads_every_key_and_builds_client_options(secret_dir):
    connection = Connection.load(secret_dir)
    assert connection.kafka_options() == {
        'kafka.bootstrap.servers': 'kafka-kafka-bootstrap.kafka.svc:9093',
        'kafka.security.protocol': 'SASL_SSL',
        'kafka.sasl.mechanism': 'SCRAM-SHA-512',
        'kafka.sasl.jaas.config': SECRET['sasl.jaas.config'],
        'kafka.ssl.truststore.type': 'PEM',
        'kafka.ssl.truststore.location': str(secret_dir / 'ca.crt'),
    }
    assert connection.producer_config() == {
        'bootstrap.servers': 'kafka-kafka-bootstrap.kafka.svc:9093',
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.username': 'fraud',
        'sasl.password': 'kafka-secret-1',
        'ssl.ca.location': str(secret_dir / 'ca.crt'),
    }
    assert connection.mlflow_environment() == {
        'MLFLOW_TRACKING_URI': 'http://mlflow.mlflow.svc.cluster.local:5000',
        'MLFLOW_TRACKING_USERNAME': 'fraud',
        'MLFLOW_TRACKING_PASSWORD': 'mlflow-secret-3',
    }
    assert connection.schema_registry_auth() == ('fraud', 'registry-secret-2')
    assert connection.feature_server_url == 'http://feast.feast.svc:6566'
    assert connection.aws_region == 'eu-west-1'


def test_dataset_uri_stays_under_the_team_prefix(secret_dir):
    connection = Connection.load(secret_dir)
    assert connection.dataset_uri('raw', 'event_date=2026-03-02') == 's3a://mlops-dev-datasets/teams/fraud/raw/event_date=2026-03-02'
    assert connection.dataset_uri('features/', scheme='s3') == 's3://mlops-dev-datasets/teams/fraud/features'
    assert connection.dataset_uri() == 's3a://mlops-dev-datasets/teams/fraud'


def test_passwords_stay_out_of_repr(secret_dir):
    text = repr(Connection.load(secret_dir))
    assert 'fraud' in text and 'mlops-dev-datasets' in text
    for secret in ('kafka-secret-1', 'registry-secret-2', 'mlflow-secret-3'):
        assert secret not in text


@pytest.mark.parametrize('key', ['datasets.prefix', 'ca.crt', 'basic.auth.user.info'])
def test_missing_key_names_the_key_and_the_directory(secret_dir, key):
    (secret_dir / key).unlink()
    with pytest.raises(FileNotFoundError, match=rf"{secret_dir}: the connection Secret has no key '{key}'"):
        Connection.load(secret_dir)


def test_directory_comes_from_the_environment(secret_dir, monkeypatch):
    monkeypatch.setenv('PLATFORM_CONNECTION_DIR', str(secret_dir))
    assert Connection.load().directory == secret_dir
    monkeypatch.delenv('PLATFORM_CONNECTION_DIR')
    with pytest.raises(FileNotFoundError, match='/etc/platform-connection'):
        Connection.load()


def test_is_frozen(secret_dir):
    connection = Connection.load(secret_dir)
    with pytest.raises(AttributeError):
        connection.username = 'other'


def test_consumer_groups_are_named_after_the_teams_login(secret_dir):
    # The team's Kafka ACLs admit groups prefixed with its login (constructs/platform/kafka/kafka-users.ts).
    assert Connection.load(secret_dir).consumer_group_prefix('land') == 'fraud-land'
