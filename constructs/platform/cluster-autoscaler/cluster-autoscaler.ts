import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { irsaServiceAccount, readOnlyContainerSecurity, roleFor, zoneSpread, type KubernetesObject } from '../../kubernetes/objects';
import type { AvailabilityProps, AwsWorkloadProps, ComponentProps } from '../component';

/** The autoscaler's health endpoint (`--address`, default `:8085`): `/health-check` fails when its loop stalls. */
const HEALTH_PORT = 8085;

/** Cluster Autoscaler release line for each Kubernetes minor: they are released together. */
const IMAGE = 'registry.k8s.io/autoscaling/cluster-autoscaler';

/** Props of {@link ClusterAutoscaler}. */
/** Its IRSA role carries {@link clusterAutoscalerPolicy}. */
export interface ClusterAutoscalerProps extends ComponentProps, AwsWorkloadProps, Pick<AvailabilityProps, 'highlyAvailable'> {
  readonly clusterName: string;
  /** Kubernetes minor version of the cluster (`1.35`): the autoscaler's version follows it. */
  readonly kubernetesVersion: string;
  /** @default 'cluster-autoscaler' */
  readonly serviceAccountName?: string;
  /** @default `v<kubernetesVersion>.0` */
  readonly imageTag?: string;
}

/**
 * Cluster Autoscaler over the managed node groups: it discovers them by the tags EKS puts on their Auto
 * Scaling groups, balances similar groups across zones, and scales `compute` from and to zero. Installed as
 * plain objects (the upstream chart's data is not vendored here): service account, RBAC, Deployment.
 */
export class ClusterAutoscaler extends Construct {
  readonly release: ManifestsRelease;
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    if (!/^1\.\d{2}$/.test(props.kubernetesVersion)) {
      throw new Error(`${this.node.path}: kubernetesVersion '${props.kubernetesVersion}' must be a minor version such as '1.35'`);
    }
    const name = 'cluster-autoscaler';
    const { namespace } = props;
    const serviceAccountName = props.serviceAccountName ?? name;
    this.serviceAccountName = serviceAccountName;
    const labels = { 'app.kubernetes.io/name': name };
    const highlyAvailable = props.highlyAvailable ?? false;
    const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({
      apiGroups,
      resources,
      verbs,
      ...(resourceNames ? { resourceNames } : {}),
    });
    const read = ['get', 'list', 'watch'];
    const manifests: KubernetesObject[] = [
      irsaServiceAccount(serviceAccountName, namespace, props.roleArn, { kubernetesApi: true }),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name },
        rules: [
          rule([''], ['events', 'endpoints'], ['create', 'patch']),
          rule([''], ['pods/eviction'], ['create']),
          rule([''], ['pods/status'], ['update']),
          rule([''], ['nodes'], [...read, 'update']),
          rule([''], ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], read),
          rule(['apps'], ['daemonsets', 'replicasets', 'statefulsets'], read),
          rule(['batch'], ['jobs', 'cronjobs'], read),
          rule(['policy'], ['poddisruptionbudgets'], read),
          rule(['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], read),
          rule(['coordination.k8s.io'], ['leases'], ['create']),
          rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], [name]),
          rule(['resource.k8s.io'], ['resourceclaims', 'resourceslices', 'deviceclasses'], read),
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace }],
      },
      ...roleFor(
        { name, namespace },
        [
          rule([''], ['configmaps'], ['create', 'list', 'watch']),
          rule([''], ['configmaps'], ['get', 'update', 'delete'], ['cluster-autoscaler-status']),
        ],
        { name: serviceAccountName, namespace },
      ),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, labels },
        spec: {
          // One active instance by design (leader election): a second replica only stands by.
          replicas: highlyAvailable ? 2 : 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName,
              // Preempts ordinary pods when the general pool is full: without it nothing would add the node.
              priorityClassName: 'system-cluster-critical',
              nodeSelector: props.placement.nodeSelector,
              tolerations: props.placement.tolerations,
              securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
              ...(highlyAvailable ? { topologySpreadConstraints: zoneSpread(labels) } : {}),
              containers: [
                {
                  name,
                  image: `${IMAGE}:${props.imageTag ?? `v${props.kubernetesVersion}.0`}`,
                  command: [
                    './cluster-autoscaler',
                    '--cloud-provider=aws',
                    `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${props.clusterName}`,
                    '--balance-similar-node-groups',
                    '--expander=least-waste',
                    '--skip-nodes-with-system-pods=false',
                    '--skip-nodes-with-local-storage=false',
                    `--leader-elect-resource-name=${name}`,
                  ],
                  env: [{ name: 'AWS_REGION', value: props.region }],
                  ports: [{ name: 'health', containerPort: HEALTH_PORT }],
                  // A standby replica is healthy too: the endpoint reports the process, not leadership.
                  livenessProbe: {
                    httpGet: { path: '/health-check', port: 'health' },
                    initialDelaySeconds: 30,
                    periodSeconds: 30,
                    failureThreshold: 3,
                  },
                  readinessProbe: { httpGet: { path: '/health-check', port: 'health' }, periodSeconds: 10 },
                  resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '600Mi' } },
                  securityContext: readOnlyContainerSecurity(),
                },
              ],
            },
          },
        },
      },
    ];
    if (highlyAvailable) {
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name, namespace },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      });
    }
    this.release = new ManifestsRelease(this, 'Release', { releaseName: name, namespace, manifests, dependsOn: props.dependsOn });
  }
}
