import type { Construct } from 'constructs';
import { EncryptedStorageClass } from '../constructs/kubernetes/encrypted-storage-class';
import type { NetworkPolicies } from '../constructs/kubernetes/network-policies';
import type { PlatformNamespace } from '../constructs/kubernetes/platform-namespace';
import type { Airflow } from '../constructs/platform/airflow';
import type { ClusterAutoscaler } from '../constructs/platform/cluster-autoscaler';
import type { DatabaseBootstrap } from '../constructs/platform/databases';
import type { ExternalSecretsOperator } from '../constructs/platform/external-secrets';
import type { FeatureStore } from '../constructs/platform/feast';
import type { LoadBalancerController, PlatformIngress } from '../constructs/platform/ingress';
import type { KafkaCluster, SchemaRegistry } from '../constructs/platform/kafka';
import type { Mlflow } from '../constructs/platform/mlflow';
import type { Observability } from '../constructs/platform/observability';
import type { CertManager, ExampleModel, KServe, ModelServing } from '../constructs/platform/serving';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';
import { addClusterAccess, addClusterAutoscaler, addNamespaces, poolPlacements } from './platform/cluster-services';
import { addGpuSupport, GPU_NAMESPACE } from './platform/gpu';
import type { NvidiaDevicePlugin } from '../constructs/platform/gpu';
import type { PlatformContext, PoolPlacements } from './platform/context';
import { addIngress } from './platform/ingress';
import { addNetworkPolicies } from './platform/network-policies';
import { addContainerLogs, addObservability } from './platform/observability';
import type { ContainerLogs } from '../constructs/platform/logging';
import { addPipelines, pipelineEndpoints } from './platform/pipelines';
import type { PlatformStackProps } from './platform/props';
import { addSecretsAndDatabases } from './platform/secrets-and-databases';
import { addServing } from './platform/serving';
import { addSpark } from './platform/spark';
import { addStreaming } from './platform/streaming';
import { addTeams, teamConnection } from './platform/teams';
import { addTrackingAndOrchestration } from './platform/tracking-and-orchestration';
import { teamWorkload } from './catalogue';

export type { PlatformStackProps, ValuesSource } from './platform/props';

/**
 * The in-cluster layer: Helm releases of the operators and platform services, wired to the foundation's
 * endpoints, buckets, identities and secrets. Custom resources ride in releases of the project's
 * `manifests` chart that depend on their operator's release, so one deploy brings up a fresh environment.
 * Each area is composed in its module of `stacks/platform/`; this constructor is the list of what is installed.
 */
export class PlatformStack extends BaseStack {
  /** Where pods go, by node pool. */
  readonly placement: PoolPlacements;
  readonly namespaces: Record<string, PlatformNamespace>;
  readonly storageClass: EncryptedStorageClass;
  readonly externalSecrets: ExternalSecretsOperator;
  readonly databases: DatabaseBootstrap;
  readonly mlflow: Mlflow;
  readonly featureStore: FeatureStore;
  readonly airflow: Airflow;
  readonly kafka: KafkaCluster;
  readonly schemaRegistry: SchemaRegistry;
  readonly spark: ReturnType<typeof addSpark>;
  readonly observability: Observability;
  readonly certManager: CertManager;
  readonly kserve: KServe;
  readonly modelServing: ModelServing;
  /** Present when `platform.serving.publishExampleModel` is on. */
  readonly exampleModel?: ExampleModel;
  readonly loadBalancerController: LoadBalancerController;
  readonly ingress: PlatformIngress;
  readonly clusterAutoscaler: ClusterAutoscaler;
  /** The NVIDIA device plugin on the GPU pools; absent without one. */
  readonly devicePlugin?: NvidiaDevicePlugin;
  readonly networkPolicies: NetworkPolicies;
  /** The teams' service accounts, secret stores, quotas and container defaults, and their MLflow users; absent without teams. */
  readonly teams?: ReturnType<typeof addTeams>;
  /** Fluent Bit on every node, shipping container logs to CloudWatch. */
  readonly containerLogs: ContainerLogs;
  /** The pipelines' Pushgateway, event generators and model disruption budgets; absent without pipelines. */
  readonly pipelines?: ReturnType<typeof addPipelines>;

  constructor(scope: Construct, environment: EnvironmentConfig, props: PlatformStackProps) {
    super(scope, 'platform', environment);
    addClusterAccess(this, environment, props);
    this.placement = poolPlacements(environment);
    this.namespaces = addNamespaces(this, environment);
    const namespace = (name: string) => this.namespaces[name].name;
    this.storageClass = new EncryptedStorageClass(this, 'StorageClass', {
      kmsKeyArn: props.volumeKeyArn,
      retainVolumes: environment.production,
    });
    ({ externalSecrets: this.externalSecrets, databases: this.databases } = addSecretsAndDatabases(
      this,
      environment,
      props,
      this.placement,
      namespace,
    ));

    const { ingress } = environment.platform;
    const context: PlatformContext = {
      scope: this,
      environment,
      props,
      placement: this.placement,
      namespace,
      secretStore: { name: this.externalSecrets.storeName, ready: this.externalSecrets.ready },
      host: (ui) => ingress.hosts[ui] ?? `${ui}.${environment.name}.mlops.internal`,
    };
    ({
      mlflow: this.mlflow,
      featureStore: this.featureStore,
      airflow: this.airflow,
    } = addTrackingAndOrchestration(context, this.databases.ready));
    ({ kafka: this.kafka, schemaRegistry: this.schemaRegistry } = addStreaming(
      context,
      this.storageClass.name,
      teamConnection(context, { mlflow: this.mlflow, featureStore: this.featureStore }),
    ));
    this.teams = addTeams(context, { mlflow: this.mlflow, kafka: this.kafka, schemaRegistry: this.schemaRegistry });
    this.spark = addSpark(context);
    this.observability = addObservability(context, this.storageClass.name, {
      kafka: this.kafka,
      schemaRegistry: this.schemaRegistry,
      airflow: this.airflow,
      mlflow: this.mlflow,
      sparkOperator: this.spark.operator,
    });
    this.containerLogs = addContainerLogs(context, this.observability);
    this.pipelines = addPipelines(context, this.observability);
    const serving = addServing(context, this.mlflow);
    ({ certManager: this.certManager, kserve: this.kserve, exampleModel: this.exampleModel, modelServing: this.modelServing } = serving);
    ({ loadBalancerController: this.loadBalancerController, ingress: this.ingress } = addIngress(context, {
      airflow: this.airflow,
      mlflow: this.mlflow,
      observability: this.observability,
      modelServing: this.modelServing,
    }));
    this.clusterAutoscaler = addClusterAutoscaler(context);
    this.devicePlugin = addGpuSupport(context);
    this.networkPolicies = addNetworkPolicies(context, {
      externalSecrets: this.externalSecrets,
      airflow: this.airflow,
      mlflow: this.mlflow,
      featureStore: this.featureStore,
      kafka: this.kafka,
      schemaRegistry: this.schemaRegistry,
      sparkOperator: this.spark.operator,
      sparkHistory: this.spark.historyServer,
      observability: this.observability,
      certManager: this.certManager,
      kserve: this.kserve,
      modelServing: this.modelServing,
      loadBalancerController: this.loadBalancerController,
      teamNamespaces: Object.keys(environment.platform.teams).map((team) => teamWorkload(team).namespace),
      pipelines: pipelineEndpoints(context),
      pushgateway: this.pipelines?.pushgateway.endpoint,
      otherNamespaces: this.devicePlugin ? [GPU_NAMESPACE] : [],
    });
  }
}
