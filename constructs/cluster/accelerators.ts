import type { NodeTaint } from './node-pool';

// NVIDIA GPU node pools: the AMI with the driver and container toolkit, the taint that keeps other pods off
// the GPUs, and the label the device plugin's DaemonSet selects. One place, read by the config rules, the
// node pool and the platform stack.

/** EC2 families with NVIDIA GPUs that EKS's AL2023 NVIDIA AMIs support, by CPU architecture. */
export const NVIDIA_INSTANCE_FAMILIES = {
  x86_64: ['g4dn', 'g5', 'g6', 'g6e', 'gr6', 'p4d', 'p4de', 'p5', 'p5e', 'p5en'],
  arm64: ['g5g'],
} as const;

/** The EKS AMI type of an NVIDIA pool of that architecture. */
export const NVIDIA_AMI_TYPES = { x86_64: 'AL2023_x86_64_NVIDIA', arm64: 'AL2023_ARM_64_NVIDIA' } as const;

/** The extended resource the device plugin advertises: one per GPU, requested in a container's limits. */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

/** Keeps pods that do not ask for a GPU off GPU nodes; the device plugin's chart tolerates it by default. */
export const NVIDIA_GPU_TAINT: NodeTaint = { key: NVIDIA_GPU_RESOURCE, value: 'present', effect: 'NO_SCHEDULE' };

/** The label the device plugin's DaemonSet selects nodes by (its chart's default node affinity). */
export const NVIDIA_GPU_LABELS = { 'nvidia.com/gpu.present': 'true' } as const;

/** The architecture of an NVIDIA GPU instance type (`g6.xlarge` → `x86_64`), or undefined for any other type. */
export function nvidiaArchitecture(instanceType: string): keyof typeof NVIDIA_INSTANCE_FAMILIES | undefined {
  const family = instanceType.split('.')[0];
  for (const [architecture, families] of Object.entries(NVIDIA_INSTANCE_FAMILIES) as [
    keyof typeof NVIDIA_INSTANCE_FAMILIES,
    readonly string[],
  ][]) {
    if (families.includes(family)) return architecture;
  }
  return undefined;
}
