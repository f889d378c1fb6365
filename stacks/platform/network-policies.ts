import { connectionFlows, type Connection, type Outbound } from '../../constructs/kubernetes/connections';
import { NetworkPolicies } from '../../constructs/kubernetes/network-policies';
import type { Airflow } from '../../constructs/platform/airflow';
import type { ExternalSecretsOperator } from '../../constructs/platform/external-secrets';
import type { FeatureStore } from '../../constructs/platform/feast';
import type { LoadBalancerController } from '../../constructs/platform/ingress';
import type { KafkaCluster, SchemaRegistry } from '../../constructs/platform/kafka';
import type { Mlflow } from '../../constructs/platform/mlflow';
import type { Observability } from '../../constructs/platform/observability';
import type { CertManager, KServe, ModelServing } from '../../constructs/platform/serving';
import type { SparkHistoryServer, SparkOperator } from '../../constructs/platform/spark';
import type { Endpoint } from '../../constructs/kubernetes/endpoint';
import { NAMESPACES, WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/** The components whose endpoints the flows connect. */
export interface ConnectedComponents {
  readonly externalSecrets: ExternalSecretsOperator;
  readonly airflow: Airflow;
  readonly mlflow: Mlflow;
  readonly featureStore: FeatureStore;
  readonly kafka: KafkaCluster;
  readonly schemaRegistry: SchemaRegistry;
  readonly sparkOperator: SparkOperator;
  readonly sparkHistory: SparkHistoryServer;
  readonly observability: Observability;
  readonly certManager: CertManager;
  readonly kserve: KServe;
  readonly modelServing: ModelServing;
  readonly loadBalancerController: LoadBalancerController;
  /** The teams' namespaces (plain names). */
  readonly teamNamespaces: string[];
  /** Each pipeline's team namespace, the predictor of its model (which its DAG creates) and its prediction logger. */
  readonly pipelines: { readonly namespace: string; readonly predictor: Endpoint; readonly logger: Endpoint }[];
  /** Where pipeline steps push their metrics; absent without pipelines. */
  readonly pushgateway?: Endpoint;
  /** Namespaces outside the catalogue with no flow of their own (the device plugin's), default-deny too. */
  readonly otherNamespaces: string[];
}

/**
 * Who connects to which component, from the components' own endpoints (their Services and pod ports), beyond
 * each namespace's own pods, DNS, HTTPS to the API server and the VPC, and scrapes from monitoring (the
 * baseline of {@link NetworkPolicies}). Webhooks are called by the EKS control plane from its own subnets, the
 * UIs and model servers by the load balancers from theirs; databases and the cache are outside the cluster,
 * in the VPC. A model server's port is opened only where a model is served: there is no endpoint otherwise.
 */
function platformConnections(c: ConnectedComponents, namespace: (name: string) => string): Connection[] {
  const models = [...Object.values(c.modelServing.predictors), ...c.pipelines.map((p) => p.predictor)];
  const pipelineClients = [namespace(WORKLOADS.airflow.namespace), namespace(WORKLOADS.sparkJobs.namespace)];
  return [
    ...[c.externalSecrets.webhook, c.sparkOperator.webhook, c.certManager.webhook, c.kserve.webhook, c.loadBalancerController.webhook]
      .concat(c.observability.operatorWebhook)
      .map((to) => ({ from: 'controlPlane' as const, to })),
    // The load balancer's IP targets, and the brokers behind the external listener's load balancers.
    ...[
      c.airflow.apiServer,
      c.mlflow.endpoint,
      c.observability.grafana,
      ...models,
      ...(c.kafka.externalListener ? [c.kafka.externalListener] : []),
    ].map((to) => ({ from: 'loadBalancers' as const, to })),
    // Airflow tasks and Spark jobs: Kafka, the schema registry, MLflow, the feature server and the models.
    ...pipelineClients.flatMap((from) =>
      [c.kafka.tlsListener, c.schemaRegistry.endpoint, c.mlflow.endpoint, c.featureStore.endpoint, ...models].map((to) => ({ from, to })),
    ),
    // A team's jobs: Kafka, the schema registry, MLflow and the feature server.
    ...c.teamNamespaces.flatMap((team) =>
      [c.kafka.tlsListener, c.schemaRegistry.endpoint, c.mlflow.endpoint, c.featureStore.endpoint].map((to) => ({
        from: namespace(team),
        to,
      })),
    ),
    // A pipeline's steps push their metrics and its smoke test calls its model; the model posts its request log
    // to the pipeline's prediction logger.
    ...c.pipelines.flatMap(({ namespace: team, predictor, logger }) => [
      ...(c.pushgateway ? [{ from: namespace(team), to: c.pushgateway }] : []),
      { from: namespace(team), to: predictor },
      { from: namespace(WORKLOADS.modelServing.namespace), to: logger },
    ]),
    // Online inference looks features up in the feature server (a KServe transformer or the model itself).
    { from: namespace(WORKLOADS.modelServing.namespace), to: c.featureStore.endpoint },
    // The Spark History Server's UI, which people reach over the VPC.
    { from: 'vpc', to: c.sparkHistory.ui },
  ];
}

/**
 * Connections out of the cluster: the metadata database and the cache in the VPC, Prometheus's scrapes of
 * the nodes, and HTTPS to the internet for the namespaces with a workload identity (teams' too), which exchange its token
 * at STS and call AWS's public endpoints (S3, Secrets Manager, EC2, Auto Scaling, ELB); that also covers
 * Airflow's git-sync and the Spark jobs' jar downloads. No other namespace may reach the internet.
 */
function platformOutbound({ props, namespace }: PlatformContext, teamNamespaces: string[]): Outbound[] {
  const database = (from: string): Outbound => ({ from: namespace(from), to: 'vpc', ports: [props.database.port] });
  return [
    database('platform-system'),
    database(WORKLOADS.airflow.namespace),
    database(WORKLOADS.mlflow.namespace),
    database(WORKLOADS.featureStore.namespace),
    { from: namespace(WORKLOADS.featureStore.namespace), to: 'vpc', ports: [props.cache.port] },
    // Prometheus scrapes kubelets on the nodes, each on its own port.
    { from: namespace('monitoring'), to: 'vpc', ports: 'any' },
    ...[...new Set([...Object.values(WORKLOADS).map((w) => w.namespace), ...teamNamespaces])].map((name) => ({
      from: namespace(name),
      to: 'anywhere' as const,
      ports: [443],
    })),
  ];
}

/** Default-deny network policies in every namespace the stack creates, admitting the platform's connections. */
export function addNetworkPolicies(context: PlatformContext, components: ConnectedComponents): NetworkPolicies {
  const { scope, props, namespace } = context;
  const flows = connectionFlows(platformConnections(components, namespace), platformOutbound(context, components.teamNamespaces));
  return new NetworkPolicies(scope, 'NetworkPolicies', {
    namespaces: Object.fromEntries(
      [...Object.keys(NAMESPACES), ...components.teamNamespaces, ...components.otherNamespaces].map((name) => [
        namespace(name),
        flows[namespace(name)] ?? {},
      ]),
    ),
    vpcCidr: props.vpcCidr,
    loadBalancerCidrs: props.loadBalancerCidrs,
    controlPlaneCidrs: props.controlPlaneCidrs,
    serviceCidr: props.cluster.serviceCidr,
    monitoringNamespace: 'monitoring',
    releaseNamespace: namespace('platform-system'),
  });
}
