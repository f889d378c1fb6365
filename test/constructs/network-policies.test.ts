import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../constructs/kubernetes/objects';
import { connectionFlows } from '../../constructs/kubernetes/connections';
import { portAt, type Endpoint } from '../../constructs/kubernetes/endpoint';
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

describe('connectionFlows', () => {
  const kafka: Endpoint = { namespace: 'kafka', service: 'kafka-kafka-bootstrap', port: 9093 };
  const registry: Endpoint = { namespace: 'kafka', service: 'schema-registry', port: 8081 };
  const grafana: Endpoint = { namespace: 'monitoring', service: 'monitoring-grafana', port: 80, targetPort: 3000 };

  it("writes each connection on both sides, on the endpoint's pod port", () => {
    expect(connectionFlows([{ from: 'airflow', to: grafana }])).toEqual({
      monitoring: { ingress: [{ from: ['airflow'], ports: [3000] }] },
      airflow: { egress: [{ to: ['monitoring'], ports: [3000] }] },
    });
  });

  it('groups the clients of the same ports, and the destinations reached on the same ports', () => {
    const flows = connectionFlows([
      { from: 'airflow', to: kafka },
      { from: 'airflow', to: registry },
      { from: 'spark-jobs', to: kafka },
      { from: 'spark-jobs', to: registry },
      { from: 'airflow', to: { namespace: 'mlflow', service: 'mlflow', port: 5000 } },
      { from: 'airflow', to: { namespace: 'feature-store', service: 'feast', port: 5000 } },
    ]);
    expect(flows.kafka).toEqual({ ingress: [{ from: ['airflow', 'spark-jobs'], ports: [9093, 8081] }] });
    expect(flows.airflow).toEqual({
      egress: [
        { to: ['kafka'], ports: [9093, 8081] },
        { to: ['mlflow', 'feature-store'], ports: [5000] },
      ],
    });
  });

  it('admits peers outside the namespaces on ingress only, and needs no flow inside a namespace', () => {
    const flows = connectionFlows([
      { from: 'loadBalancers', to: grafana },
      { from: 'controlPlane', to: { namespace: 'monitoring', service: 'monitoring-operator', port: 443, targetPort: 10250 } },
      { from: 'monitoring', to: grafana },
    ]);
    expect(flows).toEqual({
      monitoring: {
        ingress: [
          { from: 'loadBalancers', ports: [3000] },
          { from: 'controlPlane', ports: [10250] },
        ],
      },
    });
  });

  it('adds the connections out of the cluster, one flow per destination', () => {
    const flows = connectionFlows(
      [],
      [
        { from: 'feature-store', to: 'vpc', ports: [5432] },
        { from: 'feature-store', to: 'vpc', ports: [6379] },
        { from: 'feature-store', to: 'anywhere', ports: [443] },
        { from: 'monitoring', to: 'vpc', ports: 'any' },
      ],
    );
    expect(flows).toEqual({
      'feature-store': {
        egress: [
          { to: 'vpc', ports: [5432, 6379] },
          { to: 'anywhere', ports: [443] },
        ],
      },
      monitoring: { egress: [{ to: 'vpc', ports: 'any' }] },
    });
  });
});

describe('portAt', () => {
  it("reads a port from a release's values, or the chart's default where they leave it", () => {
    expect(portAt({ webhook: { port: 9444 } }, 'webhook.port', 9443)).toBe(9444);
    expect(portAt({}, 'webhook.port', 9443)).toBe(9443);
    expect(() => portAt({ webhook: { port: '9443' } }, 'webhook.port', 9443)).toThrow(/webhook.port must be a TCP port number/);
  });
});
