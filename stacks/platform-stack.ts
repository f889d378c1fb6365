import type { Construct } from 'constructs';
import { ecrRegistryHost, type CacheableRegistry } from '../constructs/images/cacheable-registries';
import { ImageMirror } from '../constructs/images/image-mirror';
import type { IEksCluster } from '../constructs/cluster/eks-cluster';
import { poolPlacement, poolTaints } from '../constructs/cluster/node-pool';
import type { HelmValues } from '../constructs/helm/values';
import { ClusterProviders } from '../constructs/kubernetes/cluster-providers';
import { EncryptedStorageClass } from '../constructs/kubernetes/encrypted-storage-class';
import { NetworkPolicies, type NamespaceFlows } from '../constructs/kubernetes/network-policies';
import type { Placement } from '../constructs/kubernetes/objects';
import { PlatformNamespace, type PodSecurityLevel } from '../constructs/kubernetes/platform-namespace';
import { Airflow } from '../constructs/platform/airflow';
import { ClusterAutoscaler } from '../constructs/platform/cluster-autoscaler';
import { DatabaseBootstrap } from '../constructs/platform/database-bootstrap';
import { ExternalSecretsOperator } from '../constructs/platform/external-secrets-operator';
import { KafkaClientCredentials, KafkaCluster, SchemaRegistry, StrimziOperator } from '../constructs/platform/kafka';
import { FeatureStore } from '../constructs/platform/feast';
import { Mlflow } from '../constructs/platform/mlflow';
import { LoadBalancerController, PlatformIngress } from '../constructs/platform/ingress';
import { Observability } from '../constructs/platform/observability';
import { CertManager, ExampleModel, KServe, ModelServing } from '../constructs/platform/serving';
import {
  SPARK_METRICS_LABELS,
  SPARK_METRICS_PATHS,
  SparkApplications,
  SparkHistoryServer,
  SparkOperator,
} from '../constructs/platform/spark';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';
import { BUCKET_PREFIXES } from './data-stack';
import { KAFKA_CLIENTS, SCHEMA_REGISTRY_LOGINS, WORKLOADS } from './identity-stack';

/** The values files of one chart for this environment. */
export type ValuesSource = (chart: string) => { readonly file?: HelmValues; readonly environment?: HelmValues };

/** What the platform stack needs from the stacks below it: names, endpoints and ARNs only. */
export interface PlatformStackProps {
  readonly cluster: Pick<IEksCluster, 'clusterName' | 'endpoint' | 'certificateAuthorityData' | 'serviceCidr'>;
  /** KMS key of the cluster's EBS volumes (the EBS CSI driver's identity may use it). */
  readonly volumeKeyArn: string;
  readonly buckets: { readonly artifacts: string; readonly datasets: string; readonly logs: string };
  readonly database: { readonly address: string; readonly port: number; readonly masterSecretArn: string };
  /** The online feature cache: endpoint, port and the secret holding its AUTH token (`auth_token`). */
  readonly cache: { readonly address: string; readonly port: number; readonly authSecretArn: string };
  /** IRSA role ARNs, by workload. */
  readonly roles: {
    readonly externalSecrets: string;
    readonly airflow: string;
    readonly mlflow: string;
    readonly sparkJobs: string;
    readonly sparkHistory: string;
    readonly featureStore: string;
    readonly modelServing: string;
    readonly loadBalancerController: string;
    readonly clusterAutoscaler: string;
  };
  /** Secrets Manager secret names, by purpose. */
  readonly secrets: {
    readonly airflowDatabase: string;
    readonly airflowKeys: string;
    readonly mlflowDatabase: string;
    readonly mlflowAuth: string;
    readonly feastDatabase: string;
    readonly grafanaAdmin: string;
    /** A password per login of `SCHEMA_REGISTRY_LOGINS`. */
    readonly schemaRegistryLogins: string;
  };
  readonly values: ValuesSource;
  /** The VPC's range: the databases, the cache and the nodes' kubelets (scraped by Prometheus) are in it. */
  readonly vpcCidr: string;
  /** The load balancers' subnets (the public ones): they reach the UIs' and model servers' pods from there. */
  readonly loadBalancerCidrs: string[];
  /** The control plane's subnets: it calls the admission webhooks from there. */
  readonly controlPlaneCidrs: string[];
  readonly vpcId: string;
}

