import { AssetType, TerraformAsset, TerraformStack, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ImageMirror } from '../images/image-mirror';
import type { KubernetesObject } from '../kubernetes/objects';
import { projectPath } from '../project-path';
import { HelmRelease } from './helm-release';

/** The project's `manifests` chart: renders the objects in its values. */
const CHART_DIR = projectPath('charts', 'manifests');
const CHART_VERSION = '1.0.0';
const ASSET_ID = 'ManifestsChart';

/** Props of {@link ManifestsRelease}. */
export interface ManifestsReleaseProps {
  readonly releaseName: string;
  /** Namespace of the release record; each object names its own namespace. */
  readonly namespace: string;
  readonly manifests: KubernetesObject[];
  /** Releases whose CRDs or controllers the objects need. */
  readonly dependsOn?: ITerraformDependable[];
  /** Wait for Jobs among the objects to complete. @default false */
  readonly waitForJobs?: boolean;
  /** @default 600 */
  readonly timeoutSeconds?: number;
}

/**
 * Kubernetes objects (custom resources above all) installed as one Helm release of the project's
 * `manifests` chart. A release plans without the CRDs present, so a fresh environment comes up in one
 * deploy: the operator's release first, then this one, ordered by `dependsOn`.
 */
export class ManifestsRelease extends Construct {
  readonly manifests: KubernetesObject[];
  readonly helmRelease: HelmRelease;

  constructor(scope: Construct, id: string, props: ManifestsReleaseProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const manifest of props.manifests) {
      const key = `${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
      if (seen.has(key)) throw new Error(`${this.node.path}: ${key} appears twice`);
      seen.add(key);
    }
    // Pod templates, Jobs and SparkApplications alike name their images in `image` fields.
    const mirror = ImageMirror.of(this);
    this.manifests = mirror ? mirror.images(props.manifests) : props.manifests;
    this.helmRelease = new HelmRelease(this, 'Release', {
      releaseName: props.releaseName,
      namespace: props.namespace,
      chart: { chart: chartAsset(this).path, version: CHART_VERSION },
      values: { computed: { manifests: this.manifests } },
      dependsOn: props.dependsOn,
      waitForJobs: props.waitForJobs,
      timeoutSeconds: props.timeoutSeconds,
    });
  }
}

/** The chart is copied into the stack's output once, however many releases use it. */
function chartAsset(scope: Construct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(ASSET_ID);
  return existing instanceof TerraformAsset
    ? existing
    : new TerraformAsset(stack, ASSET_ID, { path: CHART_DIR, type: AssetType.DIRECTORY });
}
