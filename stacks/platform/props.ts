import type { IEksCluster } from '../../constructs/cluster/eks-cluster';
import type { HelmValues } from '../../constructs/helm/values';
import type { SecretName, WorkloadName } from '../catalogue';

/** The values files of one chart for this environment. */
export type ValuesSource = (chart: string) => { readonly file?: HelmValues; readonly environment?: HelmValues };

/** What the platform stack needs from the stacks below it: names, endpoints and ARNs only. */
export interface PlatformStackProps {
  readonly cluster: Pick<IEksCluster, 'clusterName' | 'endpoint' | 'certificateAuthorityData' | 'serviceCidr'>;
  /** KMS key of the cluster's EBS volumes (the EBS CSI driver's identity may use it). */
  readonly volumeKeyArn: string;
  /** The CloudWatch log group of every container's log (the cluster stack's), which Fluent Bit ships to. */
  readonly containerLogGroup: string;
  readonly buckets: { readonly artifacts: string; readonly datasets: string; readonly logs: string };
  readonly database: { readonly address: string; readonly port: number; readonly masterSecretArn: string };
  /** The online feature cache: endpoint, port and the secret holding its AUTH token (`auth_token`). */
  readonly cache: { readonly address: string; readonly port: number; readonly authSecretArn: string };
  /** IRSA role ARNs, by workload of the catalogue. */
  readonly roles: Readonly<Record<WorkloadName, string>>;
  /** Secrets Manager secret names, by secret of the catalogue. */
  readonly secrets: Readonly<Record<SecretName, string>>;
  /** Each team of `platform.teams`: its IRSA role and its secret (the schema-registry password). */
  readonly teams: Readonly<Record<string, { readonly roleArn: string; readonly secretName: string }>>;
  /** Each producer of `platform.kafka.producers`: the secret holding its Kafka login. */
  readonly producers: Readonly<Record<string, string>>;
  readonly values: ValuesSource;
  /** The VPC's range: the databases, the cache and the nodes' kubelets (scraped by Prometheus) are in it. */
  readonly vpcCidr: string;
  /** The load balancers' subnets (the public ones): they reach the UIs' and model servers' pods from there. */
  readonly loadBalancerCidrs: string[];
  /** The control plane's subnets: it calls the admission webhooks from there. */
  readonly controlPlaneCidrs: string[];
  readonly vpcId: string;
}
