/** The parts of a Kubernetes object every kind shares; the rest is the kind's own. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** A Kubernetes toleration, as pod specs and Helm values spell it. */
export interface Toleration {
  readonly key: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
}

/** Where pods go: the selector and tolerations of one node pool. */
export interface Placement {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: Toleration[];
}

/** CPU and memory requests and limits of one container. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** A required node affinity to the same pool, for CRDs (Strimzi's) that have affinity but no nodeSelector. */
export function nodeAffinity(placement: Placement): Record<string, unknown> {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: Object.entries(placement.nodeSelector).map(([key, value]) => ({ key, operator: 'In', values: [value] })) },
        ],
      },
    },
  };
}

/** Spreads pods matching `labels` over zones (soft: a zone outage must not block scheduling). */
export function zoneSpread(labels: Record<string, string>): Record<string, unknown>[] {
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
  ];
}
