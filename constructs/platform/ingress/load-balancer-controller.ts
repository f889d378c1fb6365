import type { ChartImages } from '../../images/image-mirror';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources, type HelmValues, valuesAt } from '../../helm/values';
import { irsaAnnotations, zoneSpread } from '../../kubernetes/objects';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import { checkLabel, checkRegion, checkReleaseName, checkRoleArn } from '../validation';
import { resolveAvailability, type AvailabilityProps, type AwsWorkloadProps, type ChartComponentProps } from '../component';

/** Props of {@link LoadBalancerController}. */
/**
 * Its namespace is its own (`aws-load-balancer-controller`) rather than `kube-system`: there Pod Security
 * `restricted` is enforced, and the IRSA role trusts a service account no EKS add-on shares. Its region and
 * VPC are set explicitly: IMDS is not reachable from pods (hop limit 1).
 */
export interface LoadBalancerControllerProps extends ChartComponentProps, AwsWorkloadProps, AvailabilityProps {
  /** @default 'aws-load-balancer-controller' */
  readonly releaseName?: string;

  /** EKS cluster name: the controller tags what it creates with it and finds subnets by it (a token is fine). */
  readonly clusterName: string;
  /** VPC of the cluster (a token is fine). */
  readonly vpcId: string;
  /** Must be the service account the role trusts. @default 'aws-load-balancer-controller' */
  readonly serviceAccountName?: string;
}

/** What {@link PlatformIngress} needs from a controller. */
export interface ILoadBalancerController {
  /** IngressClass Ingresses name in `spec.ingressClassName`. */
  readonly ingressClassName: string;
  readonly namespace: string;
  /** The controller's service account, which reads the OIDC client Secrets. */
  readonly serviceAccountName: string;
  /** Ingresses wait for it: its validating webhook must answer before one can be created. */
  readonly release: HelmRelease;
}

/**
 * AWS Load Balancer Controller (chart `aws/eks-charts` aws-load-balancer-controller 3.5.0): turns Ingresses
 * of class `alb` into Application Load Balancers that target pod IPs, private by default. AWS access through
 * IRSA; region and VPC are given rather than discovered from instance metadata.
 */
export class LoadBalancerController extends Construct implements ILoadBalancerController {
  static readonly CHART = { repository: 'https://aws.github.io/eks-charts', chart: 'aws-load-balancer-controller', version: '3.5.0' };
  /** The chart's image keys, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) =>
    valuesAt({ 'image.repository': mirror.repository('public.ecr.aws/eks/aws-load-balancer-controller') });
  readonly ingressClassName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly release: HelmRelease;
  /** The admission webhook the API server calls. */
  readonly webhook: Endpoint;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    const where = this.node.path;
    const releaseName = props.releaseName ?? 'aws-load-balancer-controller';
    const { replicas } = resolveAvailability(where, props, 5);
    this.serviceAccountName = props.serviceAccountName ?? 'aws-load-balancer-controller';
    this.namespace = props.namespace;
    validate(where, { ...props, releaseName, serviceAccountName: this.serviceAccountName });

    const highlyAvailable = replicas >= 2;
    // The chart's selector labels (name is the chart name: no nameOverride).
    const selector = { 'app.kubernetes.io/name': 'aws-load-balancer-controller', 'app.kubernetes.io/instance': releaseName };
    const computed: HelmValues = {
      fullnameOverride: releaseName,
      clusterName: props.clusterName,
      region: props.region,
      vpcId: props.vpcId,
      replicaCount: replicas,
      serviceAccount: {
        create: true,
        name: this.serviceAccountName,
        annotations: irsaAnnotations(props.roleArn),
      },
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,
      // The chart renders its budget only above one replica; its default host anti-affinity stays on.
      podDisruptionBudget: highlyAvailable ? { maxUnavailable: 1 } : {},
      topologySpreadConstraints: highlyAvailable ? zoneSpread(selector) : [],
    };
    this.release = new HelmRelease(this, 'Release', {
      releaseName,
      namespace: props.namespace,
      chart: LoadBalancerController.CHART,
      images: LoadBalancerController.IMAGES,
      values: { ...props.values, computed, overrides: props.overrides },
      dependsOn: props.dependsOn,
    });
    this.ingressClassName = checkMerged(where, this.release.values);
    this.webhook = {
      namespace: props.namespace,
      service: 'aws-load-balancer-webhook-service',
      port: 443,
      targetPort: portAt(this.release.values, 'webhookBindPort', 9443),
    };
  }
}

type Resolved = LoadBalancerControllerProps & { releaseName: string; serviceAccountName: string };

function validate(where: string, p: Resolved): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  checkReleaseName(where, p.releaseName);
  checkLabel(where, 'serviceAccountName', p.serviceAccountName);
  checkLabel(where, 'namespace', p.namespace);
  if (known(p.clusterName) && !/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(p.clusterName))
    fail(`clusterName '${p.clusterName}' must be an EKS cluster name`);
  checkRegion(where, p.region);
  if (known(p.vpcId) && !/^vpc-[0-9a-f]{8,17}$/.test(p.vpcId)) fail(`vpcId '${p.vpcId}' must be a VPC id such as vpc-0123456789abcdef0`);
  checkRoleArn(where, p.roleArn);
}

/** What the values files and overrides must not undo; returns the IngressClass name. */
function checkMerged(where: string, values: HelmValues): string {
  requireResources(where, values, [''], { source: 'values/aws-load-balancer-controller.yaml' });
  if (values.createIngressClassResource !== true || typeof values.ingressClass !== 'string' || values.ingressClass === '') {
    throw new Error(`${where}: createIngressClassResource must stay true with an ingressClass name: PlatformIngress names that class`);
  }
  if (values.defaultLoadBalancerScheme !== 'internal') {
    throw new Error(`${where}: defaultLoadBalancerScheme must stay 'internal' (got ${String(values.defaultLoadBalancerScheme)})`);
  }
  return values.ingressClass;
}
