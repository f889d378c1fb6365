import type { ChartImages } from '../../images/image-mirror';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { jobAccounts } from './job-accounts';
import { requireResources, type HelmValues, valuesAt } from '../../helm/values';
import { sparkPodSecurityContext } from './pod-security';
import { checkLabel, checkRoleArn } from '../validation';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import type { AvailabilityProps, ChartComponentProps } from '../component';

/** What jobs need of the operator: where they run, as whom, and when the operator is ready for them. */
export interface ISparkOperator {
  /** Namespace the operator watches, where SparkApplications and their pods live. */
  readonly jobNamespace: string;
  /** Service account of drivers and executors, bound to the job IRSA role. */
  readonly serviceAccountName: string;
  /** Depend on this before creating SparkApplications: CRDs installed, controller and webhook running. */
  readonly ready: ITerraformDependable;
}

/** Props of {@link SparkOperator}. */
export interface SparkOperatorProps extends ChartComponentProps, Pick<AvailabilityProps, 'highlyAvailable'> {
  /** @default 'spark-operator' */
  readonly releaseName?: string;
  /**
   * The one namespace the operator watches; it must exist before the release (the chart creates the job
   * service account and its RBAC in it).
   * @default 'spark-jobs'
   */
  readonly jobNamespace?: string;
  /** Service account the chart creates in {@link jobNamespace} for drivers and executors. @default 'spark' */
  readonly serviceAccountName?: string;
  /** IRSA role of drivers and executors: the datasets bucket and `spark-events/` of the logs bucket. */
  readonly jobRoleArn: string;
  /**
   * More namespaces the operator runs jobs in (teams'), each with the service account of its drivers and
   * executors, which exists there already with the namespace's own IRSA role. @default none
   */
  readonly teamNamespaces?: Readonly<Record<string, string>>;
}

/**
 * The Kubeflow Spark operator (chart `spark-operator` 2.5.2): its controller submits SparkApplications in
 * {@link jobNamespace} and in the teams' namespaces, its webhook gives Spark pods what spark-submit cannot (init
 * containers, volumes, security contexts, tolerations). Controller and webhook run on the general pool. Beside
 * the chart, the construct creates the job namespace's service account (the job IRSA role) and, in every job
 * namespace, the Role that lets drivers run their executors, bound to that namespace's own account.
 */
export class SparkOperator extends Construct implements ISparkOperator {
  static readonly CHART = { repository: 'https://kubeflow.github.io/spark-operator', chart: 'spark-operator', version: '2.5.2' };
  /** The chart's image keys, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) =>
    valuesAt({ 'image.registry': mirror.registry('ghcr.io'), 'hook.image.registry': mirror.registry('ghcr.io') });
  readonly namespace: string;
  readonly jobNamespace: string;
  readonly serviceAccountName: string;
  /** Every namespace the operator watches: {@link jobNamespace} first, then the teams'. */
  readonly jobNamespaces: readonly string[];
  readonly release: HelmRelease;
  /** The job service account and, in every job namespace, the drivers' Role and RoleBinding. */
  readonly accounts: ManifestsRelease;
  /** The admission webhook the API server calls (it mutates and validates Spark pods). */
  readonly webhook: Endpoint;
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: SparkOperatorProps) {
    super(scope, id);
    const where = this.node.path;
    this.namespace = props.namespace;
    this.jobNamespace = props.jobNamespace ?? 'spark-jobs';
    this.serviceAccountName = props.serviceAccountName ?? 'spark';
    checkLabel(where, 'namespace', props.namespace);
    checkLabel(where, 'jobNamespace', this.jobNamespace);
    checkLabel(where, 'serviceAccountName', this.serviceAccountName);
    checkRoleArn(where, props.jobRoleArn, 'jobRoleArn');
    if (this.jobNamespace === props.namespace) {
      throw new Error(
        `${where}: jobNamespace '${this.jobNamespace}' must differ from namespace: jobs get their own namespace and IRSA role`,
      );
    }

    const teams = Object.entries(props.teamNamespaces ?? {});
    for (const [namespace, account] of teams) {
      checkLabel(where, `teamNamespaces key`, namespace);
      checkLabel(where, `teamNamespaces.${namespace}`, account);
      if (namespace === this.jobNamespace || namespace === props.namespace)
        throw new Error(`${where}: teamNamespaces.${namespace} must differ from namespace and jobNamespace`);
    }
    this.jobNamespaces = [this.jobNamespace, ...teams.map(([namespace]) => namespace)];

    // Two controllers (one leader) and two webhooks where highly available.
    const highlyAvailable = props.highlyAvailable ?? false;
    const component: HelmValues = {
      replicas: highlyAvailable ? 2 : 1,
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,
      // The chart refuses a disruption budget or a spread with one replica, and adds the spread's label selector itself.
      podDisruptionBudget: { enable: highlyAvailable, minAvailable: 1 },
      topologySpreadConstraints: highlyAvailable
        ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }]
        : [],
      podSecurityContext: sparkPodSecurityContext(),
    };

    this.release = new HelmRelease(this, 'Operator', {
      releaseName: props.releaseName ?? 'spark-operator',
      namespace: props.namespace,
      chart: SparkOperator.CHART,
      images: SparkOperator.IMAGES,
      values: {
        file: props.values.file,
        environment: props.values.environment,
        computed: {
          controller: component,
          // Spark pods get their init containers, volumes and security contexts from the webhook: not optional here.
          webhook: { enable: true, ...component },
          // The accounts and their RBAC are the construct's (jobAccounts): the chart would copy the job account
          // into every watched namespace.
          spark: {
            jobNamespaces: [...this.jobNamespaces],
            serviceAccount: { create: false, name: this.serviceAccountName },
            rbac: { create: false },
          },
          // Its Job's pod sets no runAsNonRoot or seccomp profile, so a `restricted` namespace refuses it.
          hook: { upgradeCrd: false },
        },
        overrides: props.overrides,
      },
      dependsOn: props.dependsOn,
    });
    this.accounts = new ManifestsRelease(this, 'JobAccounts', {
      releaseName: 'spark-job-accounts',
      namespace: props.namespace,
      manifests: jobAccounts([
        { namespace: this.jobNamespace, serviceAccountName: this.serviceAccountName, roleArn: props.jobRoleArn },
        ...teams.map(([namespace, serviceAccountName]) => ({ namespace, serviceAccountName })),
      ]),
      // After the operator, so that `ready` (this release) covers both.
      dependsOn: [this.release.release],
    });
    const webhookPort = portAt(this.release.values, 'webhook.port', 9443);
    this.webhook = { namespace: props.namespace, service: `${this.release.releaseName}-webhook-svc`, port: webhookPort };
    this.ready = this.accounts.helmRelease.release;
    // Requests and limits come from the values files, so the merged result is checked.
    requireResources(where, this.release.values, ['controller', 'webhook'], { source: 'values/spark-operator.yaml or overrides' });
  }
}
