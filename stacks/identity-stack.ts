import type { Construct } from 'constructs';
import type { IOidcCluster } from '../constructs/cluster/eks-cluster';
import { awsContext } from '../constructs/aws-context';
import { WorkloadIdentity } from '../constructs/cluster/workload-identity';
import { loadBalancerControllerPolicy } from '../constructs/iam/load-balancer-controller-policy';
import { clusterAutoscalerPolicy } from '../constructs/platform/cluster-autoscaler';
import type { IFeatureCache } from '../constructs/data/feature-cache';
import type { IMetadataDatabase } from '../constructs/data/metadata-database';
import { GeneratedSecret, type GeneratedSecretProps } from '../constructs/secrets/generated-secret';
import { KmsKey } from '../constructs/security/kms-key';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';
import { BUCKET_PREFIXES, type PlatformBuckets } from './data-stack';

/** Namespaces and service accounts the identities trust: the platform stack installs workloads there. */
export const WORKLOADS = {
  externalSecrets: { namespace: 'external-secrets', serviceAccounts: ['external-secrets'] },
  airflow: {
    namespace: 'airflow',
    serviceAccounts: ['airflow-worker', 'airflow-scheduler', 'airflow-api-server', 'airflow-triggerer', 'airflow-dag-processor'],
  },
  mlflow: { namespace: 'mlflow', serviceAccounts: ['mlflow'] },
  sparkJobs: { namespace: 'spark-jobs', serviceAccounts: ['spark'] },
  sparkHistory: { namespace: 'spark-jobs', serviceAccounts: ['spark-history'] },
  featureStore: { namespace: 'feature-store', serviceAccounts: ['feast'] },
  modelServing: { namespace: 'model-serving', serviceAccounts: ['model-serving'] },
  loadBalancerController: { namespace: 'aws-load-balancer-controller', serviceAccounts: ['aws-load-balancer-controller'] },
  clusterAutoscaler: { namespace: 'cluster-autoscaler', serviceAccounts: ['cluster-autoscaler'] },
} as const;

/**
 * The applications that use Kafka and the schema registry, by the workload whose namespace they run in:
 * each gets a Kafka user and a schema-registry login of its name.
 */
export const KAFKA_CLIENTS = { spark: 'sparkJobs', airflow: 'airflow' } as const satisfies Record<string, keyof typeof WORKLOADS>;

/** The schema registry's logins: its administrator, then one per Kafka client. */
export const SCHEMA_REGISTRY_LOGINS = ['admin', ...Object.keys(KAFKA_CLIENTS)];

/** What the identity stack needs from the stacks below it. */
export interface IdentityStackProps {
  readonly cluster: IOidcCluster;
  readonly buckets: PlatformBuckets;
  readonly database: IMetadataDatabase;
  readonly cache: IFeatureCache;
}

/**
 * The AWS side of the in-cluster layer: one least-privilege IRSA identity per workload and the secrets the
 * workloads need, generated without ever entering Terraform state. Only the AWS provider, so it is
 * validated and planned offline like the foundation; the Helm layer reads its outputs.
 */
export class IdentityStack extends BaseStack {
  readonly identities: {
    readonly externalSecrets: WorkloadIdentity;
    readonly airflow: WorkloadIdentity;
    readonly mlflow: WorkloadIdentity;
    readonly sparkJobs: WorkloadIdentity;
    readonly sparkHistory: WorkloadIdentity;
    readonly featureStore: WorkloadIdentity;
    readonly modelServing: WorkloadIdentity;
    readonly loadBalancerController: WorkloadIdentity;
    readonly clusterAutoscaler: WorkloadIdentity;
  };
  readonly secrets: {
    /** `username`, `password` of the airflow login. */
    readonly airflowDatabase: GeneratedSecret;
    /** `fernet_key`, `api_secret_key`, `jwt_secret`, `webserver_secret_key`, `admin_password`. */
    readonly airflowKeys: GeneratedSecret;
    /** `username`, `password` of the mlflow login. */
    readonly mlflowDatabase: GeneratedSecret;
    /** `admin_username`, `admin_password`, `flask_secret_key`. */
    readonly mlflowAuth: GeneratedSecret;
    /** `username`, `password` of the Feast registry's login. */
    readonly feastDatabase: GeneratedSecret;
    /** `admin_user`, `admin_password` of Grafana. */
    readonly grafanaAdmin: GeneratedSecret;
    /** The password of each of {@link SCHEMA_REGISTRY_LOGINS}, keyed by login. */
    readonly schemaRegistryLogins: GeneratedSecret;
  };

