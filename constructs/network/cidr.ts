/** Pure IPv4 CIDR arithmetic shared by the network construct and config validation. */

/** A parsed IPv4 CIDR block. */
export interface Ipv4Block {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when it is not a canonical IPv4 CIDR. */
export function parseCidr(cidr: string): Ipv4Block | undefined {
  const match = CIDR_PATTERN.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefixLength);
  // Host bits must be zero: 10.0.0.1/16 is almost always a typo.
  if (address % size !== 0) return undefined;
  return { base: address, prefixLength };
}

/** Formats a block back to `a.b.c.d/n`. */
export function formatCidr(block: Ipv4Block): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(block.base / 2 ** shift) % 256);
  return `${octets.join('.')}/${block.prefixLength}`;
}

function blockSize(block: Ipv4Block): number {
  return 2 ** (32 - block.prefixLength);
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + blockSize(b) && b.base < a.base + blockSize(a);
}

/**
 * Carves consecutive, aligned subnets of the given prefix lengths out of `vpc`, in order.
 * Returns undefined when they do not fit, so callers can report the problem their own way.
 */
export function allocateSubnets(vpc: Ipv4Block, prefixLengths: readonly number[]): Ipv4Block[] | undefined {
  const end = vpc.base + blockSize(vpc);
  let cursor = vpc.base;
  const blocks: Ipv4Block[] = [];
  for (const prefixLength of prefixLengths) {
    if (prefixLength < vpc.prefixLength || prefixLength > 28) return undefined;
    const size = 2 ** (32 - prefixLength);
    cursor = Math.ceil(cursor / size) * size;
    if (cursor + size > end) return undefined;
    blocks.push({ base: cursor, prefixLength });
    cursor += size;
  }
  return blocks;
}

/** Prefix length of the control plane's subnets: EKS asks for at least /28 with six free addresses. */
export const CONTROL_PLANE_SUBNET_LENGTH = 28;

/**
 * The prefix lengths of a VPC's subnets, in the order they are carved: one private (nodes and pods), then one
 * public (load balancers, NAT), then one control-plane subnet (the EKS control plane's network interfaces)
 * per AZ. Appending keeps the addresses of the subnets before it.
 */
export function subnetLayout(azCount: number, privateLength: number, publicLength: number): number[] {
  return [
    ...Array<number>(azCount).fill(privateLength),
    ...Array<number>(azCount).fill(publicLength),
    ...Array<number>(azCount).fill(CONTROL_PLANE_SUBNET_LENGTH),
  ];
}
