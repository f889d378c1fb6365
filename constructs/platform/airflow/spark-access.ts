import { roleFor, type KubernetesObject } from '../../kubernetes/objects';

/** Who gets access to which namespace. */
export interface SparkAccessSpec {
  /** Namespace of the SparkApplications. */
  readonly sparkNamespace: string;
  /** Namespace and name of the service account Airflow's task pods run as. */
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** Name of the Role and the RoleBinding. */
  readonly name: string;
}

/**
 * A Role and RoleBinding in the Spark job namespace that let Airflow tasks (SparkKubernetesOperator) submit,
 * follow and cancel SparkApplications and read the driver's pod, logs and events. Nothing else: no pods of
 * their own there, no secrets, no other namespace.
 */
export function sparkAccess(spec: SparkAccessSpec): KubernetesObject[] {
  const metadata = {
    name: spec.name,
    namespace: spec.sparkNamespace,
    labels: { 'app.kubernetes.io/part-of': 'airflow', 'app.kubernetes.io/component': 'spark-access' },
  };
  return roleFor(metadata, TASK_ACCESS.spark, spec.serviceAccount);
}

/** Rules of a Role Airflow's tasks get in a namespace, by what they do there. */
export const TASK_ACCESS = {
  /** Serve a model or roll it to a new version: create, read and patch InferenceServices (KServe). */
  models: [
    { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['create', 'get', 'list', 'watch', 'patch', 'update'] },
    { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices/status'], verbs: ['get'] },
  ],
  /** Submit and follow SparkApplications in a team's namespace, as in the Spark job namespace. */
  spark: [
    { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
    { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications/status'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
  ],
  /** Run feature-store jobs (`feast apply`, materialization) as Kubernetes Jobs, from the CronJobs there, and follow them. */
  jobs: [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
    { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  ],
} as const;

/** A Role with `rules` in `namespace`, bound to Airflow's task service account. */
export function taskAccess(
  spec: { name: string; namespace: string; serviceAccount: { namespace: string; name: string } },
  rules: readonly Record<string, unknown>[],
): KubernetesObject[] {
  const metadata = {
    name: spec.name,
    namespace: spec.namespace,
    labels: { 'app.kubernetes.io/part-of': 'airflow', 'app.kubernetes.io/component': 'task-access' },
  };
  return roleFor(metadata, rules, spec.serviceAccount);
}
