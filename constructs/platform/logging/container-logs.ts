import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources, valuesAt } from '../../helm/values';
import type { ChartImages } from '../../images/image-mirror';
import { irsaAnnotations } from '../../kubernetes/objects';
import type { ChartComponentProps } from '../component';
import { checkLabel, checkRegion, checkRoleArn } from '../validation';

/** Props of {@link ContainerLogs}; `dependsOn` must hold the Prometheus operator's release (its ServiceMonitor CRD). */
export interface ContainerLogsProps extends Omit<ChartComponentProps, 'placement'> {
  /** The CloudWatch log group (created with its retention and KMS key elsewhere): Fluent Bit only writes streams. */
  readonly logGroupName: string;
  readonly region: string;
  /** IRSA role that may create and write the group's streams, and nothing else. */
  readonly roleArn: string;
  /** Must be the service account the role trusts. @default 'aws-for-fluent-bit' */
  readonly serviceAccountName?: string;
}

/**
 * Every container's log, from every node, in CloudWatch Logs: AWS for Fluent Bit (chart `aws-for-fluent-bit`
 * 0.2.0) as a DaemonSet that tolerates every taint, so dedicated and GPU pools are covered too. Each line carries
 * its pod's Kubernetes metadata; JSON lines are parsed into fields. One stream per container,
 * `<namespace>.<pod>.<container>`. Its own metrics go to Prometheus through the chart's ServiceMonitor.
 */
export class ContainerLogs extends Construct {
  static readonly CHART = { repository: 'https://aws.github.io/eks-charts', chart: 'aws-for-fluent-bit', version: '0.2.0' };
  /** The chart's image key, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) =>
    valuesAt({ 'image.repository': mirror.image('public.ecr.aws/aws-observability/aws-for-fluent-bit') });
  readonly release: HelmRelease;
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: ContainerLogsProps) {
    super(scope, id);
    const where = this.node.path;
    this.serviceAccountName = props.serviceAccountName ?? 'aws-for-fluent-bit';
    checkLabel(where, 'namespace', props.namespace);
    checkLabel(where, 'serviceAccountName', this.serviceAccountName);
    checkRegion(where, props.region);
    checkRoleArn(where, props.roleArn);
    if (props.logGroupName.trim() === '') throw new Error(`${where}: logGroupName must name a CloudWatch log group`);

    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'aws-for-fluent-bit',
      namespace: props.namespace,
      chart: ContainerLogs.CHART,
      images: ContainerLogs.IMAGES,
      values: {
        ...props.values,
        computed: {
          cloudWatchLogs: { region: props.region, logGroupName: props.logGroupName },
          serviceAccount: { create: true, name: this.serviceAccountName, annotations: irsaAnnotations(props.roleArn) },
          // Every node, whatever its taints: a pool whose logs are not kept is a blind spot.
          tolerations: [{ operator: 'Exists' }],
          serviceMonitor: { enabled: true },
        },
        overrides: props.overrides,
      },
      dependsOn: props.dependsOn,
    });
    requireResources(where, this.release.values, ['']);
  }
}
