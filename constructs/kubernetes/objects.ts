import { createHash } from 'node:crypto';

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

/** The annotation that binds a service account to an IAM role (IRSA); EKS's webhook then projects its token. */
export function irsaAnnotations(roleArn: string): Record<string, string> {
  return { 'eks.amazonaws.com/role-arn': roleArn };
}

/**
 * A service account bound to an IAM role. Its Kubernetes token is not mounted unless the workload calls the
 * Kubernetes API (`kubernetesApi`): the IRSA webhook projects a token of its own for AWS.
 */
export function irsaServiceAccount(
  name: string,
  namespace: string,
  roleArn: string,
  options: { readonly annotations?: Record<string, string>; readonly kubernetesApi?: boolean } = {},
): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, annotations: { ...irsaAnnotations(roleArn), ...options.annotations } },
    ...(options.kubernetesApi ? {} : { automountServiceAccountToken: false }),
  };
}

/**
 * A container's part of Pod Security `restricted`, on a read-only root filesystem; the pod's security
 * context adds non-root and the seccomp profile.
 */
export function readOnlyContainerSecurity(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
}

/** SHA-256 of a value's JSON, in hex: names and annotations that change exactly when the value does. */
export function contentDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * A Role with `rules` and the RoleBinding that grants it to one service account (of any namespace), both named
 * and labelled by `metadata`.
 */
export function roleFor(
  metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> },
  rules: readonly Record<string, unknown>[],
  account: { readonly name: string; readonly namespace: string },
): KubernetesObject[] {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: rules.map((r) => ({ ...r })) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metadata.name },
      subjects: [{ kind: 'ServiceAccount', name: account.name, namespace: account.namespace }],
    },
  ];
}
