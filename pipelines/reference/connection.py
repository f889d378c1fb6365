"""The team's connection settings, read from its `platform-connection` Secret mounted as a directory.

The platform writes one file per key (see `stacks/platform/teams.ts` and `KafkaClientCredentials`);
this module turns them into the option dicts each client library expects.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIRECTORY = '/etc/platform-connection'
DIRECTORY_ENV = 'PLATFORM_CONNECTION_DIR'
CA_FILE = 'ca.crt'

# Secret key -> field name. `ca.crt` is not read: clients want the file's path, not its content.
_KEYS = {
    'username': 'username',
    'password': 'password',
    'sasl.jaas.config': 'sasl_jaas_config',
    'bootstrap.servers': 'bootstrap_servers',
    'schema.registry.url': 'schema_registry_url',
    'basic.auth.user.info': 'basic_auth_user_info',
    'mlflow.tracking.uri': 'mlflow_tracking_uri',
    'mlflow.tracking.username': 'mlflow_tracking_username',
    'mlflow.tracking.password': 'mlflow_tracking_password',
    'feature.server.url': 'feature_server_url',
    'datasets.bucket': 'datasets_bucket',
    'datasets.prefix': 'datasets_prefix',
    'aws.region': 'aws_region',
}


@dataclass(frozen=True)
class Connection:
    """Endpoints and logins of one team; every field holding a password is kept out of `repr`."""

    directory: Path
    username: str
    password: str = field(repr=False)
    sasl_jaas_config: str = field(repr=False)
    bootstrap_servers: str
    schema_registry_url: str
    basic_auth_user_info: str = field(repr=False)
    mlflow_tracking_uri: str
    mlflow_tracking_username: str
    mlflow_tracking_password: str = field(repr=False)
    feature_server_url: str
    datasets_bucket: str
    datasets_prefix: str
    aws_region: str

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Connection:
        """Reads the mounted Secret; `directory` defaults to `$PLATFORM_CONNECTION_DIR`, then `/etc/platform-connection`."""
        root = Path(directory or os.environ.get(DIRECTORY_ENV) or DEFAULT_DIRECTORY)
        values = {}
        for key, name in [(CA_FILE, None), *_KEYS.items()]:
            path = root / key
            if not path.is_file():
                raise FileNotFoundError(f'{root}: the connection Secret has no key {key!r} (expected the file {path})')
            if name:
                # `kubectl create secret --from-file` keeps a trailing newline; no value here ends in whitespace.
                values[name] = path.read_text().strip()
        return cls(directory=root, **values)

    @property
    def ca_location(self) -> str:
        return str(self.directory / CA_FILE)

    def kafka_options(self) -> dict[str, str]:
        """Options of Spark's Kafka source and sink (`kafka.`-prefixed consumer/producer settings)."""
        return {
            'kafka.bootstrap.servers': self.bootstrap_servers,
            'kafka.security.protocol': 'SASL_SSL',
            'kafka.sasl.mechanism': 'SCRAM-SHA-512',
            'kafka.sasl.jaas.config': self.sasl_jaas_config,
            'kafka.ssl.truststore.type': 'PEM',
            'kafka.ssl.truststore.location': self.ca_location,
        }

    def consumer_group_prefix(self, purpose: str) -> str:
        """A consumer group prefix the team's Kafka ACLs admit: they allow groups named after the team's login."""
        return f'{self.username}-{purpose}'

    def producer_config(self) -> dict[str, str]:
        """librdkafka settings for confluent-kafka's Producer."""
        return {
            'bootstrap.servers': self.bootstrap_servers,
            'security.protocol': 'SASL_SSL',
            'sasl.mechanism': 'SCRAM-SHA-512',
            'sasl.username': self.username,
            'sasl.password': self.password,
            'ssl.ca.location': self.ca_location,
        }

    def schema_registry_auth(self) -> tuple[str, str]:
        """The registry's basic-auth login, split from `user:password`."""
        user, _, password = self.basic_auth_user_info.partition(':')
        return user, password

    def dataset_uri(self, *parts: str, scheme: str = 's3a') -> str:
        """`<scheme>://<bucket>/<prefix><parts>`: everything the team writes stays under its prefix."""
        prefix = self.datasets_prefix.strip('/')
        path = '/'.join(p.strip('/') for p in (prefix, *parts) if p.strip('/'))
        return f'{scheme}://{self.datasets_bucket}/{path}'

    def mlflow_environment(self) -> dict[str, str]:
        """The variables MLflow's client reads for its server and basic-auth login."""
        return {
            'MLFLOW_TRACKING_URI': self.mlflow_tracking_uri,
            'MLFLOW_TRACKING_USERNAME': self.mlflow_tracking_username,
            'MLFLOW_TRACKING_PASSWORD': self.mlflow_tracking_password,
        }
