import type { RenderedObject } from './render';

/**
 * The rules every rendered workload is held to: the Pod Security Standards of its namespace, resources,
 * pinned images, probes, a read-only root filesystem, and in production high availability. Each
 * violation names the workload (`Deployment monitoring/grafana`), the container and the rule.
 */

/** A rule a workload can break. */
export type PolicyRule =
  'pod-security' | 'resources' | 'image-tag' | 'probes' | 'read-only-root' | 'replicas' | 'disruption-budget' | 'zone-spread';

/** One broken rule. */
export interface Violation {
  readonly rule: PolicyRule;
  /** `Kind namespace/name` of the workload. */
  readonly workload: string;
  /** The container, where the rule is about one. */
  readonly container?: string;
  readonly message: string;
}

/** A workload found in the rendered objects, with the pod template it runs. */
export interface Workload {
  readonly object: RenderedObject;
  readonly id: string;
  readonly namespace: string;
  readonly pod: PodSpec;
  readonly podLabels: Record<string, string>;
  /** Deployments, StatefulSets and DaemonSets run for good; Jobs run to completion. */
  readonly longRunning: boolean;
  readonly replicas?: number;
}

type Json = Record<string, unknown>;
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Json; limits?: Json };
  securityContext?: SecurityContext;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  ports?: { containerPort: number; hostPort?: number }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Json[];
  topologySpreadConstraints?: { topologyKey: string }[];
  affinity?: { podAntiAffinity?: Json };
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

/** The pod spec an object runs (its template's, for controllers), or undefined for objects that run none. */
export function podSpecOf(object: RenderedObject): Json | undefined {
  const path = POD_TEMPLATE_PATHS[object.kind];
  return path ? (at(object, path) as Json | undefined) : undefined;
}

function at(node: unknown, path: string[]): unknown {
  return path.reduce<unknown>((current, key) => (current as Json | undefined)?.[key], node);
}

/** Volume types the `restricted` profile admits. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const ZONE_KEY = 'topology.kubernetes.io/zone';

/** The workloads among rendered objects; `namespaceOf` gives an object's effective namespace. */
export function workloads(objects: RenderedObject[], namespaceOf: (o: RenderedObject) => string): Workload[] {
  return objects.flatMap((object) => {
    const pod = podSpecOf(object) as PodSpec | undefined;
    if (!pod) return [];
    const template = at(object, POD_TEMPLATE_PATHS[object.kind].slice(0, -1)) as
      { metadata?: { labels?: Record<string, string> } } | undefined;
    const namespace = namespaceOf(object);
    const spec = object.spec as { replicas?: number } | undefined;
    return [
      {
        object,
        id: `${object.kind} ${namespace}/${object.metadata.name}`,
        namespace,
        pod,
        podLabels: (object.kind === 'Pod' ? object.metadata.labels : template?.metadata?.labels) ?? {},
        longRunning: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(object.kind),
        replicas: ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(object.kind) ? (spec?.replicas ?? 1) : undefined,
      },
    ];
  });
}

/** The Pod Security level a namespace enforces (`restricted`, `baseline`, `privileged`). */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** What a namespace's LimitRange gives containers that set no resources of their own. */
export interface ContainerDefaults {
  readonly defaultRequest?: Json;
  readonly default?: Json;
}

/** The container defaults of the LimitRanges among `objects` (in their namespaces), as the admission plugin applies them. */
export function limitRangeDefaults(objects: { object: RenderedObject; namespace: string }[]): Map<string, ContainerDefaults> {
  const defaults = new Map<string, ContainerDefaults>();
  for (const { object, namespace } of objects.filter((o) => o.object.kind === 'LimitRange')) {
    for (const limit of ((object.spec as Json).limits ?? []) as (ContainerDefaults & { type: string })[]) {
      if (limit.type === 'Container') defaults.set(namespace, { defaultRequest: limit.defaultRequest, default: limit.default });
    }
  }
  return defaults;
}

