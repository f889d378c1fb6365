import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { KubernetesObject } from '../../constructs/kubernetes/objects';
import { CRD_API_VERSIONS } from './api-versions';
import { renderKey, type ReleaseInput } from './releases';

/** A rendered Kubernetes object. */
export type RenderedObject = KubernetesObject;

/** The output of one release: its objects, or Helm's error. */
export interface RenderedRelease {
  readonly release: ReleaseInput;
  readonly objects: RenderedObject[];
  readonly error?: string;
}

/** How to render. */
export interface RenderOptions {
  readonly helm: string;
  /** Keeps each output under its inputs' hash, so a rerun renders only what changed. @default none */
  readonly cacheDir?: string;
  /** @default the machine's parallelism */
  readonly concurrency?: number;
}

/**
 * `helm template` of every release, as `helm install` would render it: the release's name and namespace, the
 * cluster's Kubernetes version, the API versions of the CRDs the platform installs, the chart's CRDs
 * included, values documents in order and then `set` entries. Releases with the same inputs (the same
 * component in several environments) are rendered once; renders run in parallel.
 */
export async function renderReleases(releases: ReleaseInput[], options: RenderOptions): Promise<RenderedRelease[]> {
  const workdir = mkdtempSync(join(tmpdir(), 'mlops-render-'));
  const queue: (() => void)[] = [];
  let running = 0;
  const limit = options.concurrency ?? availableParallelism();
  const schedule = <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            running--;
            queue.shift()?.();
          });
      };
      if (running < limit) start();
      else queue.push(start);
    });

  // Output shared by several releases is rendered and parsed once; the objects are read, never changed.
  const outputs = new Map<string, Promise<{ objects: RenderedObject[]; error?: string }>>();
  try {
    const rendered = releases.map(async (release): Promise<RenderedRelease> => {
      const key = renderKey(release);
      if (!outputs.has(key)) outputs.set(key, schedule(() => renderCached(release, key, options, workdir)).then(toObjects));
      return { release, ...(await outputs.get(key)!) };
    });
    return await Promise.all(rendered);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

function toObjects({ stdout, error }: { stdout?: string; error?: string }): { objects: RenderedObject[]; error?: string } {
  if (error !== undefined) return { objects: [], error };
  try {
    return { objects: parseManifests(stdout!) };
  } catch (e) {
    return { objects: [], error: `output is not valid YAML: ${(e as Error).message}` };
  }
}

async function renderCached(
  release: ReleaseInput,
  key: string,
  options: RenderOptions,
  workdir: string,
): Promise<{ stdout?: string; error?: string }> {
  const cacheFile = options.cacheDir
    ? join(options.cacheDir, `${createHash('sha256').update(`${options.helm}\n${key}`).digest('hex')}.yaml`)
    : undefined;
  if (cacheFile && existsSync(cacheFile)) return { stdout: readFileSync(cacheFile, 'utf8') };
  const files = release.values.map((text, i) => {
    const file = join(workdir, `${key.slice(0, 16)}-${i}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  const args = [
    'template',
    release.name,
    release.chart,
    '--namespace',
    release.namespace,
    '--kube-version',
    `${release.kubeVersion}.0`,
    '--include-crds',
    ...CRD_API_VERSIONS.flatMap((v) => ['--api-versions', v, '--api-versions', v.split('/').slice(0, 2).join('/')]),
    ...files.flatMap((f) => ['--values', f]),
    ...release.sets.flatMap((s) => [s.type === 'string' ? '--set-string' : '--set', `${s.name}=${s.value}`]),
  ];
  const result = await new Promise<{ stdout?: string; error?: string }>((resolve) => {
    execFile(
      options.helm,
      args,
      { maxBuffer: 1 << 28, env: { ...process.env, HELM_CACHE_HOME: join(workdir, 'cache'), HELM_CONFIG_HOME: join(workdir, 'config') } },
      (error, stdout, stderr) => resolve(error ? { error: (stderr || error.message).trim() } : { stdout }),
    );
  });
  if (cacheFile && result.stdout !== undefined) {
    mkdirSync(options.cacheDir!, { recursive: true });
    writeFileSync(cacheFile, result.stdout);
  }
  return result;
}

/**
 * The objects of a multi-document manifest; empty documents (templates that rendered nothing) dropped and
 * `List`s flattened into their items, as Helm's client does when it installs them.
 */
export function parseManifests(text: string): RenderedObject[] {
  const documents = (loadAll(text) as unknown[]).filter((doc): doc is RenderedObject => doc !== null && typeof doc === 'object');
  return documents.flatMap((doc) => (doc.kind === 'List' && Array.isArray(doc.items) ? (doc.items as RenderedObject[]) : [doc]));
}