/** Namespaces of the platform, with the Pod Security level each enforces. */
const NAMESPACES: Record<string, PodSecurityLevel> = {
  [WORKLOADS.externalSecrets.namespace]: 'restricted',
  'platform-system': 'restricted',
  kafka: 'restricted',
  [WORKLOADS.airflow.namespace]: 'restricted',
  [WORKLOADS.mlflow.namespace]: 'restricted',
  'spark-operator': 'restricted',
  [WORKLOADS.featureStore.namespace]: 'restricted',
  monitoring: 'restricted',
  'cert-manager': 'restricted',
  kserve: 'restricted',
  [WORKLOADS.modelServing.namespace]: 'restricted',
  [WORKLOADS.loadBalancerController.namespace]: 'restricted',
  [WORKLOADS.clusterAutoscaler.namespace]: 'restricted',
  // node-exporter reads the host: host network, PID namespace and paths.
  'node-exporter': 'privileged',
  [WORKLOADS.sparkJobs.namespace]: 'restricted',
};

/**
 * Connections between the platform's namespaces, beyond each namespace's own pods, DNS, HTTPS to the API
 * server and the VPC, and scrapes from monitoring (the baseline of {@link NetworkPolicies}). Webhooks are
 * called by the EKS control plane from its own subnets, the UIs and model servers by the load balancers from
 * theirs; databases and the cache are outside the cluster, in the VPC. The model servers' port
 * is opened only where an environment serves models: otherwise nothing listens on it.
 */
function platformFlows(servesModels: boolean): Record<string, NamespaceFlows> {
  const toModelServers = servesModels ? [{ to: [WORKLOADS.modelServing.namespace], ports: [8080] }] : [];
  const flows: Record<string, NamespaceFlows> = {
    [WORKLOADS.externalSecrets.namespace]: { ingress: [{ from: 'controlPlane', ports: [10250] }] },
    'platform-system': { egress: [{ to: 'vpc', ports: [5432] }] },
    kafka: {
      ingress: [{ from: [WORKLOADS.sparkJobs.namespace, WORKLOADS.airflow.namespace], ports: [9093, 8081] }],
    },
    [WORKLOADS.airflow.namespace]: {
      ingress: [{ from: 'loadBalancers', ports: [8080] }],
      egress: [
        { to: 'vpc', ports: [5432] },
        { to: ['kafka'], ports: [9093, 8081] },
        { to: [WORKLOADS.mlflow.namespace], ports: [5000] },
        { to: [WORKLOADS.featureStore.namespace], ports: [6566] },
        ...toModelServers,
      ],
    },
    [WORKLOADS.mlflow.namespace]: {
      ingress: [
        { from: 'loadBalancers', ports: [5000] },
        { from: [WORKLOADS.airflow.namespace, WORKLOADS.sparkJobs.namespace], ports: [5000] },
      ],
      egress: [{ to: 'vpc', ports: [5432] }],
    },
    'spark-operator': { ingress: [{ from: 'controlPlane', ports: [9443] }] },
    'cert-manager': { ingress: [{ from: 'controlPlane', ports: [10250] }] },
    kserve: { ingress: [{ from: 'controlPlane', ports: [9443] }] },
    [WORKLOADS.loadBalancerController.namespace]: { ingress: [{ from: 'controlPlane', ports: [9443] }] },
    [WORKLOADS.modelServing.namespace]: {
      ingress: servesModels
        ? [
            // The load balancer's IP targets: each model server's HTTP port.
            { from: 'loadBalancers', ports: [8080] },
            { from: [WORKLOADS.airflow.namespace, WORKLOADS.sparkJobs.namespace], ports: [8080] },
          ]
        : [],
      // Online inference looks features up in the feature server (a KServe transformer or the model itself).
      egress: [{ to: [WORKLOADS.featureStore.namespace], ports: [6566] }],
    },
    monitoring: {
      // Grafana's container port behind the load balancer, and the operator's admission webhook (TLS port).
      ingress: [
        { from: 'loadBalancers', ports: [3000] },
        { from: 'controlPlane', ports: [10250] },
      ],
      // Prometheus scrapes pods in every namespace and kubelets on the nodes, each on its own port.
      egress: [{ to: 'vpc', ports: 'any' }],
    },
    [WORKLOADS.featureStore.namespace]: {
      ingress: [{ from: [WORKLOADS.airflow.namespace, WORKLOADS.sparkJobs.namespace, WORKLOADS.modelServing.namespace], ports: [6566] }],
      egress: [{ to: 'vpc', ports: [5432, 6379] }],
    },
    [WORKLOADS.sparkJobs.namespace]: {
      ingress: [{ from: 'vpc', ports: [18080] }],
      egress: [
        { to: ['kafka'], ports: [9093, 8081] },
        { to: [WORKLOADS.mlflow.namespace], ports: [5000] },
        { to: [WORKLOADS.featureStore.namespace], ports: [6566] },
        ...toModelServers,
      ],
    },
  };
  // A workload identity exchanges its token at STS and calls AWS's public endpoints (S3, Secrets Manager,
  // EC2, Auto Scaling, ELB): its namespace may reach the internet over HTTPS, which also covers Airflow's
  // git-sync and the Spark jobs' jar downloads. No other namespace may.
  for (const namespace of new Set(Object.values(WORKLOADS).map((w) => w.namespace))) {
    const own = flows[namespace] ?? {};
    flows[namespace] = { ...own, egress: [...(own.egress ?? []), { to: 'anywhere', ports: [443] }] };
  }
  return flows;
}

