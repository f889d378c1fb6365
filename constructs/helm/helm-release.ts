import { Release } from '@cdktf/provider-helm/lib/release';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ImageMirror, type ChartImages } from '../images/image-mirror';
import { mergeValues, renderValues, type HelmValues } from './values';
import { vendoredChartAsset } from './vendored-chart';

/** A chart pinned to one version in its upstream repository. */
export interface HelmChart {
  /**
   * `https://…` repository or `oci://…` registry path the chart is published in: where its vendored archive
   * comes from (`npm run charts:pull`) and where Renovate looks for new versions. Releases install from the
   * archive. Unset for the project's own charts, whose `chart` is a path.
   */
  readonly repository?: string;
  readonly chart: string;
  /** Exact version: ranges would let a plan change what it installs without a code change. */
  readonly version: string;
  /** The packaged chart an upstream chart installs from. @default `charts/vendor/<chart>-<version>.tgz` */
  readonly archive?: string;
}

/** Values layers, lowest precedence first. */
export interface ValuesLayers {
  /** `values/<chart>.yaml`: the component's settings. @default none */
  readonly file?: HelmValues;
  /** `values/<chart>.<environment>.yaml`: what differs per environment. @default none */
  readonly environment?: HelmValues;
  /** Computed in TypeScript: endpoints, bucket names, role ARNs, secret names, placement. */
  readonly computed?: HelmValues;
  /** Last word, from whoever uses the construct. @default none */
  readonly overrides?: HelmValues;
}

/** The two file layers (`values/<chart>.yaml` and its environment overlay) a component construct takes. */
export type ValuesFiles = Pick<ValuesLayers, 'file' | 'environment'>;

/** Props of {@link HelmRelease}. */
export interface HelmReleaseProps {
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: HelmChart;
  readonly values: ValuesLayers;
  /**
   * The chart's image keys pointed at the stack's {@link ImageMirror}, applied above the computed values
   * where the stack declares one. @default none: the chart pulls from the registries its values name
   */
  readonly images?: ChartImages;
  /** @default 600 */
  readonly timeoutSeconds?: number;
  /** Wait for Jobs too (for charts whose Jobs must finish before dependants start). @default false */
  readonly waitForJobs?: boolean;
  /** @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One Helm release with pinned chart version (installed from its vendored archive), atomic install/upgrade (a failed upgrade rolls back) and
 * values merged from explicit layers and rendered as YAML text. Every component construct builds on it.
 */
export class HelmRelease extends Construct {
  /** The merged values, as the chart receives them. */
  readonly values: HelmValues;
  readonly release: Release;
  readonly releaseName: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    const where = this.node.path;
    if (!/^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(props.chart.version.replace(/^v/, ''))) {
      throw new Error(`${where}: chart version '${props.chart.version}' must be an exact version such as 1.2.3`);
    }
    if (!/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/.test(props.releaseName)) {
      throw new Error(`${where}: releaseName '${props.releaseName}' must be a lower-case DNS label of at most 53 characters`);
    }
    const timeout = props.timeoutSeconds ?? 600;
    if (timeout < 60 || timeout > 3600) throw new Error(`${where}: timeoutSeconds must be from 60 to 3600 (got ${timeout})`);

    this.releaseName = props.releaseName;
    this.namespace = props.namespace;
    const { file, environment, computed, overrides } = props.values;
    const mirror = ImageMirror.of(this);
    this.values = mergeValues(file, environment, computed, mirror && props.images?.(mirror), overrides);
    // An upstream chart installs from its vendored archive, never from its repository.
    const chart = props.chart.repository === undefined ? props.chart.chart : vendoredChartAsset(this, props.chart).path;
    this.release = new Release(this, 'Release', {
      name: props.releaseName,
      namespace: props.namespace,
      chart,
      version: props.chart.version,
      values: [renderValues(this.values)],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: props.waitForJobs ?? false,
      timeout,
      maxHistory: 10,
      // Namespaces are created beforehand, with their Pod Security labels.
      createNamespace: false,
      dependsOn: props.dependsOn,
    });
  }
}
