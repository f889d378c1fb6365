import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { irsaAnnotations, type KubernetesObject } from '../../constructs/kubernetes/objects';
import type { FeatureStore } from '../../constructs/platform/feast';
import type { Mlflow } from '../../constructs/platform/mlflow';
import type { KafkaClientTarget, KafkaCluster, SchemaRegistry } from '../../constructs/platform/kafka';
import { externalSecret, type SecretSource } from '../../constructs/platform/external-secrets';
import { MlflowUsers } from '../../constructs/platform/mlflow';
import { TEAM_MLFLOW_PASSWORD, TEAM_SECRET_STORE, teamAirflowConnections, teamDatasetPrefix, teamWorkload, WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/**
 * What a team's `platform-connection` Secret holds besides its Kafka and schema-registry logins: where the
 * services and its data are, and its MLflow login, read from Secrets Manager through the team's own store.
 */
export function teamConnection(
  { environment, props }: PlatformContext,
  { mlflow, featureStore }: { mlflow: Mlflow; featureStore: FeatureStore },
): (team: string) => Pick<KafkaClientTarget, 'settings' | 'secrets'> {
  return (team) => ({
    settings: {
      'mlflow.tracking.uri': mlflow.trackingUri,
      'mlflow.tracking.username': team,
      'feature.server.url': featureStore.url,
      'datasets.bucket': props.buckets.datasets,
      'datasets.prefix': `${teamDatasetPrefix(team)}/`,
      'aws.region': environment.aws.region,
    },
    secrets: {
      'mlflow.tracking.password': {
        key: props.teams[team].secretName,
        property: TEAM_MLFLOW_PASSWORD,
        store: { name: TEAM_SECRET_STORE, kind: 'SecretStore' },
      },
    },
  });
}

/**
 * Each team's namespace objects: its service account, bound to the team's IRSA role; its SecretStore; a ResourceQuota on what
 * the namespace may request in all; a LimitRange giving containers that set nothing the team's defaults.
 * Absent where no team is configured.
 */
export function addTeams(
  { scope, environment, props, namespace, placement, secretStore }: PlatformContext,
  { mlflow, kafka, schemaRegistry }: { mlflow: Mlflow; kafka: KafkaCluster; schemaRegistry: SchemaRegistry },
): { release: ManifestsRelease; mlflowUsers: MlflowUsers; airflowConnections: ManifestsRelease } | undefined {
  const teams = Object.entries(environment.platform.teams);
  if (teams.length === 0) return undefined;
  const manifests = teams.flatMap(([team, config]): KubernetesObject[] => {
    const { serviceAccounts } = teamWorkload(team);
    const metadata = (name: string) => ({ name, namespace: namespace(teamWorkload(team).namespace) });
    return [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { ...metadata(serviceAccounts[0]), annotations: irsaAnnotations(props.teams[team].roleArn) },
      },
      {
        // Secrets Manager as the team's own identity sees it: its own secret, nothing of the platform's.
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: metadata(TEAM_SECRET_STORE),
        spec: {
          provider: {
            aws: {
              service: 'SecretsManager',
              region: environment.aws.region,
              auth: { jwt: { serviceAccountRef: { name: serviceAccounts[0] } } },
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: metadata('team-quota'),
        spec: {
          hard: {
            'requests.cpu': config.quota.cpu,
            'requests.memory': config.quota.memory,
            'limits.memory': config.quota.memory,
            pods: String(config.quota.pods),
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: metadata('container-defaults'),
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: { cpu: config.containerDefaults.cpu, memory: config.containerDefaults.memory },
              default: { memory: config.containerDefaults.memory },
            },
          ],
        },
      },
    ];
  });
  const release = new ManifestsRelease(scope, 'Teams', {
    releaseName: 'teams',
    namespace: namespace('platform-system'),
    manifests,
    // The SecretStores are External Secrets' custom resources.
    dependsOn: [secretStore.ready],
  });
  // Each team signs in to MLflow as itself; it owns what it creates there.
  const mlflowUsers = new MlflowUsers(scope, 'MlflowUsers', {
    tracking: mlflow,
    users: Object.fromEntries(teams.map(([team]) => [team, { key: props.teams[team].secretName, property: TEAM_MLFLOW_PASSWORD }])),
    storeName: secretStore.name,
    placement: placement.general,
    dependsOn: [secretStore.ready],
  });
  const airflowConnections = new ManifestsRelease(scope, 'AirflowTeamConnections', {
    releaseName: 'airflow-team-connections',
    namespace: namespace(WORKLOADS.airflow.namespace),
    manifests: teams.map(([team]) =>
      teamConnections(team, {
        namespace: namespace(WORKLOADS.airflow.namespace),
        kafka,
        schemaRegistry,
        mlflow,
        mlflowPassword: {
          key: props.teams[team].secretName,
          property: TEAM_MLFLOW_PASSWORD,
          store: { name: secretStore.name, kind: 'ClusterSecretStore' },
        },
      }),
    ),
    dependsOn: [secretStore.ready],
  });
  return { release, mlflowUsers, airflowConnections };
}

/**
 * A team's Airflow connections, as the environment of every Airflow container: `<team>_kafka` (the Kafka
 * provider's: librdkafka settings, SASL_SSL with the team's SCRAM login and the cluster CA inline),
 * `<team>_schema_registry` and `<team>_mlflow` (HTTP with the team's logins). Copied through the Kafka
 * credentials store, the MLflow password through Secrets Manager's.
 */
function teamConnections(
  team: string,
  c: { namespace: string; kafka: KafkaCluster; schemaRegistry: SchemaRegistry; mlflow: Mlflow; mlflowPassword: SecretSource },
): KubernetesObject {
  const id = `AIRFLOW_CONN_${team.toUpperCase().replace(/-/g, '_')}`;
  const http = (endpoint: { service: string; namespace: string; port: number }, password: string) =>
    `{"conn_type": "http", "schema": "http", "host": "${endpoint.service}.${endpoint.namespace}.svc", "port": ${endpoint.port}, ` +
    `"login": "${team}", "password": {{ .${password} | toJson }}}`;
  return externalSecret({
    name: teamAirflowConnections(team),
    namespace: c.namespace,
    storeName: 'kafka-credentials',
    data: {
      kafkaPassword: { key: c.kafka.userSecretName(team), property: 'password' },
      ca: { key: c.kafka.clusterCaSecretName, property: 'ca.crt' },
      registryPassword: { key: c.schemaRegistry.loginSecretNames[team], property: 'password' },
      mlflowPassword: c.mlflowPassword,
    },
    template: {
      [`${id}_KAFKA`]:
        `{"conn_type": "kafka", "extra": {"bootstrap.servers": "${c.kafka.bootstrapServers}", "security.protocol": "SASL_SSL", ` +
        `"sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "${team}", "sasl.password": {{ .kafkaPassword | toJson }}, ` +
        `"ssl.ca.pem": {{ .ca | toJson }}}}`,
      [`${id}_SCHEMA_REGISTRY`]: http(c.schemaRegistry.endpoint, 'registryPassword'),
      [`${id}_MLFLOW`]: http(c.mlflow.endpoint, 'mlflowPassword'),
    },
  });
}
