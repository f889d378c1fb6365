import { nvidiaArchitecture } from '../../constructs/cluster/accelerators';
import { CACHEABLE_REGISTRIES, type CacheableRegistry } from '../../constructs/images/cacheable-registries';
import { allocateSubnets, cidrsOverlap, CONTROL_PLANE_SUBNET_LENGTH, parseCidr, subnetLayout } from '../../constructs/network/cidr';
import type { RawEnvironment } from './schema';

// Rules across the network and cluster fields of an environment file, each reported at the path to edit.

type Fail = (path: (string | number)[], message: string) => void;

export function checkPullThroughCache(env: Pick<RawEnvironment, 'aws' | 'cluster'>, fail: Fail): void {
  for (const [registry, rule] of Object.entries(env.cluster.pullThroughCache) as [CacheableRegistry, { credentialArn?: string }][]) {
    const path = ['cluster', 'pullThroughCache', registry, 'credentialArn'];
    if (CACHEABLE_REGISTRIES[registry].needsCredentials && !rule.credentialArn) {
      fail(path, `ECR cannot pull ${registry} anonymously: give the secret with its login (username, accessToken)`);
    }
    const [, , , region, account] = rule.credentialArn?.split(':') ?? [];
    if (rule.credentialArn && (region !== env.aws.region || account !== env.aws.accountId)) {
      fail(path, `must be a secret of the environment's account and region (${env.aws.accountId}, ${env.aws.region})`);
    }
  }
}

export function checkSubnetLayout(env: Pick<RawEnvironment, 'network'>, fail: Fail): void {
  const vpc = parseCidr(env.network.vpcCidr);
  if (!vpc) return; // already reported by the field rule
  const { azCount, privateSubnetPrefixLength, publicSubnetPrefixLength } = env.network;
  if (!allocateSubnets(vpc, subnetLayout(azCount, privateSubnetPrefixLength, publicSubnetPrefixLength))) {
    fail(
      ['network', 'vpcCidr'],
      `${env.network.vpcCidr} cannot hold ${azCount} private /${privateSubnetPrefixLength}, ${azCount} public /${publicSubnetPrefixLength} and ${azCount} control-plane /${CONTROL_PLANE_SUBNET_LENGTH} subnets`,
    );
  }
  const rfc1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);
  if (!rfc1918.some((range) => range.prefixLength <= vpc.prefixLength && cidrsOverlap(range, vpc))) {
    fail(['network', 'vpcCidr'], `${env.network.vpcCidr} must lie inside a private (RFC 1918) range`);
  }
}

/** A GPU pool runs NVIDIA instances (of one architecture: aws-rules.ts); an NVIDIA instance outside such a pool would get no driver. */
export function checkAccelerators(env: Pick<RawEnvironment, 'cluster'>, fail: Fail): void {
  for (const [name, pool] of Object.entries(env.cluster.nodePools)) {
    pool.instanceTypes.forEach((type, index) => {
      const path = ['cluster', 'nodePools', name, 'instanceTypes', index];
      const architecture = nvidiaArchitecture(type);
      if (pool.accelerator === 'nvidia' && architecture === undefined)
        fail(path, `'${type}' has no NVIDIA GPU the NVIDIA AMI supports (g4dn, g5, g6, g6e, gr6, p4d, p5 families; g5g on arm64)`);
      if (pool.accelerator === undefined && architecture !== undefined)
        fail(path, `'${type}' is a GPU instance: set accelerator: nvidia on the pool, or its nodes get no GPU driver`);
    });
    if (pool.accelerator === 'nvidia' && name === 'general')
      fail(['cluster', 'nodePools', name, 'accelerator'], 'the general pool runs the platform, not GPU work: add a pool of its own');
  }
}
