// EC2 instance type names as the config and the node pools read them: family, generation, size, architecture.

/** `<family><generation><attributes>.<size>`: `m7i.large`, `c7gn.16xlarge`, `r6id.metal`, `u-6tb1.112xlarge`. */
export const INSTANCE_TYPE =
  /^([a-z]+(?:-\d+tb)?)(\d+)([a-z-]*)\.(nano|micro|small|medium|large|xlarge|\d{1,3}xlarge|metal(?:-\d{1,2}xl)?)$/;

export type Architecture = 'x86_64' | 'arm64';

/**
 * The CPU architecture of an instance type: Graviton families carry a `g` right after the generation (`m7g`,
 * `c7gn`, `r8gd`, `x2gd`, `im4gn`, `is4gen`, `g5g`) or are the first Graviton (`a1`); everything else is x86_64.
 * Undefined for a name that is no instance type.
 */
export function instanceArchitecture(instanceType: string): Architecture | undefined {
  const match = INSTANCE_TYPE.exec(instanceType);
  if (!match) return undefined;
  const [, family, , attributes] = match;
  return family === 'a' || attributes.startsWith('g') ? 'arm64' : 'x86_64';
}

/** The size part of an instance type (`large` of `m7i.large`). */
export function instanceSize(instanceType: string): string | undefined {
  return INSTANCE_TYPE.exec(instanceType)?.[4];
}

/** The EKS AL2023 AMI type of a pool without accelerators, by architecture. */
export const STANDARD_AMI_TYPES: Readonly<Record<Architecture, string>> = {
  x86_64: 'AL2023_x86_64_STANDARD',
  arm64: 'AL2023_ARM_64_STANDARD',
};
