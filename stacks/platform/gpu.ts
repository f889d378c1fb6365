import type { Placement } from '../../constructs/kubernetes/objects';
import { NvidiaDevicePlugin } from '../../constructs/platform/gpu';
import type { EnvironmentConfig } from '../../src/config/schema';
import { poolPlacementOf } from './placements';
import type { PlatformContext } from './context';

/** The device plugin's namespace, created only where a pool has GPUs: it mounts the kubelet's socket directory. */
export const GPU_NAMESPACE = 'nvidia-device-plugin';

/** Placement of each node pool with `accelerator: nvidia`, by pool name: what a GPU workload uses. */
export function gpuPlacements(environment: EnvironmentConfig): Record<string, Placement> {
  return Object.fromEntries(
    Object.entries(environment.cluster.nodePools)
      .filter(([, pool]) => pool.accelerator === 'nvidia')
      .map(([name]) => [name, poolPlacementOf(environment, name)]),
  );
}

/** The NVIDIA device plugin on the GPU pools, where there are any. */
export function addGpuSupport({ scope, environment, props, namespace }: PlatformContext): NvidiaDevicePlugin | undefined {
  const pools = Object.values(gpuPlacements(environment));
  if (pools.length === 0) return undefined;
  return new NvidiaDevicePlugin(scope, 'NvidiaDevicePlugin', {
    namespace: namespace(GPU_NAMESPACE),
    values: props.values('nvidia-device-plugin'),
    gpuPools: pools,
  });
}
