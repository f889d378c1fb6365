import type { Construct } from 'constructs';
import { DatabaseBootstrap } from '../../constructs/platform/databases';
import { ExternalSecretsOperator } from '../../constructs/platform/external-secrets';
import type { EnvironmentConfig } from '../../src/config/schema';
import { WORKLOADS } from '../catalogue';
import type { PoolPlacements } from './context';
import type { PlatformStackProps } from './props';

/**
 * External Secrets, serving Secrets Manager to the namespaces with an ExternalSecret, and the database
 * bootstrap that gives each metadata consumer its database and login.
 */
export function addSecretsAndDatabases(
  scope: Construct,
  environment: EnvironmentConfig,
  props: PlatformStackProps,
  placement: PoolPlacements,
  namespace: (name: string) => string,
) {
  const externalSecrets = new ExternalSecretsOperator(scope, 'ExternalSecrets', {
    namespace: namespace(WORKLOADS.externalSecrets.namespace),
    values: props.values('external-secrets'),
    roleArn: props.roles.externalSecrets,
    region: environment.aws.region,
    placement: placement.general,
    highlyAvailable: environment.production,
    // Every namespace with an ExternalSecret on the store (the render tests hold the list to them).
    storeNamespaces: [
      namespace('platform-system'),
      namespace(WORKLOADS.airflow.namespace),
      namespace(WORKLOADS.mlflow.namespace),
      namespace(WORKLOADS.featureStore.namespace),
      namespace('monitoring'),
      // The schema registry's password file and logins.
      namespace('kafka'),
      // With OIDC, the load balancer's client secret is copied into every routed namespace.
      ...(environment.platform.ingress.oidc ? [namespace(WORKLOADS.modelServing.namespace)] : []),
    ],
  });

  const databases = new DatabaseBootstrap(scope, 'Databases', {
    namespace: namespace('platform-system'),
    storeName: externalSecrets.storeName,
    host: props.database.address,
    port: props.database.port,
    masterSecretArn: props.database.masterSecretArn,
    logins: {
      airflow: { database: 'airflow', secretName: props.secrets.airflowDatabase },
      mlflow: { database: 'mlflow', secretName: props.secrets.mlflowDatabase },
      // MLflow's users and permissions live in a database of their own, owned by the same login.
      'mlflow-auth': { database: 'mlflow_auth', secretName: props.secrets.mlflowDatabase },
      feast: { database: 'feast_registry', secretName: props.secrets.feastDatabase },
    },
    placement: placement.general,
    dependsOn: [externalSecrets.ready],
  });
  return { externalSecrets, databases };
}
