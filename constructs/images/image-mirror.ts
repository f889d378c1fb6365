import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { HelmValues } from '../helm/values';
import { cacheRepositoryPrefix, type CacheableRegistry } from './cacheable-registries';
import { parseImage } from './image-reference';

/** Props of {@link ImageMirror}. */
export interface ImageMirrorProps {
  /** `<account>.dkr.ecr.<region>.amazonaws.com`: see {@link ecrRegistryHost}. */
  readonly registryHost: string;
  /** The environment's name prefix the cache rules were created with (`mlops-<env>`). */
  readonly namePrefix: string;
  /** Upstreams with a pull-through cache rule; images from any other registry are pulled from it directly. */
  readonly registries: readonly CacheableRegistry[];
}

/** Helm values that point a chart's images at the mirror: a chart's knowledge of its own image keys. */
export type ChartImages = (mirror: ImageMirror) => HelmValues;

const ID = 'ImageMirror';

/**
 * Where a stack's workloads pull their images: through the environment's ECR pull-through cache for the
 * registries it mirrors. Declared once per stack ({@link ImageMirror.declare}); every Helm release of the
 * stack applies its chart's {@link ChartImages} and the project's own manifests are rewritten, so no
 * component needs to be told.
 */
export class ImageMirror extends Construct {
  /** The stack's mirror, or undefined where images come from their registries. */
  static of(scope: Construct): ImageMirror | undefined {
    const found = TerraformStack.of(scope).node.tryFindChild(ID);
    return found instanceof ImageMirror ? found : undefined;
  }

  /** Declares the stack's mirror; before the components, which look it up as they are built. */
  static declare(stack: TerraformStack, props: ImageMirrorProps): ImageMirror {
    return new ImageMirror(stack, ID, props);
  }

  readonly registryHost: string;
  readonly registries: readonly CacheableRegistry[];
  private readonly namePrefix: string;

  private constructor(scope: Construct, id: string, props: ImageMirrorProps) {
    super(scope, id);
    this.registryHost = props.registryHost;
    this.namePrefix = props.namePrefix;
    this.registries = [...props.registries];
  }

  /** `reference` as pulled through the cache, or unchanged where its registry is not mirrored. */
  image(reference: string): string {
    const { registry, repository, suffix } = parseImage(reference);
    return this.mirrors(registry) ? `${this.registry(registry)}/${repository}${suffix}` : reference;
  }

  /** The registry part for charts that take registry and repository apart (`quay.io` → `<host>/<prefix>/quay`). */
  registry(upstream: CacheableRegistry): string {
    return this.mirrors(upstream) ? `${this.registryHost}/${cacheRepositoryPrefix(this.namePrefix, upstream)}` : upstream;
  }

  /** A copy of `objects` with every string `image` field, however deep, taken through {@link image}. */
  images<T>(objects: T): T {
    const visit = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(visit);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, v]) => [key, key === 'image' && typeof v === 'string' ? this.image(v) : visit(v)]),
      );
    };
    return visit(objects) as T;
  }

  /** A repository without tag (`apache/airflow`) as a chart's `repository` key takes it. */
  repository(name: string): string {
    return this.image(name);
  }

  private mirrors(registry: string): registry is CacheableRegistry {
    return (this.registries as readonly string[]).includes(registry);
  }
}
