import { nodeAffinity, zoneSpread, type KubernetesObject, type Placement, type Resources } from '../../kubernetes/objects';
import { CLUSTER_LABEL, STRIMZI_API_VERSION } from './strimzi-api';

/** Controllers keep only the metadata log: a small disk is plenty. */
export const CONTROLLER_STORAGE_GIB = 20;

/** KRaft roles a node pool can take. */
export type KafkaRole = 'controller' | 'broker';

/** One KafkaNodePool to build. */
export interface NodePoolSpec {
  readonly name: string;
  readonly replicas: number;
  readonly roles: KafkaRole[];
  readonly storageGiB: number;
  readonly resources: Resources;
}

/** What every pool of the cluster shares. */
export interface NodePoolContext {
  readonly clusterName: string;
  readonly namespace: string;
  readonly storageClass: string;
  readonly placement: Placement;
  /** Delete a volume with its claim when the cluster or a node goes (no orphaned disks), unless the cluster retains its volumes. */
  readonly deleteClaims: boolean;
}

/**
 * A KafkaNodePool on the storage pool: one JBOD volume (persistent, deleted with its claim only where
 * {@link NodePoolContext.deleteClaims} says so, also holding the KRaft metadata log), one pod per node, spread over zones. Strimzi's pod template has no
 * `nodeSelector`, hence the node affinity.
 */
export function kafkaNodePool(spec: NodePoolSpec, context: NodePoolContext): KubernetesObject {
  const podLabels = { [CLUSTER_LABEL]: context.clusterName, 'strimzi.io/pool-name': spec.name };
  return {
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaNodePool',
    metadata: { name: spec.name, namespace: context.namespace, labels: { [CLUSTER_LABEL]: context.clusterName } },
    spec: {
      replicas: spec.replicas,
      roles: spec.roles,
      storage: {
        type: 'jbod',
        volumes: [
          {
            id: 0,
            type: 'persistent-claim',
            size: `${spec.storageGiB}Gi`,
            class: context.storageClass,
            deleteClaim: context.deleteClaims,
            kraftMetadata: 'shared',
          },
        ],
      },
      resources: spec.resources,
      template: {
        pod: {
          affinity: {
            ...nodeAffinity(context.placement),
            // A node lost must cost at most one replica of each partition (and one controller vote).
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: podLabels }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          tolerations: context.placement.tolerations,
          topologySpreadConstraints: zoneSpread(podLabels),
        },
      },
    },
  };
}
