import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../helm/manifests-release';
import type { KubernetesObject } from './objects';

/** Who may open connections to a namespace's pods, and on which TCP ports. */
export interface IngressFlow {
  /**
   * Namespaces whose pods may connect; `'loadBalancers'` for the load balancers' subnets and `'controlPlane'`
   * for the EKS control plane's (no pods in either); `'vpc'` for any address of the VPC, pods included.
   */
  readonly from: string[] | 'vpc' | 'loadBalancers' | 'controlPlane';
  readonly ports: number[];
}

/** Where a namespace's pods may connect beyond the baseline. */
export interface EgressFlow {
  /** Namespaces to reach; `'vpc'` for the VPC's addresses (RDS, ElastiCache); `'anywhere'` for the internet. */
  readonly to: string[] | 'vpc' | 'anywhere';
  /** TCP ports, or `'any'` for a scraper that follows each target's own port. */
  readonly ports: number[] | 'any';
}

/** The flows of one namespace, beyond the baseline every namespace gets. */
export interface NamespaceFlows {
  readonly ingress?: IngressFlow[];
  readonly egress?: EgressFlow[];
}

/** Props of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps {
  /** Flows by namespace; every namespace named here is default-deny. */
  readonly namespaces: Record<string, NamespaceFlows>;
  readonly vpcCidr: string;
  /** The subnets of the load balancers, whose IP targets are pods. */
  readonly loadBalancerCidrs: string[];
  /** The subnets of the EKS control plane's network interfaces, from which it calls admission webhooks. */
  readonly controlPlaneCidrs: string[];
  /** The cluster's Service range: pods reach the API server at its `kubernetes` Service address. */
  readonly serviceCidr: string;
  /** Namespace whose pods scrape metrics from every namespace. */
  readonly monitoringNamespace: string;
  /** Namespace of the release record. */
  readonly releaseNamespace: string;
  readonly dependsOn?: ITerraformDependable[];
}

/** `kubernetes.io/metadata.name` is set by Kubernetes on every namespace: selectable without our own labels. */
const namespaceSelector = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const tcp = (ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

/**
 * Default-deny network policies for the platform namespaces, enforced by the VPC CNI's policy agent, with
 * a baseline every namespace needs (its own pods, DNS, HTTPS to the API server and the VPC's endpoints,
 * scrapes from monitoring) and the flows that exist between components, port by port. HTTPS to the
 * internet (AWS's public endpoints, git, package hosts) is a flow of its own, for the namespaces that need it.
 */
export class NetworkPolicies extends Construct {
  readonly release: ManifestsRelease;
  readonly policies: KubernetesObject[];

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    for (const [namespace, flows] of Object.entries(props.namespaces)) {
      for (const flow of [...(flows.ingress ?? []), ...(flows.egress ?? [])]) {
        if (flow.ports === 'any') continue;
        if (flow.ports.length === 0 || flow.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
          throw new Error(`${this.node.path}: ${namespace}: ports must be TCP port numbers (got ${JSON.stringify(flow.ports)})`);
        }
      }
    }
    this.policies = Object.entries(props.namespaces).flatMap(([namespace, flows]) => this.policiesFor(namespace, flows, props));
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'network-policies',
      namespace: props.releaseNamespace,
      manifests: this.policies,
      dependsOn: props.dependsOn,
    });
  }

  private policiesFor(namespace: string, flows: NamespaceFlows, props: NetworkPoliciesProps): KubernetesObject[] {
    const policy = (name: string, spec: Record<string, unknown>): KubernetesObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace },
      spec: { podSelector: {}, ...spec },
    });
    const blocks = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    const peers = (target: IngressFlow['from'] | EgressFlow['to']) => {
      if (target === 'anywhere') return blocks(['0.0.0.0/0']);
      if (target === 'vpc') return blocks([props.vpcCidr]);
      if (target === 'loadBalancers') return blocks(props.loadBalancerCidrs);
      if (target === 'controlPlane') return blocks(props.controlPlaneCidrs);
      return target.map(namespaceSelector);
    };
    return [
      policy('default-deny', { policyTypes: ['Ingress', 'Egress'] }),
      policy('baseline', {
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }, { from: [namespaceSelector(props.monitoringNamespace)] }],
        egress: [
          { to: [{ podSelector: {} }] },
          { to: [namespaceSelector('kube-system')], ports: [53, 53].map((port, i) => ({ protocol: i === 0 ? 'UDP' : 'TCP', port })) },
          // The API server (its Service address, then its endpoints in the VPC) and the VPC's interface endpoints.
          { to: blocks([props.vpcCidr, props.serviceCidr]), ports: tcp([443]) },
        ],
      }),
      ...(flows.ingress ?? []).map((flow, index) =>
        policy(`allow-ingress-${index}`, { policyTypes: ['Ingress'], ingress: [{ from: peers(flow.from), ports: tcp(flow.ports) }] }),
      ),
      ...(flows.egress ?? []).map((flow, index) =>
        policy(`allow-egress-${index}`, {
          policyTypes: ['Egress'],
          egress: [{ to: peers(flow.to), ...(flow.ports === 'any' ? {} : { ports: tcp(flow.ports) }) }],
        }),
      ),
    ];
  }
}
