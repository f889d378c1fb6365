import { irsaServiceAccount, roleFor, type KubernetesObject } from '../../kubernetes/objects';

/** What a Spark driver does in its namespace: run its executors and their Services, ConfigMaps and volumes (the chart's rules). */
const DRIVER_RULES = [
  {
    apiGroups: [''],
    resources: ['pods', 'configmaps', 'persistentvolumeclaims', 'services'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  },
];

/** A namespace the operator runs jobs in, and the service account its drivers and executors run as. */
export interface JobNamespace {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** IRSA role of a service account created here; absent where the account exists already (a team's own). */
  readonly roleArn?: string;
}

/**
 * The drivers' Role and RoleBinding in each job namespace, and the service account where it is the
 * platform's own. Made here rather than by the chart, which would put the platform's job account, with its
 * IRSA role, into every namespace it watches, team namespaces included.
 */
export function jobAccounts(namespaces: readonly JobNamespace[]): KubernetesObject[] {
  return namespaces.flatMap(({ namespace, serviceAccountName, roleArn }) => {
    const metadata = { name: 'spark-driver', namespace, labels: { 'app.kubernetes.io/part-of': 'spark-operator' } };
    return [
      ...(roleArn ? [irsaServiceAccount(serviceAccountName, namespace, roleArn, { kubernetesApi: true })] : []),
      ...roleFor(metadata, DRIVER_RULES, { name: serviceAccountName, namespace }),
    ];
  });
}
