import type { Construct } from 'constructs';
import type { IOidcCluster } from '../constructs/cluster/eks-cluster';
import { awsContext } from '../constructs/aws-context';
import { WorkloadIdentity } from '../constructs/cluster/workload-identity';
import { loadBalancerControllerPolicy } from '../constructs/iam/load-balancer-controller-policy';
import { clusterAutoscalerPolicy } from '../constructs/iam/cluster-autoscaler-policy';
import type { IFeatureCache } from '../constructs/data/feature-cache';
import type { IMetadataDatabase } from '../constructs/data/metadata-database';
import { GeneratedSecret } from '../constructs/secrets/generated-secret';
import { KmsKey } from '../constructs/security/kms-key';
import { receiverSecretNames } from '../constructs/platform/observability/alerting';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';
import { BUCKET_PREFIXES, type PlatformBuckets } from './data-stack';
import {
  kebabCase,
  mapRecord,
  pascalCase,
  SECRETS,
  TEAM_MLFLOW_PASSWORD,
  TEAM_REGISTRY_PASSWORD,
  pipelineDatasetPrefix,
  teamDatasetPrefix,
  teamWorkload,
  WORKLOADS,
  type SecretEntry,
  type SecretName,
  type WorkloadEntry,
  type WorkloadName,
} from './catalogue';

/** What the identity stack needs from the stacks below it. */
export interface IdentityStackProps {
  readonly cluster: IOidcCluster;
  /** ARN of the log group Fluent Bit ships every container's log to. */
  readonly containerLogGroupArn: string;
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
  /** One IRSA identity per workload of the catalogue. */
  readonly identities: Record<WorkloadName, WorkloadIdentity>;
  /** The catalogue's generated secrets. */
  readonly secrets: Record<SecretName, GeneratedSecret>;
  /**
   * Per team of `platform.teams`: its IRSA identity (`<prefix>-team-<name>`, trusted by the team's service
   * account) and its generated secret (`<prefix>/teams/<name>`: the team's schema-registry password).
   */
  readonly teams: Record<string, { readonly identity: WorkloadIdentity; readonly secret: GeneratedSecret }>;
  /**
   * Per producer of `platform.kafka.producers`: its Kafka login (`username`, `password`), generated into
   * `<prefix>/producers/<name>`, where clients outside Kubernetes read it with their own IAM identity.
   */
  readonly producers: Record<string, GeneratedSecret>;

  constructor(scope: Construct, environment: EnvironmentConfig, props: IdentityStackProps) {
    super(scope, 'identity', environment);
    this.identities = mapRecord(
      WORKLOADS,
      (workload: WorkloadEntry, name) =>
        new WorkloadIdentity(this, `${pascalCase(name)}Identity`, {
          cluster: props.cluster,
          namespace: workload.namespace,
          serviceAccounts: [...workload.serviceAccounts],
          roleName: `${this.prefix}-${kebabCase(name)}`,
        }),
    );

    const key = new KmsKey(this, 'SecretsKey', {
      alias: `${this.prefix}-platform-secrets`,
      description: `Encrypts the platform secrets of ${this.prefix}`,
    });
    const recoveryWindowDays = environment.production ? 30 : 7;
    this.secrets = mapRecord(
      SECRETS,
      ({ path, description, generated, fixed }: SecretEntry, name) =>
        new GeneratedSecret(this, `${pascalCase(name)}Secret`, {
          secretName: `${this.prefix}/${path}`,
          description,
          kmsKey: key,
          recoveryWindowDays,
          generated,
          fixed,
        }),
    );

    this.teams = Object.fromEntries(
      Object.keys(environment.platform.teams).map((team) => {
        const workload = teamWorkload(team);
        const identity = new WorkloadIdentity(this, `TeamIdentity-${team}`, {
          cluster: props.cluster,
          namespace: workload.namespace,
          serviceAccounts: [...workload.serviceAccounts],
          roleName: `${this.prefix}-team-${team}`,
        });
        const secret = new GeneratedSecret(this, `TeamSecret-${team}`, {
          secretName: `${this.prefix}/teams/${team}`,
          description: `Logins of team ${team}`,
          kmsKey: key,
          recoveryWindowDays,
          generated: { [TEAM_REGISTRY_PASSWORD]: {}, [TEAM_MLFLOW_PASSWORD]: {} },
        });
        return [team, { identity, secret }];
      }),
    );

    this.producers = Object.fromEntries(
      Object.keys(environment.platform.kafka.producers).map((producer) => [
        producer,
        new GeneratedSecret(this, `ProducerSecret-${producer}`, {
          secretName: `${this.prefix}/producers/${producer}`,
          description: `Kafka login of producer ${producer}, for clients outside the cluster`,
          kmsKey: key,
          recoveryWindowDays,
          generated: { password: {} },
          fixed: { username: producer },
        }),
      ]),
    );

    this.grant(props);
    this.grantTeams(props, environment);
    // Secrets the operator keeps in Secrets Manager: a private DAG repository's credentials, the alert receivers'.
    const { accountId, partition, region } = awsContext(this);
    const arnOf = (nameOrArn: string) =>
      nameOrArn.startsWith('arn:') ? nameOrArn : `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${nameOrArn}-??????`;
    const operatorSecrets = [
      ...(environment.platform.airflow.dags.credentialsSecretsManager ? [environment.platform.airflow.dags.credentialsSecretsManager] : []),
      ...(environment.platform.observability.alerting ? receiverSecretNames(environment.platform.observability.alerting) : []),
    ];
    if (operatorSecrets.length > 0) {
      this.identities.externalSecrets.addToPolicy('ReadOperatorSecrets', [
        {
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [...new Set(operatorSecrets)].map(arnOf),
        },
      ]);
    }
    for (const [producer, secret] of Object.entries(this.producers)) {
      secret.grantRead(this.identities.externalSecrets, `ReadProducerSecret-${producer}`);
    }
  }

  /**
   * A team reads and writes its own datasets and reads the prefixes it names; External Secrets reads its secret.
   * The feature store materializes its pipelines' features, so it reads them.
   */
  private grantTeams(props: IdentityStackProps, environment: EnvironmentConfig): void {
    for (const [team, { identity, secret }] of Object.entries(this.teams)) {
      props.buckets.datasets.grantReadWrite(identity, teamDatasetPrefix(team));
      for (const prefix of environment.platform.teams[team].readPrefixes) props.buckets.datasets.grantRead(identity, prefix);
      // Its Spark jobs write their event logs where the history server reads them (S3A renames, so read too).
      props.buckets.logs.grantReadWrite(identity, BUCKET_PREFIXES.sparkEvents);
      secret.grantRead(this.identities.externalSecrets, `ReadTeamSecret-${team}`);
      // The team's own SecretStore reads its logins with the team's identity, and nothing else.
      secret.grantRead(identity, 'ReadOwnSecret');
    }
    for (const [name, { team }] of Object.entries(environment.platform.pipelines)) {
      props.buckets.datasets.grantRead(this.identities.featureStore, `${pipelineDatasetPrefix(team, name)}/features`);
    }
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
    // Fluent Bit writes streams of the one log group; the group itself, its retention and key are Terraform's.
    this.identities.containerLogs.addToPolicy('ShipContainerLogs', [
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [props.containerLogGroupArn, `${props.containerLogGroupArn}:*`],
      },
    ]);
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
