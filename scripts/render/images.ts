import { CACHEABLE_REGISTRIES, CACHEABLE_REGISTRY_NAMES } from '../../constructs/images/cacheable-registries';
import { parseImage } from '../../constructs/images/image-reference';
import type { RenderedObject } from './render';

const PROSE = new Set(['description', '_example']);

/**
 * Where rendered objects name container images: `image` fields (pods, custom resources), and inside other
 * strings, references with an explicit registry and a tag or digest (an operator's `STRIMZI_KAFKA_IMAGES`, a controller flag)
 * and `"image": "…"` in JSON held by ConfigMaps (KServe's storage initializer). Prose is not read: CRD
 * field descriptions and KServe's commented `_example` configuration name images nothing pulls.
 */
export function imageReferences(objects: readonly RenderedObject[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'image') found.push(value);
      for (const match of value.matchAll(/(?:^|[\s"'=,])((?:[a-z0-9-]+\.)+[a-z]{2,}\/[\w./-]+(?::[\w.-]+|@sha256:[a-f0-9]{64}))/g))
        found.push(match[1]);
      for (const match of value.matchAll(/"image"\s*:\s*"([^"]+)"/g)) found.push(match[1]);
    } else if (Array.isArray(value)) value.forEach((item) => visit(item));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) if (!PROSE.has(k)) visit(v, k);
    }
  };
  objects.forEach((object) => visit(object));
  return [...new Set(found)];
}

/** The images of `objects` pulled straight from one of `mirrored`, the registries the environment's cache mirrors. */
export function unmirroredImages(objects: readonly RenderedObject[], mirrored: readonly string[]): string[] {
  return imageReferences(objects).filter((reference) => mirrored.includes(parseImage(reference).registry));
}

const MIRROR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * `reference` written in full (`docker.io/library/busybox:1.38.0`), and for an image pulled through a
 * pull-through cache (`<account>.dkr.ecr.<region>.amazonaws.com/<namePrefix>/<upstream>/…`), the upstream image.
 */
export function upstreamImage(reference: string): string {
  const { registry, repository, suffix } = parseImage(reference);
  if (MIRROR_HOST.test(registry)) {
    const [, path, ...rest] = repository.split('/');
    const upstream = CACHEABLE_REGISTRY_NAMES.find((name) => CACHEABLE_REGISTRIES[name].path === path);
    if (upstream) return upstreamImage(`${upstream}/${rest.join('/')}${suffix}`);
  }
  return `${registry}/${repository}${suffix}`;
}