/**
 * The in-cluster layer: Helm releases of the operators and platform services, wired to the foundation's
 * endpoints, buckets, identities and secrets. Custom resources ride in releases of the project's
 * `manifests` chart that depend on their operator's release, so one deploy brings up a fresh environment.
 */
export class PlatformStack extends BaseStack {
  /** Where pods go, by node pool. */
  readonly placement: { readonly general: Placement; readonly compute: Placement; readonly storage: Placement };
  readonly namespaces: Record<string, PlatformNamespace>;
  readonly storageClass: EncryptedStorageClass;
  readonly externalSecrets: ExternalSecretsOperator;
  readonly databases: DatabaseBootstrap;
  readonly networkPolicies: NetworkPolicies;
  readonly mlflow: Mlflow;
  readonly airflow: Airflow;
  readonly featureStore: FeatureStore;
  readonly observability: Observability;
  readonly modelServing: ModelServing;
  /** Present when `platform.serving.publishExampleModel` is on. */
  readonly exampleModel?: ExampleModel;
  readonly ingress: PlatformIngress;
  readonly clusterAutoscaler: ClusterAutoscaler;
  readonly kafka: KafkaCluster;
  readonly schemaRegistry: SchemaRegistry;
  readonly spark: {
    readonly operator: SparkOperator;
    readonly historyServer: SparkHistoryServer;
    readonly applications?: SparkApplications;
  };

