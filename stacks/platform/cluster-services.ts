import type { Construct } from 'constructs';
import { ecrRegistryHost, type CacheableRegistry } from '../../constructs/images/cacheable-registries';
import { ImageMirror } from '../../constructs/images/image-mirror';
import { ClusterProviders } from '../../constructs/kubernetes/cluster-providers';
import { PlatformNamespace } from '../../constructs/kubernetes/platform-namespace';
import { ClusterAutoscaler } from '../../constructs/platform/cluster-autoscaler';
import type { EnvironmentConfig } from '../../src/config/schema';
import type { BaseStack } from '../base-stack';
import { NAMESPACES, teamWorkload, WORKLOADS } from '../catalogue';
import type { PlatformContext, PoolPlacements } from './context';
import { GPU_NAMESPACE, gpuPlacements } from './gpu';
import { poolPlacementOf } from './placements';
import type { PlatformStackProps } from './props';

/**
 * The Helm and Kubernetes providers for the cluster and, where the environment pulls through ECR, the image
 * mirror: declared before any component, as each release points its images at it.
 */
export function addClusterAccess(stack: BaseStack, environment: EnvironmentConfig, props: PlatformStackProps): void {
  const { aws } = environment;
  new ClusterProviders(stack, 'ClusterProviders', { cluster: props.cluster, region: aws.region, roleArn: aws.assumeRoleArn });
  const cachedRegistries = Object.keys(environment.cluster.pullThroughCache) as CacheableRegistry[];
  if (cachedRegistries.length > 0) {
    ImageMirror.declare(stack, {
      registryHost: ecrRegistryHost(aws.accountId, aws.region),
      namePrefix: stack.prefix,
      registries: cachedRegistries,
    });
  }
}

/** The node selector and tolerations of each of the three pools the platform places pods on. */
export function poolPlacements(environment: EnvironmentConfig): PoolPlacements {
  const place = (name: 'general' | 'compute' | 'storage') => poolPlacementOf(environment, name);
  return { general: place('general'), compute: place('compute'), storage: place('storage') };
}

/** The catalogue's namespaces, each with its Pod Security level, a `restricted` one per team and the device plugin's where there are GPUs. */
export function addNamespaces(scope: Construct, environment: EnvironmentConfig): Record<string, PlatformNamespace> {
  const teams = Object.keys(environment.platform.teams).map((team) => [teamWorkload(team).namespace, 'restricted'] as const);
  const gpu = Object.keys(gpuPlacements(environment)).length > 0 ? [[GPU_NAMESPACE, 'privileged'] as const] : [];
  return Object.fromEntries(
    [...Object.entries(NAMESPACES), ...teams, ...gpu].map(([name, podSecurity]) => [
      name,
      new PlatformNamespace(scope, `Namespace-${name}`, { name, podSecurity }),
    ]),
  );
}

/** The Cluster Autoscaler over the managed node groups. */
export function addClusterAutoscaler({ scope, environment, props, placement, namespace }: PlatformContext): ClusterAutoscaler {
  return new ClusterAutoscaler(scope, 'ClusterAutoscaler', {
    namespace: namespace(WORKLOADS.clusterAutoscaler.namespace),
    clusterName: props.cluster.clusterName,
    kubernetesVersion: environment.cluster.kubernetesVersion,
    region: environment.aws.region,
    roleArn: props.roles.clusterAutoscaler,
    serviceAccountName: WORKLOADS.clusterAutoscaler.serviceAccounts[0],
    placement: placement.general,
    highlyAvailable: environment.production,
  });
}
