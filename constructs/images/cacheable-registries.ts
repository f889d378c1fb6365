/**
 * The upstream registries an ECR pull-through cache rule can mirror, as image references name them, with
 * the URL ECR pulls from, the short name in the cache's repository paths and whether ECR needs a login.
 */
export const CACHEABLE_REGISTRIES = {
  'docker.io': { upstreamUrl: 'registry-1.docker.io', path: 'docker-hub', needsCredentials: true },
  'ghcr.io': { upstreamUrl: 'ghcr.io', path: 'github', needsCredentials: true },
  'quay.io': { upstreamUrl: 'quay.io', path: 'quay', needsCredentials: false },
  'registry.k8s.io': { upstreamUrl: 'registry.k8s.io', path: 'k8s', needsCredentials: false },
  'public.ecr.aws': { upstreamUrl: 'public.ecr.aws', path: 'ecr-public', needsCredentials: false },
} as const;

export type CacheableRegistry = keyof typeof CACHEABLE_REGISTRIES;

export const CACHEABLE_REGISTRY_NAMES = Object.keys(CACHEABLE_REGISTRIES) as CacheableRegistry[];

/** The repository prefix of one upstream's cache: `<namePrefix>/<path>` (ECR allows at most 30 characters). */
export function cacheRepositoryPrefix(namePrefix: string, registry: CacheableRegistry): string {
  return `${namePrefix}/${CACHEABLE_REGISTRIES[registry].path}`;
}

/** The private registry host of an account and region. */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}
