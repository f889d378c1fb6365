import { INSTANCE_TYPE, instanceArchitecture, instanceSize } from '../../constructs/cluster/instance-types';
import { EKS_KUBERNETES_VERSIONS, REGION_ZONES } from './aws-facts';
import type { RawEnvironment } from './schema';

// Rules that hold an environment file to what AWS can build, each reported at the path to edit.

type Fail = (path: (string | number)[], message: string) => void;

/** Sizes too small to run the platform's controllers (the general pool's job). */
const TOO_SMALL = ['nano', 'micro', 'small', 'medium'];

/** AWS's characters for tag keys and values (letters, digits, spaces and `_ . : / = + - @`). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function checkAwsFacts(env: RawEnvironment, fail: Fail): void {
  const { region } = env.aws;
  const zones = REGION_ZONES[region];
  if (zones === undefined) fail(['aws', 'region'], `'${region}' is not an AWS region (${Object.keys(REGION_ZONES).join(', ')})`);
  else if (env.network.azCount > zones)
    fail(['network', 'azCount'], `${region} offers ${zones} availability zones to new accounts (got ${env.network.azCount})`);
  if (env.backend.type === 's3' && env.backend.region && REGION_ZONES[env.backend.region] === undefined)
    fail(['backend', 'region'], `'${env.backend.region}' is not an AWS region`);
  if (!(EKS_KUBERNETES_VERSIONS as readonly string[]).includes(env.cluster.kubernetesVersion))
    fail(
      ['cluster', 'kubernetesVersion'],
      `EKS runs Kubernetes ${EKS_KUBERNETES_VERSIONS.join(', ')} (got ${env.cluster.kubernetesVersion})`,
    );
  checkInstanceTypes(env, fail);
  checkTags(env, fail);
  checkOwnArns(env, fail);
}

function checkInstanceTypes(env: RawEnvironment, fail: Fail): void {
  for (const [name, pool] of Object.entries(env.cluster.nodePools)) {
    const path = ['cluster', 'nodePools', name, 'instanceTypes'];
    pool.instanceTypes.forEach((type, index) => {
      if (!INSTANCE_TYPE.test(type)) fail([...path, index], `'${type}' is not an EC2 instance type such as m7i.large`);
      else if (name === 'general' && TOO_SMALL.includes(instanceSize(type)!))
        fail([...path, index], `'${type}' is too small for the general pool, which runs the platform's controllers: large or bigger`);
    });
    const architectures = new Set(pool.instanceTypes.map(instanceArchitecture).filter((a) => a !== undefined));
    if (architectures.size > 1) fail(path, `mixes x86_64 and arm64 instance types: a node group runs one AMI, of one architecture`);
  }
}

function checkTags(env: RawEnvironment, fail: Fail): void {
  const tags: [string | number, string, string][] = [
    ['owner', 'Owner', env.owner],
    ['costCenter', 'CostCenter', env.costCenter],
    ...Object.entries(env.tags).map(([key, value]): [string, string, string] => [key, key, value]),
  ];
  for (const [field, key, value] of tags) {
    const path = field === 'owner' || field === 'costCenter' ? [field] : ['tags', field];
    if (!TAG_TEXT.test(key) || key.toLowerCase().startsWith('aws:'))
      fail(path, `'${key}' is not a tag key AWS accepts (letters, digits, spaces, _ . : / = + - @; not aws:…)`);
    if (!TAG_TEXT.test(value)) fail(path, `'${value}' is not a tag value AWS accepts (letters, digits, spaces, _ . : / = + - @)`);
  }
}

/** ARNs that must be the environment's own account and region: the resources are used in place, not shared. */
function checkOwnArns(env: RawEnvironment, fail: Fail): void {
  const own: [(string | number)[], string | undefined][] = [
    [['delivery', 'codeConnectionArn'], env.delivery.codeConnectionArn],
    [['platform', 'ingress', 'certificateArn'], env.platform.ingress.certificateArn],
  ];
  const provider = env.delivery.existingOidcProviderArn;
  if (provider && provider.split(':')[4] !== env.aws.accountId)
    fail(['delivery', 'existingOidcProviderArn'], `must be in the environment's account (${env.aws.accountId}): its roles trust it`);
  for (const [path, arn] of own) {
    if (!arn) continue;
    const [, , , region, account] = arn.split(':');
    if (region !== env.aws.region || account !== env.aws.accountId)
      fail(path, `must be in the environment's account and region (${env.aws.accountId}, ${env.aws.region}), not ${account} in ${region}`);
  }
}

/** Rules between environment files: what two environments in one account would both try to create. */
export function checkEnvironmentsTogether(
  environments: readonly Pick<RawEnvironment, 'aws' | 'backend' | 'delivery'>[],
  names: readonly string[],
  fail: (index: number, path: (string | number)[], message: string) => void,
): void {
  const buckets = new Map<string, string>();
  const providers = new Map<string, string>();
  environments.forEach((env, index) => {
    if (env.backend.type !== 's3') return;
    const owner = buckets.get(env.backend.bucket);
    if (owner)
      fail(
        index,
        ['backend', 'bucket'],
        `'${env.backend.bucket}' is ${owner}'s state bucket too: each environment's bootstrap stack creates its own`,
      );
    else buckets.set(env.backend.bucket, names[index]);
    if (env.delivery.existingOidcProviderArn) return;
    const creator = providers.get(env.aws.accountId);
    if (creator)
      fail(
        index,
        ['delivery', 'existingOidcProviderArn'],
        `${creator} creates the GitHub OIDC provider of account ${env.aws.accountId}, which holds one: name it here (arn:aws:iam::${env.aws.accountId}:oidc-provider/token.actions.githubusercontent.com)`,
      );
    else providers.set(env.aws.accountId, names[index]);
  });
}
