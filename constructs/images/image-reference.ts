/** A container image reference split as a registry resolves it. */
export interface ImageReference {
  /** `docker.io` where the reference names no registry. */
  readonly registry: string;
  /** With Docker Hub's implicit `library/` for official images. */
  readonly repository: string;
  /** `:tag` or `@sha256:…`, with its separator; empty where neither is given. */
  readonly suffix: string;
}

/**
 * Splits `reference` as the container runtime does: the first path component is a registry only if it
 * holds a `.` or `:` or is `localhost`; otherwise the image is on Docker Hub, under `library/` when it has
 * no namespace.
 */
export function parseImage(reference: string): ImageReference {
  const digestAt = reference.indexOf('@');
  const withoutDigest = digestAt >= 0 ? reference.slice(0, digestAt) : reference;
  const tagAt = withoutDigest.lastIndexOf(':');
  const nameEnd = tagAt > withoutDigest.lastIndexOf('/') ? tagAt : withoutDigest.length;
  const name = withoutDigest.slice(0, nameEnd);
  const suffix = reference.slice(nameEnd);
  const [first, ...rest] = name.split('/');
  if (rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first === 'index.docker.io' ? 'docker.io' : first, repository: rest.join('/'), suffix };
  }
  return { registry: 'docker.io', repository: rest.length === 0 ? `library/${first}` : name, suffix };
}
