import type { KubernetesObject } from '../../kubernetes/objects';

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
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications/status'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: spec.name },
      subjects: [{ kind: 'ServiceAccount', name: spec.serviceAccount.name, namespace: spec.serviceAccount.namespace }],
    },
  ];
}