  constructor(scope: Construct, environment: EnvironmentConfig, props: PlatformStackProps) {
    super(scope, 'platform', environment);
    const { aws, production } = environment;
    new ClusterProviders(this, 'ClusterProviders', { cluster: props.cluster, region: aws.region, roleArn: aws.assumeRoleArn });
    // Before any component: each release points its images at the cluster stack's pull-through cache.
    const cachedRegistries = Object.keys(environment.cluster.pullThroughCache) as CacheableRegistry[];
    if (cachedRegistries.length > 0) {
      ImageMirror.declare(this, {
        registryHost: ecrRegistryHost(aws.accountId, aws.region),
        namePrefix: this.prefix,
        registries: cachedRegistries,
      });
    }

    const pools = environment.cluster.nodePools;
    const place = (name: 'general' | 'compute' | 'storage') =>
      poolPlacement(name, poolTaints(name, pools[name].dedicated ?? name !== 'general', pools[name].taints));
    this.placement = { general: place('general'), compute: place('compute'), storage: place('storage') };

    this.namespaces = Object.fromEntries(
      Object.entries(NAMESPACES).map(([name, podSecurity]) => [
        name,
        new PlatformNamespace(this, `Namespace-${name}`, { name, podSecurity }),
      ]),
    );
    const namespace = (name: string) => this.namespaces[name].name;

    this.storageClass = new EncryptedStorageClass(this, 'StorageClass', { kmsKeyArn: props.volumeKeyArn, retainVolumes: production });

    this.externalSecrets = new ExternalSecretsOperator(this, 'ExternalSecrets', {
      namespace: namespace(WORKLOADS.externalSecrets.namespace),
      values: props.values('external-secrets'),
      roleArn: props.roles.externalSecrets,
      region: aws.region,
      placement: this.placement.general,
      highlyAvailable: production,
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

    this.databases = new DatabaseBootstrap(this, 'Databases', {
      namespace: namespace('platform-system'),
      storeName: this.externalSecrets.storeName,
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
      placement: this.placement.general,
      dependsOn: [this.externalSecrets.ready],
    });

    const { ingress } = environment.platform;
    const host = (ui: 'airflow' | 'mlflow' | 'grafana') => ingress.hosts[ui] ?? `${ui}.${environment.name}.mlops.internal`;
    this.mlflow = new Mlflow(this, 'Mlflow', {
      namespace: namespace(WORKLOADS.mlflow.namespace),
      values: props.values('mlflow'),
      databaseHost: props.database.address,
      databasePort: props.database.port,
      databaseSecretName: props.secrets.mlflowDatabase,
      authSecretName: props.secrets.mlflowAuth,
      storeName: this.externalSecrets.storeName,
      artifactsBucket: props.buckets.artifacts,
      artifactsPrefix: BUCKET_PREFIXES.mlflowArtifacts,
      region: aws.region,
      roleArn: props.roles.mlflow,
      serviceAccountName: WORKLOADS.mlflow.serviceAccounts[0],
      placement: this.placement.general,
      externalHosts: [host('mlflow')],
      production,
      replicas: environment.platform.mlflow.replicas,
      dependsOn: [this.databases.ready],
    });

    const { airflow, featureStore, kafka, schemaRegistry, spark } = environment.platform;
    this.featureStore = new FeatureStore(this, 'FeatureStore', {
      namespace: namespace(WORKLOADS.featureStore.namespace),
      project: featureStore.project,
      databaseHost: props.database.address,
      databasePort: props.database.port,
      databaseSecretName: props.secrets.feastDatabase,
      cacheHost: props.cache.address,
      cachePort: props.cache.port,
      cacheAuthSecretName: props.cache.authSecretArn,
      storeName: this.externalSecrets.storeName,
      datasetsBucket: props.buckets.datasets,
      datasetsPrefix: BUCKET_PREFIXES.feast,
      region: aws.region,
      roleArn: props.roles.featureStore,
      serviceAccountName: WORKLOADS.featureStore.serviceAccounts[0],
      placement: this.placement.general,
      production,
      replicas: featureStore.replicas,
      materializeSchedule: featureStore.materializeSchedule,
      dependsOn: [this.databases.ready],
    });

    this.airflow = new Airflow(this, 'Airflow', {
      namespace: namespace(WORKLOADS.airflow.namespace),
      values: props.values('airflow'),
      databaseHost: props.database.address,
      databasePort: props.database.port,
      databaseSecretName: props.secrets.airflowDatabase,
      keysSecretName: props.secrets.airflowKeys,
      storeName: this.externalSecrets.storeName,
      logsBucket: props.buckets.logs,
      logsPrefix: BUCKET_PREFIXES.airflowLogs,
      region: aws.region,
      roleArn: props.roles.airflow,
      dags: airflow.dags,
      sparkNamespace: namespace(WORKLOADS.sparkJobs.namespace),
      placement: this.placement.general,
      production,
      replicas: airflow.replicas,
      dependsOn: [this.databases.ready],
    });

    const strimzi = new StrimziOperator(this, 'Strimzi', {
      namespace: namespace('kafka'),
      values: props.values('strimzi-kafka-operator'),
      placement: this.placement.general,
      highlyAvailable: production,
    });
    this.kafka = new KafkaCluster(this, 'Kafka', {
      operator: strimzi,
      brokers: kafka.brokers,
      storageGiB: kafka.storageGiB,
      storageClass: this.storageClass.name,
      topics: kafka.topics,
      placement: this.placement.storage,
      entityOperatorPlacement: this.placement.general,
      production,
    });
    this.schemaRegistry = new SchemaRegistry(this, 'SchemaRegistry', {
      kafka: this.kafka,
      logins: {
        secretName: props.secrets.schemaRegistryLogins,
        storeName: this.externalSecrets.storeName,
        names: SCHEMA_REGISTRY_LOGINS,
        dependsOn: [this.externalSecrets.ready],
      },
      replicas: schemaRegistry.replicas,
      placement: this.placement.general,
      production,
    });
    // Spark jobs and Airflow tasks find their Kafka and schema-registry logins, the CA and the addresses in `kafka-<user>`.
    new KafkaClientCredentials(this, 'KafkaClientCredentials', {
      kafka: this.kafka,
      schemaRegistry: this.schemaRegistry,
      clients: Object.fromEntries(
        Object.entries(KAFKA_CLIENTS).map(([user, workload]) => [user, namespace(WORKLOADS[workload].namespace)]),
      ),
      dependsOn: [this.externalSecrets.ready],
    });

    const operator = new SparkOperator(this, 'SparkOperator', {
      namespace: namespace('spark-operator'),
      values: props.values('spark-operator'),
      jobNamespace: namespace(WORKLOADS.sparkJobs.namespace),
      serviceAccountName: WORKLOADS.sparkJobs.serviceAccounts[0],
      jobRoleArn: props.roles.sparkJobs,
      placement: this.placement.general,
      production,
    });
    this.spark = {
      operator,
      historyServer: new SparkHistoryServer(this, 'SparkHistory', {
        namespace: namespace(WORKLOADS.sparkHistory.namespace),
        serviceAccountName: WORKLOADS.sparkHistory.serviceAccounts[0],
        roleArn: props.roles.sparkHistory,
        logsBucket: props.buckets.logs,
        region: aws.region,
        retentionDays: spark.historyRetentionDays,
        placement: this.placement.general,
        production,
      }),
      applications:
        Object.keys(spark.applications).length > 0
          ? new SparkApplications(this, 'SparkApplications', {
              operator,
              applications: spark.applications,
              placement: this.placement.compute,
              logsBucket: props.buckets.logs,
              region: aws.region,
            })
          : undefined,
    };

    this.observability = new Observability(this, 'Observability', {
      namespace: namespace('monitoring'),
      nodeExporterNamespace: namespace('node-exporter'),
      values: props.values('kube-prometheus-stack'),
      placement: this.placement.general,
      storageClass: this.storageClass.name,
      retentionDays: environment.platform.observability.retentionDays,
      storageGiB: environment.platform.observability.storageGiB,
      production,
      grafanaAdminSecretName: props.secrets.grafanaAdmin,
      storeName: this.externalSecrets.storeName,
      scrapeTargets: {
        kafka: { namespace: this.kafka.namespace, clusterName: this.kafka.clusterName, kafkaExporter: true },
        airflow: { namespace: this.airflow.namespace, releaseName: this.airflow.releaseName },
        sparkOperator: { namespace: namespace('spark-operator'), releaseName: this.spark.operator.release.releaseName },
        sparkJobs: { namespace: operator.jobNamespace, podLabels: SPARK_METRICS_LABELS, paths: Object.values(SPARK_METRICS_PATHS) },
        kserve: { namespace: namespace('kserve') },
        mlflow: { namespace: this.mlflow.namespace, podLabels: this.mlflow.podLabels, port: this.mlflow.metricsPortName },
      },
      dependsOn: [this.externalSecrets.ready],
    });

    const certManager = new CertManager(this, 'CertManager', {
      namespace: namespace('cert-manager'),
      values: props.values('cert-manager'),
      placement: this.placement.general,
      production,
    });
    const kserve = new KServe(this, 'KServe', {
      namespace: namespace('kserve'),
      values: props.values('kserve-resources'),
      certManager,
      region: aws.region,
      placement: this.placement.general,
    });
    const { serving } = environment.platform;
    // Trained with the runtime's own image, so the server unpickles it with the same library versions.
    this.exampleModel = serving.publishExampleModel
      ? new ExampleModel(this, 'ExampleModel', {
          tracking: this.mlflow,
          image: KServe.MLSERVER_IMAGE,
          placement: this.placement.general,
          dependsOn: [this.mlflow.release.release],
        })
      : undefined;
    this.modelServing = new ModelServing(this, 'ModelServing', {
      kserve,
      namespace: namespace(WORKLOADS.modelServing.namespace),
      serviceAccountName: WORKLOADS.modelServing.serviceAccounts[0],
      roleArn: props.roles.modelServing,
      region: aws.region,
      artifactsBucket: props.buckets.artifacts,
      artifactsPrefix: BUCKET_PREFIXES.mlflowArtifacts,
      placement: this.placement.general,
      production,
      models: Object.fromEntries(
        Object.entries(serving.models).map(([name, { artifactPath, ...model }]) => [
          name,
          { ...model, storageUri: `s3://${props.buckets.artifacts}/${artifactPath}` },
        ]),
      ),
      // A model serving the example then starts with its files in place instead of retrying the download.
      dependsOn: this.exampleModel ? [this.exampleModel.ready] : undefined,
    });

    const loadBalancerController = new LoadBalancerController(this, 'LoadBalancerController', {
      namespace: namespace(WORKLOADS.loadBalancerController.namespace),
      values: props.values('aws-load-balancer-controller'),
      clusterName: props.cluster.clusterName,
      region: aws.region,
      vpcId: props.vpcId,
      roleArn: props.roles.loadBalancerController,
      serviceAccountName: WORKLOADS.loadBalancerController.serviceAccounts[0],
      placement: this.placement.general,
      production,
    });
    this.ingress = new PlatformIngress(this, 'Ingress', {
      controller: loadBalancerController,
      internetFacing: ingress.internetFacing,
      certificateArn: ingress.certificateArn,
      oidc: ingress.oidc,
      allowedCidrs: ingress.allowedCidrs,
      storeName: this.externalSecrets.storeName,
      dependsOn: [this.externalSecrets.ready],
      routes: [
        {
          name: 'airflow',
          namespace: this.airflow.namespace,
          service: 'airflow-api-server',
          port: 8080,
          host: host('airflow'),
          healthCheckPath: '/api/v2/monitor/health',
        },
        {
          name: 'mlflow',
          namespace: this.mlflow.namespace,
          service: this.mlflow.serviceName,
          port: this.mlflow.port,
          host: host('mlflow'),
          healthCheckPath: '/health',
        },
        {
          name: 'grafana',
          namespace: this.observability.namespace,
          service: 'monitoring-grafana',
          port: 80,
          host: host('grafana'),
          healthCheckPath: '/api/health',
        },
        // Each served model on its own host; KServe's predictor Service listens on 80.
        ...Object.entries(environment.platform.serving.models).map(([model, spec]) => ({
          name: `model-${model}`,
          namespace: namespace(WORKLOADS.modelServing.namespace),
          service: `${model}-predictor`,
          port: 80,
          host: `${model}.models.${environment.name}.mlops.internal`,
          healthCheckPath: spec.protocolVersion === 'v1' ? `/v1/models/${model}` : '/v2/health/ready',
        })),
      ],
    });

    this.clusterAutoscaler = new ClusterAutoscaler(this, 'ClusterAutoscaler', {
      namespace: namespace(WORKLOADS.clusterAutoscaler.namespace),
      clusterName: props.cluster.clusterName,
      kubernetesVersion: environment.cluster.kubernetesVersion,
      region: aws.region,
      roleArn: props.roles.clusterAutoscaler,
      serviceAccountName: WORKLOADS.clusterAutoscaler.serviceAccounts[0],
      placement: this.placement.general,
      highlyAvailable: production,
    });

    const flows = platformFlows(Object.keys(environment.platform.serving.models).length > 0);
    this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', {
      namespaces: Object.fromEntries(Object.keys(this.namespaces).map((name) => [namespace(name), flows[name] ?? {}])),
      vpcCidr: props.vpcCidr,
      loadBalancerCidrs: props.loadBalancerCidrs,
      controlPlaneCidrs: props.controlPlaneCidrs,
      serviceCidr: props.cluster.serviceCidr,
      monitoringNamespace: 'monitoring',
      releaseNamespace: namespace('platform-system'),
    });
  }
}
