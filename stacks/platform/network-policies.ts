import { NetworkPolicies, type NamespaceFlows } from '../../constructs/kubernetes/network-policies';
import { NAMESPACES, WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

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

/** Default-deny network policies in every namespace of the catalogue, admitting the flows above. */
export function addNetworkPolicies({ scope, environment, props, namespace }: PlatformContext): NetworkPolicies {
  const flows = platformFlows(Object.keys(environment.platform.serving.models).length > 0);
  return new NetworkPolicies(scope, 'NetworkPolicies', {
    namespaces: Object.fromEntries(Object.keys(NAMESPACES).map((name) => [namespace(name), flows[name] ?? {}])),
    vpcCidr: props.vpcCidr,
    loadBalancerCidrs: props.loadBalancerCidrs,
    controlPlaneCidrs: props.controlPlaneCidrs,
    serviceCidr: props.cluster.serviceCidr,
    monitoringNamespace: 'monitoring',
    releaseNamespace: namespace('platform-system'),
  });
}
