import { podPort, type Endpoint } from './endpoint';
import type { EgressFlow, IngressFlow, NamespaceFlows } from './network-policies';

/** Clients that are not pods of a platform namespace: the load balancers, the EKS control plane, any VPC address. */
export type OutsidePeer = 'loadBalancers' | 'controlPlane' | 'vpc';

const OUTSIDE: readonly string[] = ['loadBalancers', 'controlPlane', 'vpc'] satisfies OutsidePeer[];

/** One kind of client reaching one endpoint. */
export interface Connection {
  /** The namespace whose pods connect, or a peer outside the cluster's namespaces. */
  readonly from: string | OutsidePeer;
  readonly to: Endpoint;
}

/** Connections out of the cluster's namespaces: to the VPC (databases, caches) or the internet. */
export interface Outbound {
  readonly from: string;
  readonly to: 'vpc' | 'anywhere';
  /** TCP ports, or `'any'` for a scraper that follows each target's own port. */
  readonly ports: number[] | 'any';
}

/**
 * The flows of each namespace that the connections imply, both sides of each: a namespace-to-namespace
 * connection is egress from the client's namespace and ingress to the endpoint's, on the endpoint's pod
 * port; a connection from outside is ingress only. Flows are grouped (the clients of one set of ports; the
 * destinations reached on one set of ports) in the order the connections are given. A connection inside one
 * namespace needs no flow: every namespace admits its own pods.
 */
export function connectionFlows(connections: readonly Connection[], outbound: readonly Outbound[] = []): Record<string, NamespaceFlows> {
  const ingress = new Map<string, Map<string, Set<number>>>();
  const egress = new Map<string, Map<string, Set<number>>>();
  const add = (table: Map<string, Map<string, Set<number>>>, owner: string, peer: string, port: number) => {
    const peers = table.get(owner) ?? table.set(owner, new Map()).get(owner)!;
    (peers.get(peer) ?? peers.set(peer, new Set()).get(peer)!).add(port);
  };
  for (const { from, to } of connections) {
    if (from === to.namespace) continue;
    add(ingress, to.namespace, from, podPort(to));
    if (!OUTSIDE.includes(from)) add(egress, from, to.namespace, podPort(to));
  }

  const flows: Record<string, { ingress: IngressFlow[]; egress: EgressFlow[] }> = {};
  const of = (namespace: string) => (flows[namespace] ??= { ingress: [], egress: [] });
  for (const [namespace, peers] of ingress) {
    for (const peer of OUTSIDE.filter((p) => peers.has(p))) {
      of(namespace).ingress.push({ from: peer as OutsidePeer, ports: [...peers.get(peer)!] });
    }
    const clients = [...peers].filter(([peer]) => !OUTSIDE.includes(peer));
    for (const [ports, sources] of groupByPorts(clients)) of(namespace).ingress.push({ from: sources, ports });
  }
  for (const [namespace, destinations] of egress) {
    for (const [ports, targets] of groupByPorts([...destinations])) of(namespace).egress.push({ to: targets, ports });
  }
  for (const { from, to, ports } of outbound) {
    const same = of(from).egress.find((flow) => flow.to === to);
    if (same && same.ports !== 'any' && ports !== 'any') (same as { ports: number[] }).ports = [...new Set([...same.ports, ...ports])];
    else of(from).egress.push({ to, ports: ports === 'any' ? 'any' : [...ports] });
  }
  return Object.fromEntries(
    Object.entries(flows).map(([namespace, { ingress: i, egress: e }]) => [
      namespace,
      { ...(i.length > 0 ? { ingress: i } : {}), ...(e.length > 0 ? { egress: e } : {}) },
    ]),
  );
}

/** Peers that share exactly the same ports, together: `[ports, peers]` in first-seen order. */
function groupByPorts(entries: [string, Set<number>][]): [number[], string[]][] {
  const groups = new Map<string, [number[], string[]]>();
  for (const [peer, ports] of entries) {
    const key = [...ports].join(',');
    (groups.get(key) ?? groups.set(key, [[...ports], []]).get(key)!)[1].push(peer);
  }
  return [...groups.values()];
}
