import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRepositoryCreationTemplate } from '@cdktf/provider-aws/lib/ecr-repository-creation-template';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { IGrantable } from '../iam/grantable';
import { CACHEABLE_REGISTRIES, cacheRepositoryPrefix, type CacheableRegistry } from './cacheable-registries';
import { expireUntagged } from './lifecycle-rules';

/** One upstream registry to mirror. */
export interface CachedRegistry {
  /**
   * Secrets Manager secret (`ecr-pullthroughcache/…`, with `username` and `accessToken`) ECR logs in to the
   * upstream with. Required for Docker Hub and GitHub's registry, which ECR cannot pull from anonymously.
   * @default none
   */
  readonly credentialArn?: string;
}

/** Props of {@link PullThroughCache}. */
export interface PullThroughCacheProps {
  /** `mlops-<env>`: cached repositories are `<namePrefix>/<upstream>/<repository>`. */
  readonly namePrefix: string;
  /** The upstreams to mirror. */
  readonly registries: Partial<Record<CacheableRegistry, CachedRegistry>>;
  /** Who pulls through the cache (the nodes' role): may import upstream images and create their repositories. */
  readonly pullers: IGrantable[];
  /** Days an untagged image (a tag's former digest) is kept. @default 14 */
  readonly untaggedImageDays?: number;
}

/**
 * ECR pull-through cache rules for the environment's upstream registries: nodes pull every image from the
 * account's private registry, which fetches it from upstream once and refreshes it at most daily. Upstream
 * rate limits and outages stop mattering for images already cached, and the images are scanned where the
 * registry's scanning configuration says. A repository creation template gives the repositories the cache
 * creates encryption and a lifecycle policy.
 */
export class PullThroughCache extends Construct {
  readonly registries: CacheableRegistry[];

  constructor(scope: Construct, id: string, props: PullThroughCacheProps) {
    super(scope, id);
    const where = this.node.path;
    this.registries = Object.keys(props.registries) as CacheableRegistry[];
    if (this.registries.length === 0) throw new Error(`${where}: registries is empty; leave the cache out instead`);
    const days = props.untaggedImageDays ?? 14;
    if (!Number.isInteger(days) || days < 1) throw new Error(`${where}: untaggedImageDays must be a positive integer (got ${days})`);

    for (const registry of this.registries) {
      const upstream = CACHEABLE_REGISTRIES[registry];
      if (upstream === undefined) throw new Error(`${where}: ECR cannot cache ${registry}`);
      const { credentialArn } = props.registries[registry]!;
      if (upstream.needsCredentials && !credentialArn)
        throw new Error(`${where}: ${registry} needs a credentialArn (ECR cannot pull it anonymously)`);
      if (credentialArn && !/:secret:ecr-pullthroughcache\//.test(credentialArn)) {
        throw new Error(
          `${where}: the credential of ${registry} must be a Secrets Manager secret named ecr-pullthroughcache/… (got ${credentialArn})`,
        );
      }
      const prefix = cacheRepositoryPrefix(props.namePrefix, registry);
      if (prefix.length > 30)
        throw new Error(`${where}: repository prefix '${prefix}' exceeds ECR's 30 characters; shorten the name prefix`);
      new EcrPullThroughCacheRule(this, `Rule-${upstream.path}`, {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl: upstream.upstreamUrl,
        credentialArn,
      });
    }

    new EcrRepositoryCreationTemplate(this, 'RepositoryTemplate', {
      prefix: props.namePrefix,
      description: `Repositories the pull-through cache of ${props.namePrefix} creates`,
      appliedFor: ['PULL_THROUGH_CACHE'],
      // Mutable: the cache moves a tag when upstream does; what runs is pinned by the charts' tags.
      imageTagMutability: 'MUTABLE',
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      lifecyclePolicy: JSON.stringify({ rules: [expireUntagged(1, days)] }),
    });

    const { accountId, partition, region } = awsContext(this);
    for (const puller of props.pullers) {
      puller.addToPolicy('PullThroughCache', [
        {
          sid: 'ImportUpstreamImages',
          actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
          resources: [`arn:${partition}:ecr:${region}:${accountId}:repository/${props.namePrefix}/*`],
        },
      ]);
    }
  }
}
