import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../constructs/kubernetes/objects';
import { NetworkPolicies, type NetworkPoliciesProps } from '../../constructs/kubernetes/network-policies';
import { synthScope } from '../support/synth';

function policies(props: Partial<NetworkPoliciesProps> = {}): KubernetesObject[] {
  let created: KubernetesObject[] = [];
  synthScope((scope) => {
    created = new NetworkPolicies(scope, 'Policies', {
      namespaces: {
        kafka: { ingress: [{ from: ['spark-jobs'], ports: [9093] }] },
        mlflow: { ingress: [{ from: 'vpc', ports: [5000] }], egress: [{ to: 'vpc', ports: [5432] }] },
      },
      vpcCidr: '10.0.0.0/16',
      loadBalancerCidrs: ['10.0.0.0/24', '10.0.1.0/24'],
      controlPlaneCidrs: ['10.0.2.0/28', '10.0.2.16/28'],
      serviceCidr: '172.20.0.0/16',
      monitoringNamespace: 'monitoring',
      releaseNamespace: 'platform-system',
      ...props,
    }).policies;
  });
  return created;
}

const named = (all: KubernetesObject[], namespace: string, name: string) =>
  all.find((p) => p.metadata.namespace === namespace && p.metadata.name === name)!;

describe('NetworkPolicies', () => {
  it('denies everything in and out of every namespace by default', () => {
    const all = policies();
    for (const namespace of ['kafka', 'mlflow']) {
      expect(named(all, namespace, 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
  });

  it('lets pods reach their own namespace, DNS and the API server, and monitoring scrape them; not the internet', () => {
    const baseline = named(policies(), 'kafka', 'baseline').spec as { ingress: unknown[]; egress: unknown[] };
    expect(baseline.ingress).toEqual([
      { from: [{ podSelector: {} }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
    ]);
    expect(baseline.egress).toEqual([
      { to: [{ podSelector: {} }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [{ ipBlock: { cidr: '10.0.0.0/16' } }, { ipBlock: { cidr: '172.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(JSON.stringify(baseline)).not.toContain('0.0.0.0/0');
  });

  it('opens HTTPS to the internet only as a flow of its own', () => {
    const all = policies({ namespaces: { airflow: { egress: [{ to: 'anywhere', ports: [443] }] }, kafka: {} } });
    expect(named(all, 'airflow', 'allow-egress-0').spec).toMatchObject({
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
    expect(JSON.stringify(all.filter((p) => p.metadata.namespace === 'kafka'))).not.toContain('0.0.0.0/0');
  });

  it('opens exactly the listed ports to the listed namespaces or the VPC', () => {
    const all = policies();
    expect(named(all, 'kafka', 'allow-ingress-0').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spark-jobs' } } }],
          ports: [{ protocol: 'TCP', port: 9093 }],
        },
      ],
    });
    expect(named(all, 'mlflow', 'allow-egress-0').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
  });

  it("admits load balancers from their own subnets, not from the VPC's pods", () => {
    const all = policies({ namespaces: { airflow: { ingress: [{ from: 'loadBalancers', ports: [8080] }] } } });
    expect(named(all, 'airflow', 'allow-ingress-0').spec).toMatchObject({
      ingress: [
        { from: [{ ipBlock: { cidr: '10.0.0.0/24' } }, { ipBlock: { cidr: '10.0.1.0/24' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      ],
    });
  });

  it('rejects a port that is not one', () => {
    expect(() => policies({ namespaces: { x: { ingress: [{ from: 'vpc', ports: [0] }] } } })).toThrow(/x: ports must be TCP port numbers/);
    expect(() => policies({ namespaces: { x: { egress: [{ to: 'vpc', ports: [] }] } } })).toThrow(/x: ports must be TCP port numbers/);
  });
});
