import { Construct } from 'constructs';
import type { ChartImages } from '../../images/image-mirror';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources, valuesAt } from '../../helm/values';
import { readOnlyContainerSecurity } from '../../kubernetes/objects';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { ChartComponentProps } from '../component';

/** Props of {@link Pushgateway}; `dependsOn` must hold the Prometheus operator's release (its ServiceMonitor CRD). */
export type PushgatewayProps = ChartComponentProps;

/**
 * The Prometheus Pushgateway (chart `prometheus-pushgateway` 3.8.0): where batch jobs push the metrics of a run
 * (`PUT /metrics/job/<job>/…`), kept until the next push replaces them; a ServiceMonitor with `honorLabels`
 * makes Prometheus keep the pushed `job` and grouping labels. One replica: its state is the last push of each
 * group, which a second replica would not share.
 */
export class Pushgateway extends Construct {
  static readonly CHART = {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'prometheus-pushgateway',
    version: '3.8.0',
  };
  /** The chart's image key, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) => valuesAt({ 'image.repository': mirror.image('quay.io/prometheus/pushgateway') });
  /** The release's name, which the chart names its Service after. */
  static readonly RELEASE_NAME = 'prometheus-pushgateway';
  static readonly PORT = 9091;
  /** The base URL of pushes to the Pushgateway of `namespace`, known before the construct exists (for settings). */
  static urlIn(namespace: string): string {
    return `http://${Pushgateway.RELEASE_NAME}.${namespace}.svc:${Pushgateway.PORT}`;
  }
  readonly release: HelmRelease;
  /** Where jobs push: the Service's HTTP port. */
  readonly endpoint: Endpoint;
  /** `http://<service>.<namespace>.svc:9091`, the base URL of pushes. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: PushgatewayProps) {
    super(scope, id);
    const releaseName = Pushgateway.RELEASE_NAME;
    this.release = new HelmRelease(this, 'Release', {
      releaseName,
      namespace: props.namespace,
      chart: Pushgateway.CHART,
      images: Pushgateway.IMAGES,
      values: {
        ...props.values,
        computed: {
          replicaCount: 1,
          nodeSelector: props.placement.nodeSelector,
          tolerations: props.placement.tolerations,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containerSecurityContext: readOnlyContainerSecurity(),
          serviceMonitor: { enabled: true, namespace: props.namespace, honorLabels: true, interval: '30s' },
        },
        overrides: props.overrides,
      },
      dependsOn: props.dependsOn,
    });
    requireResources(this.node.path, this.release.values, ['']);
    // The chart names everything after the release when the release name contains the chart's.
    this.endpoint = { namespace: props.namespace, service: releaseName, port: Pushgateway.PORT };
    this.url = Pushgateway.urlIn(props.namespace);
  }
}