/** Violations of the per-container and per-pod rules, for every workload. */
export function containerViolations(workload: Workload, level: PodSecurityLevel, defaults: ContainerDefaults = {}): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: PolicyRule, message: string, container?: string) =>
    violations.push({ rule, workload: workload.id, container, message });
  const { pod } = workload;

  for (const problem of podSecurityProblems(pod, level)) add('pod-security', problem.message, problem.container);
  const all = [...(pod.initContainers ?? []).map((c) => ({ c, init: true })), ...pod.containers.map((c) => ({ c, init: false }))];
  for (const { c, init } of all) {
    const requests = { ...defaults.defaultRequest, ...c.resources?.requests };
    const limits = { ...defaults.default, ...c.resources?.limits };
    if (!requests.cpu || !requests.memory || !limits.memory)
      add('resources', 'needs requests.cpu, requests.memory and limits.memory', c.name);
    if (!c.image || !imageIsPinned(c.image)) add('image-tag', `image ${c.image ?? '(none)'} is not pinned to a tag or digest`, c.name);
    const readOnly = c.securityContext?.readOnlyRootFilesystem;
    if (readOnly !== true) add('read-only-root', 'root filesystem is writable', c.name);
    if (workload.longRunning && !init && (!c.livenessProbe || !c.readinessProbe)) {
      add(
        'probes',
        `lacks ${[!c.livenessProbe && 'a liveness', !c.readinessProbe && 'a readiness'].filter(Boolean).join(' and ')} probe`,
        c.name,
      );
    }
  }
  return violations;
}

/** A tag other than `latest`, or a digest. */
export function imageIsPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.split('/').pop()!;
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop()! : '';
  return tag !== '' && tag !== 'latest';
}

/** The checks of the Pod Security Standards (v1.35) for the namespace's enforced level. */
export function podSecurityProblems(pod: PodSpec, level: PodSecurityLevel): { container?: string; message: string }[] {
  if (level === 'privileged') return [];
  const problems: { container?: string; message: string }[] = [];
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  // Baseline.
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push({ message: 'uses host namespaces' });
  for (const volume of pod.volumes ?? [])
    if ('hostPath' in volume) problems.push({ message: `volume ${String(volume.name)} is a hostPath` });
  for (const c of containers) {
    if (c.securityContext?.privileged) problems.push({ container: c.name, message: 'is privileged' });
    if (c.ports?.some((p) => p.hostPort)) problems.push({ container: c.name, message: 'uses a hostPort' });
    const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.includes(cap));
    if (added.length > 0) problems.push({ container: c.name, message: `adds capabilities ${added.join(', ')}` });
  }
  if (level === 'baseline') return problems;
  // Restricted.
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUMES.includes(type)) problems.push({ message: `volume ${String(volume.name)} has type ${type}` });
  }
  const podContext = pod.securityContext ?? {};
  for (const c of containers) {
    const context = c.securityContext ?? {};
    if (context.allowPrivilegeEscalation !== false) problems.push({ container: c.name, message: 'allowPrivilegeEscalation is not false' });
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true)
      problems.push({ container: c.name, message: 'runAsNonRoot is not true' });
    if ((context.runAsUser ?? podContext.runAsUser) === 0) problems.push({ container: c.name, message: 'runs as user 0' });
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push({ container: c.name, message: 'seccompProfile is not RuntimeDefault or Localhost' });
    if (!(context.capabilities?.drop ?? []).includes('ALL'))
      problems.push({ container: c.name, message: 'does not drop ALL capabilities' });
    const added = (context.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push({ container: c.name, message: `adds capabilities ${added.join(', ')}` });
  }
  return problems;
}

const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/**
 * High availability of a long-running Deployment or StatefulSet in production: at least two replicas, a
 * PodDisruptionBudget that selects its pods, and its replicas spread over zones.
 */
export function availabilityViolations(workload: Workload, budgets: { object: RenderedObject; namespace: string }[]): Violation[] {
  if (workload.replicas === undefined) return [];
  const violations: Violation[] = [];
  const add = (rule: PolicyRule, message: string) => violations.push({ rule, workload: workload.id, message });
  if (workload.replicas < 2) add('replicas', `runs ${workload.replicas} replica`);
  const covered = budgets.some(
    (b) => b.namespace === workload.namespace && selects((b.object.spec as { selector?: Selector }).selector, workload.podLabels),
  );
  if (!covered) add('disruption-budget', 'no PodDisruptionBudget selects its pods');
  const spread =
    workload.pod.topologySpreadConstraints?.some((t) => t.topologyKey === ZONE_KEY) ||
    JSON.stringify(workload.pod.affinity?.podAntiAffinity ?? {}).includes(ZONE_KEY);
  if (!spread) add('zone-spread', 'replicas are not spread over zones');
  return violations;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector selects these labels (an empty selector selects everything; a missing one nothing). */
export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matches = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const expressions = (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case 'In':
        return e.values?.includes(labels[e.key]) ?? false;
      case 'NotIn':
        return !(e.values?.includes(labels[e.key]) ?? false);
      case 'Exists':
        return e.key in labels;
      case 'DoesNotExist':
        return !(e.key in labels);
      default:
        return false;
    }
  });
  return matches && expressions;
}
