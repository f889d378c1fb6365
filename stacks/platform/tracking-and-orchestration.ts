import type { ITerraformDependable } from 'cdktf';
import { Airflow } from '../../constructs/platform/airflow';
import { FeatureStore } from '../../constructs/platform/feast';
import { Mlflow } from '../../constructs/platform/mlflow';
import { teamAirflowConnections, teamWorkload, WORKLOADS } from '../catalogue';
import { BUCKET_PREFIXES } from '../data-stack';
import type { PlatformContext } from './context';
import { pipelineSettings, PIPELINES_VARIABLE } from './pipelines';

/** MLflow (tracking and registry), the Feast feature store and Airflow, each on its database of the metadata instance. */
export function addTrackingAndOrchestration(context: PlatformContext, databasesReady: ITerraformDependable) {
  const { scope, environment, props, placement, namespace, secretStore, host } = context;
  const { aws, production } = environment;
  const mlflow = new Mlflow(scope, 'Mlflow', {
    namespace: namespace(WORKLOADS.mlflow.namespace),
    values: props.values('mlflow'),
    databaseHost: props.database.address,
    databasePort: props.database.port,
    databaseSecretName: props.secrets.mlflowDatabase,
    authSecretName: props.secrets.mlflowAuth,
    storeName: secretStore.name,
    artifactsBucket: props.buckets.artifacts,
    artifactsPrefix: BUCKET_PREFIXES.mlflowArtifacts,
    region: aws.region,
    roleArn: props.roles.mlflow,
    serviceAccountName: WORKLOADS.mlflow.serviceAccounts[0],
    placement: placement.general,
    externalHosts: [host('mlflow')],
    highlyAvailable: production,
    // In production a user sees only what was granted to them.
    defaultPermission: production ? 'NO_PERMISSIONS' : undefined,
    replicas: environment.platform.mlflow.replicas,
    dependsOn: [databasesReady],
  });

  const { airflow, featureStore } = environment.platform;
  const feast = new FeatureStore(scope, 'FeatureStore', {
    namespace: namespace(WORKLOADS.featureStore.namespace),
    project: featureStore.project,
    databaseHost: props.database.address,
    databasePort: props.database.port,
    databaseSecretName: props.secrets.feastDatabase,
    cacheHost: props.cache.address,
    cachePort: props.cache.port,
    cacheAuthSecretName: props.cache.authSecretArn,
    storeName: secretStore.name,
    datasetsBucket: props.buckets.datasets,
    datasetsPrefix: BUCKET_PREFIXES.feast,
    region: aws.region,
    roleArn: props.roles.featureStore,
    serviceAccountName: WORKLOADS.featureStore.serviceAccounts[0],
    placement: placement.general,
    highlyAvailable: production,
    replicas: featureStore.replicas,
    materializeSchedule: featureStore.materializeSchedule,
    dependsOn: [databasesReady],
  });

  const orchestrator = new Airflow(scope, 'Airflow', {
    namespace: namespace(WORKLOADS.airflow.namespace),
    values: props.values('airflow'),
    databaseHost: props.database.address,
    databasePort: props.database.port,
    databaseSecretName: props.secrets.airflowDatabase,
    keysSecretName: props.secrets.airflowKeys,
    storeName: secretStore.name,
    logsBucket: props.buckets.logs,
    logsPrefix: BUCKET_PREFIXES.airflowLogs,
    region: aws.region,
    roleArn: props.roles.airflow,
    // By default the DAGs of this project's own repository (its `dags/` folder), on the configured branch.
    dags: { ...airflow.dags, repository: airflow.dags.repository ?? `https://github.com/${environment.delivery.githubRepository}.git` },
    sparkNamespace: namespace(WORKLOADS.sparkJobs.namespace),
    // Each team's connections (Kafka, schema registry, MLflow), by id, for its DAGs.
    connectionSecrets: Object.keys(environment.platform.teams).map(teamAirflowConnections),
    // Tasks serve models and roll them to a new version, run the feature store's jobs, and submit teams' Spark jobs.
    taskAccess: {
      [namespace(WORKLOADS.modelServing.namespace)]: 'models',
      [namespace(WORKLOADS.featureStore.namespace)]: 'jobs',
      ...Object.fromEntries(
        Object.keys(environment.platform.teams).map((team) => [namespace(teamWorkload(team).namespace), 'spark'] as const),
      ),
    },
    // The pipelines' DAGs read their settings from one Variable.
    variables:
      Object.keys(environment.platform.pipelines).length > 0
        ? { [PIPELINES_VARIABLE]: JSON.stringify(pipelineSettings(context)) }
        : undefined,
    placement: placement.general,
    highlyAvailable: production,
    replicas: airflow.replicas,
    dependsOn: [databasesReady],
  });
  return { mlflow, featureStore: feast, airflow: orchestrator };
}
