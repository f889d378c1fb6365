import { Construct } from 'constructs';
import { NVIDIA_GPU_LABELS } from '../../cluster/accelerators';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources } from '../../helm/values';
import type { Placement, Toleration } from '../../kubernetes/objects';
import type { ChartComponentProps } from '../component';

/** Props of {@link NvidiaDevicePlugin}. */
export interface NvidiaDevicePluginProps extends Omit<ChartComponentProps, 'placement'> {
  /** Placements of the GPU pools (`accelerator: nvidia`): the DaemonSet tolerates their taints. At least one. */
  readonly gpuPools: readonly Placement[];
}

/**
 * The NVIDIA device plugin (chart `nvidia-device-plugin` 0.20.0) as a DaemonSet on GPU nodes only (the chart's
 * node affinity on `nvidia.com/gpu.present=true`, which GPU pools carry): it advertises each node's GPUs as
 * `nvidia.com/gpu`, which pods request in their limits. Node feature discovery and GPU feature discovery stay
 * off: the pools label their nodes themselves.
 */
export class NvidiaDevicePlugin extends Construct {
  static readonly CHART = { repository: 'https://nvidia.github.io/k8s-device-plugin', chart: 'nvidia-device-plugin', version: '0.20.0' };
  readonly release: HelmRelease;
  /** The node labels the DaemonSet requires: what a GPU pool must carry for its GPUs to be advertised. */
  readonly nodeLabels: Readonly<Record<string, string>> = NVIDIA_GPU_LABELS;

  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps) {
    super(scope, id);
    if (props.gpuPools.length === 0) throw new Error(`${this.node.path}: gpuPools must name at least one GPU pool to run on`);
    // The chart's defaults (CriticalAddonsOnly, nvidia.com/gpu) and each GPU pool's own taints, once each.
    const tolerations = new Map<string, Partial<Toleration>>();
    const add = (toleration: Partial<Toleration>) => tolerations.set(JSON.stringify(toleration), toleration);
    add({ key: 'CriticalAddonsOnly', operator: 'Exists' });
    for (const pool of props.gpuPools) pool.tolerations.forEach(add);
    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'nvidia-device-plugin',
      namespace: props.namespace,
      chart: NvidiaDevicePlugin.CHART,
      values: {
        ...props.values,
        computed: {
          tolerations: [...tolerations.values()],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: Object.entries(NVIDIA_GPU_LABELS).map(([key, value]) => ({ key, operator: 'In', values: [value] })) },
                ],
              },
            },
          },
          gfd: { enabled: false },
          nfd: { enabled: false },
        },
        overrides: props.overrides,
      },
      dependsOn: props.dependsOn,
    });
    requireResources(this.node.path, this.release.values, ['']);
  }
}
