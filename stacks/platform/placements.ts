import { poolPlacement, poolTaints } from '../../constructs/cluster/node-pool';
import type { Placement } from '../../constructs/kubernetes/objects';
import type { EnvironmentConfig } from '../../src/config/schema';

/** The node selector and tolerations of any pool of the environment, by name. */
export function poolPlacementOf(environment: EnvironmentConfig, name: string): Placement {
  const pool = environment.cluster.nodePools[name];
  if (!pool) throw new Error(`no node pool '${name}' in cluster.nodePools`);
  return poolPlacement(name, poolTaints(name, pool.dedicated, pool.taints, pool.accelerator));
}