  constructor(scope: Construct, environment: EnvironmentConfig, props: IdentityStackProps) {
    super(scope, 'identity', environment);
    const identity = (id: string, workload: { namespace: string; serviceAccounts: readonly string[] }, roleSuffix: string) =>
      new WorkloadIdentity(this, id, {
        cluster: props.cluster,
        namespace: workload.namespace,
        serviceAccounts: [...workload.serviceAccounts],
        roleName: `${this.prefix}-${roleSuffix}`,
      });
    this.identities = {
      externalSecrets: identity('ExternalSecretsIdentity', WORKLOADS.externalSecrets, 'external-secrets'),
      airflow: identity('AirflowIdentity', WORKLOADS.airflow, 'airflow'),
      mlflow: identity('MlflowIdentity', WORKLOADS.mlflow, 'mlflow'),
      sparkJobs: identity('SparkJobsIdentity', WORKLOADS.sparkJobs, 'spark-jobs'),
      sparkHistory: identity('SparkHistoryIdentity', WORKLOADS.sparkHistory, 'spark-history'),
      featureStore: identity('FeatureStoreIdentity', WORKLOADS.featureStore, 'feature-store'),
      modelServing: identity('ModelServingIdentity', WORKLOADS.modelServing, 'model-serving'),
      loadBalancerController: identity('LoadBalancerControllerIdentity', WORKLOADS.loadBalancerController, 'load-balancer-controller'),
      clusterAutoscaler: identity('ClusterAutoscalerIdentity', WORKLOADS.clusterAutoscaler, 'cluster-autoscaler'),
    };

    const key = new KmsKey(this, 'SecretsKey', {
      alias: `${this.prefix}-platform-secrets`,
      description: `Encrypts the platform secrets of ${this.prefix}`,
    });
    const recoveryWindowDays = environment.production ? 30 : 7;
    const secret = (id: string, name: string, description: string, fields: Pick<GeneratedSecretProps, 'generated' | 'fixed'>) =>
      new GeneratedSecret(this, id, { secretName: `${this.prefix}/${name}`, description, kmsKey: key, recoveryWindowDays, ...fields });
    this.secrets = {
      airflowDatabase: secret('AirflowDatabaseSecret', 'airflow/database', 'Login of Airflow on the metadata database', {
        generated: { password: {} },
        fixed: { username: 'airflow' },
      }),
      airflowKeys: secret('AirflowKeysSecret', 'airflow/keys', 'Airflow Fernet key, signing secrets and admin password', {
        // A Fernet key is 32 bytes in URL-safe base64: 43 characters and one '='.
        generated: {
          fernet_key: { length: 43, suffix: '=' },
          api_secret_key: {},
          jwt_secret: { length: 64 },
          webserver_secret_key: {},
          admin_password: {},
        },
      }),
      mlflowDatabase: secret('MlflowDatabaseSecret', 'mlflow/database', 'Login of MLflow on the metadata database', {
        generated: { password: {} },
        fixed: { username: 'mlflow' },
      }),
      mlflowAuth: secret('MlflowAuthSecret', 'mlflow/auth', 'MLflow admin login and session signing key', {
        generated: { admin_password: {}, flask_secret_key: { length: 64 } },
        fixed: { admin_username: 'admin' },
      }),
      feastDatabase: secret('FeastDatabaseSecret', 'feast/database', 'Login of the Feast registry on the metadata database', {
        generated: { password: {} },
        fixed: { username: 'feast' },
      }),
      grafanaAdmin: secret('GrafanaAdminSecret', 'grafana/admin', 'Grafana admin login', {
        generated: { admin_password: {} },
        fixed: { admin_user: 'admin' },
      }),
      schemaRegistryLogins: secret('SchemaRegistryLoginsSecret', 'schema-registry/logins', 'Schema registry logins', {
        generated: Object.fromEntries(SCHEMA_REGISTRY_LOGINS.map((login) => [login, {}])),
      }),
    };

    this.grant(props);
  }

  /** Least privilege: each identity gets exactly the buckets, prefixes and secrets its workload uses. */
  private grant(props: IdentityStackProps): void {
    const { externalSecrets, airflow, mlflow, sparkJobs, sparkHistory, featureStore, modelServing } = this.identities;
    const { artifacts, datasets, logs } = props.buckets;

    logs.grantReadWrite(airflow, BUCKET_PREFIXES.airflowLogs);
    artifacts.grantReadWrite(mlflow, BUCKET_PREFIXES.mlflowArtifacts);
    datasets.grantReadWrite(sparkJobs);
    logs.grantReadWrite(sparkJobs, BUCKET_PREFIXES.sparkEvents);
    // Read-write: the history server's cleaner deletes event logs past their retention.
    logs.grantReadWrite(sparkHistory, BUCKET_PREFIXES.sparkEvents);
    datasets.grantReadWrite(featureStore, BUCKET_PREFIXES.feast);
    // Served models are read from MLflow's artifacts, never written.
    artifacts.grantRead(modelServing, BUCKET_PREFIXES.mlflowArtifacts);
    // The upstream policy, with its wildcard resources scoped to ARN patterns (see the policy's file).
    this.identities.loadBalancerController.addToPolicy('LoadBalancerController', loadBalancerControllerPolicy(awsContext(this).partition));
    this.identities.clusterAutoscaler.addToPolicy(
      'ClusterAutoscaler',
      clusterAutoscalerPolicy(props.cluster.clusterName, awsContext(this).partition),
    );

    for (const [id, secret] of Object.entries(this.secrets))
      secret.grantRead(externalSecrets, `Read${id.charAt(0).toUpperCase()}${id.slice(1)}`);
    externalSecrets.addToPolicy('ReadDatabaseMasterSecret', [
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [props.database.masterSecretArn] },
      { actions: ['kms:Decrypt'], resources: [props.database.masterSecretKeyArn] },
    ]);
    externalSecrets.addToPolicy('ReadCacheAuthSecret', [
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [props.cache.authSecretArn] },
      { actions: ['kms:Decrypt'], resources: [props.cache.authSecretKeyArn] },
    ]);
  }
}
