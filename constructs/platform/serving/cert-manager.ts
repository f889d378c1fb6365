import type { ChartImages } from '../../images/image-mirror';

import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources, type HelmValues } from '../../helm/values';
import { zoneSpread } from '../../kubernetes/objects';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import type { AvailabilityProps, ChartComponentProps } from '../component';

/** Props of {@link CertManager}. */
export interface CertManagerProps extends ChartComponentProps, Pick<AvailabilityProps, 'highlyAvailable'> {}

/** The chart's components that run as Deployments, by values key ('' is the controller, at the top level). */
const COMPONENTS = { '': 'controller', webhook: 'webhook', cainjector: 'cainjector' } as const;

/**
 * cert-manager (chart `cert-manager` v1.21.1) with its CRDs, for the certificates of admission webhooks
 * (KServe's). Its post-install check waits until the webhook answers, so dependants may create
 * Issuers and Certificates as soon as {@link release} is applied. No issuer is configured here: each
 * consumer brings its own (KServe a self-signed one).
 */
export class CertManager extends Construct {
  /** The Chart.yaml in git says v0.0.0; the release tooling stamps the real version. */
  static readonly CHART = { repository: 'oci://quay.io/jetstack/charts', chart: 'cert-manager', version: 'v1.21.1' };
  /** The chart's image keys, pointed at an {@link ImageMirror}: one registry for all of them. */
  static readonly IMAGES: ChartImages = (mirror) => ({ imageRegistry: mirror.registry('quay.io') });
  readonly namespace: string;
  readonly release: HelmRelease;
  /** The admission webhook the API server calls. */
  readonly webhook: Endpoint;

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    const where = this.node.path;
    // Two controllers, webhooks and CA injectors where highly available.
    const highlyAvailable = props.highlyAvailable ?? false;
    this.namespace = props.namespace;
    const { nodeSelector, tolerations } = props.placement;

    const component = (name: string): HelmValues => ({
      replicaCount: highlyAvailable ? 2 : 1,
      podDisruptionBudget: highlyAvailable ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
      // The chart labels every pod with instance and component; these two select one Deployment.
      topologySpreadConstraints: highlyAvailable
        ? zoneSpread({ 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': name })
        : [],
      nodeSelector,
      tolerations,
    });
    const computed: HelmValues = {
      // CRDs from the chart, so one release installs and upgrades them; `crds.keep` (default) survives an uninstall.
      crds: { enabled: true },
      ...component(COMPONENTS['']),
      webhook: component(COMPONENTS.webhook),
      cainjector: { enabled: true, ...component(COMPONENTS.cainjector) },
      startupapicheck: { enabled: true, nodeSelector, tolerations },
    };

    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'cert-manager',
      namespace: props.namespace,
      chart: CertManager.CHART,
      images: CertManager.IMAGES,
      values: { ...props.values, computed, overrides: props.overrides },
      // The startup API check is a post-install hook Job: wait for it, so dependants find a serving webhook.
      waitForJobs: true,
      dependsOn: props.dependsOn,
    });
    this.webhook = {
      namespace: props.namespace,
      service: 'cert-manager-webhook',
      port: 443,
      targetPort: portAt(this.release.values, 'webhook.securePort', 10250),
    };

    const values = this.release.values as Record<string, HelmValues | undefined>;
    requireResources(where, this.release.values, ['', 'webhook', 'cainjector', 'startupapicheck']);
    if ((values.crds as { enabled?: boolean } | undefined)?.enabled !== true) {
      throw new Error(`${where}: crds.enabled must stay true: KServe's Issuer and Certificate need the CRDs`);
    }
  }
}
