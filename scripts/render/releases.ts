import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readManifest, stackDirectory } from '../synthesized-manifest';

/**
 * The `helm_release` resources of synthesized stacks, as the Terraform helm provider will hand them to Helm:
 * Terraform evaluates each string first (escapes undone, references replaced by values), so this does the
 * same, with the values that exist only at apply time (other stacks' outputs) replaced by realistic
 * placeholders.
 */

/** One release, ready for `helm template`. */
export interface ReleaseInput {
  /** The stack that declares it, e.g. `mlops-dev-platform`. */
  readonly stack: string;
  /** `helm_release.<id>`, for messages. */
  readonly address: string;
  readonly name: string;
  readonly namespace: string;
  /** Absolute path of the chart (a vendored archive or a local chart directory). */
  readonly chart: string;
  readonly version: string;
  /** Values documents, in order. */
  readonly values: string[];
  /** `set` entries, applied after the values documents. */
  readonly sets: { readonly name: string; readonly value: string; readonly type?: string }[];
  /** Kubernetes version of the cluster the stack installs into (`1.35`). */
  readonly kubeVersion: string;
  /** Releases this one waits for (`depends_on`), as release names. */
  readonly dependsOn: string[];
}

type Json = Record<string, unknown>;
interface StackJson {
  resource?: Record<string, Record<string, Json>>;
  data?: Record<string, Record<string, Json>>;
}

/** Every helm_release of every stack in a cdktf output directory. */
export function readReleases(outdir: string): ReleaseInput[] {
  const manifest = readManifest(outdir);
  const stacks = Object.fromEntries(
    Object.keys(manifest.stacks).map((name) => {
      const dir = resolve(outdir, stackDirectory(manifest, name));
      return [name, { dir, json: JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as StackJson }];
    }),
  );
  return Object.entries(stacks).flatMap(([stack, { dir, json }]) => {
    const releases = json.resource?.helm_release ?? {};
    if (Object.keys(releases).length === 0) return [];
    const evaluate = evaluator(stack, json);
    const kubeVersion = clusterVersion(stack, json, (name) => stacks[name]?.json);
    return Object.entries(releases).map(([id, release]): ReleaseInput => {
      const address = `helm_release.${id}`;
      for (const unsupported of ['set_list', 'set_sensitive', 'postrender', 'repository'])
        if (release[unsupported] !== undefined)
          throw new Error(`${stack}: ${address} sets ${unsupported}, which the render check does not support`);
      const sets = ((release.set ?? []) as { name: string; value: string; type?: string }[]).map((s) => ({
        ...s,
        value: evaluate(String(s.value), address),
      }));
      return {
        stack,
        address,
        name: evaluate(String(release.name), address),
        namespace: evaluate(String(release.namespace ?? 'default'), address),
        chart: resolve(dir, String(release.chart)),
        version: String(release.version),
        values: ((release.values ?? []) as string[]).map((v) => evaluate(v, address)),
        sets,
        kubeVersion,
        dependsOn: ((release.depends_on ?? []) as string[])
          .filter((d) => d.startsWith('helm_release.'))
          .map((d) => String(releases[d.slice('helm_release.'.length)]?.name ?? d)),
      };
    });
  });
}

/** A key identifying a release's rendering: equal inputs render equal output, so they are rendered once. */
export function renderKey(release: ReleaseInput): string {
  const { name, namespace, chart, values, sets, kubeVersion } = release;
  return createHash('sha256')
    .update(JSON.stringify({ name, namespace, chart: chart.replace(/.*\/assets\//, ''), values, sets, kubeVersion }))
    .digest('hex');
}

/**
 * Evaluates a Terraform template string of the stack: `$${` and `%%{` become literal, and each `${…}`
 * must be a reference to a resource attribute (read from its configuration) or another stack's output
 * (a placeholder). Anything else is not expected in a release and fails.
 */
function evaluator(stack: string, json: StackJson): (text: string, where: string) => string {
  return (text, where) => {
    let out = '';
    for (let i = 0; i < text.length;) {
      if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
        out += text[i + 1] + '{';
        i += 3;
      } else if (text.startsWith('${', i)) {
        const end = text.indexOf('}', i);
        if (end < 0) throw new Error(`${stack}: ${where}: unclosed \${ at "${text.slice(i, i + 40)}"`);
        out += resolveReference(stack, json, text.slice(i + 2, end).trim(), where);
        i = end + 1;
      } else if (text.startsWith('%{', i)) {
        throw new Error(`${stack}: ${where}: template directive at "${text.slice(i, i + 40)}" is not expected in release values`);
      } else {
        out += text[i++];
      }
    }
    return out;
  };
}

function resolveReference(stack: string, json: StackJson, expression: string, where: string): string {
  const remote = /^data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
  if (remote) {
    const config = json.data?.terraform_remote_state?.[remote[1]]?.config as { region?: string } | undefined;
    if (!config) throw new Error(`${stack}: ${where}: no data.terraform_remote_state.${remote[1]}`);
    return placeholderOutput(remote[2], config.region ?? 'eu-west-1');
  }
  const attribute = /^([a-z][a-z0-9_]*)\.([\w-]+)((?:\.[\w-]+|\[\d+\])+)$/.exec(expression);
  if (attribute) {
    const [, type, name, path] = attribute;
    let node: unknown = json.resource?.[type]?.[name];
    if (node === undefined) throw new Error(`${stack}: ${where}: \${${expression}} names no resource of the stack`);
    for (const [, key, index] of path.matchAll(/\.([\w-]+)|\[(\d+)\]/g)) {
      // A nested block is one object in the JSON configuration and a one-element list in references.
      node = index !== undefined ? (Array.isArray(node) ? node[Number(index)] : node) : (node as Json | undefined)?.[key];
    }
    if (typeof node === 'string' && !node.includes('${')) return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    throw new Error(`${stack}: ${where}: \${${expression}} is known only at apply time`);
  }
  throw new Error(`${stack}: ${where}: \${${expression}} is not a reference the render check can resolve`);
}

/**
 * A realistic stand-in for another stack's output, from the name cdktf gives it
 * (`cross-stack-output-<type><Id>_<hash><attribute>`): ARNs look like ARNs, names like names.
 */
export function placeholderOutput(key: string, region: string): string {
  const parsed = /^cross-stack-output-(aws_[a-z0-9_]+?)([A-Z][\w]*?)_[0-9A-F]{8}(.*)$/.exec(key);
  const type = parsed?.[1] ?? 'unknown';
  const id = (parsed?.[2] ?? key)
    .replace(/_/g, '-')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
  const attribute = parsed?.[3] ?? '';
  const account = '123456789012';
  if (attribute.endsWith('arn')) {
    if (type === 'aws_iam_role') return `arn:aws:iam::${account}:role/placeholder-${id}`;
    if (type === 'aws_kms_key') return `arn:aws:kms:${region}:${account}:key/00000000-0000-4000-8000-000000000000`;
    if (type.startsWith('aws_secretsmanager') || attribute.includes('secret'))
      return `arn:aws:secretsmanager:${region}:${account}:secret:placeholder-${id}-AbCdEf`;
    return `arn:aws:${type.split('_')[1]}:${region}:${account}:placeholder/${id}`;
  }
  if (attribute.endsWith('address') || attribute.endsWith('endpoint')) return `placeholder-${id}.${region}.amazonaws.com`;
  if (attribute.endsWith('cidr')) return '172.20.0.0/16';
  if (type === 'aws_vpc') return 'vpc-0123456789abcdef0';
  return `placeholder-${id}`;
}

/** The cluster's Kubernetes version: `aws_eks_cluster.version` of the stack whose state this one reads. */
function clusterVersion(stack: string, json: StackJson, stackJson: (name: string) => StackJson | undefined): string {
  const sources = [
    json,
    ...Object.keys(json.data?.terraform_remote_state ?? {}).map((id) => stackJson(id.replace(/^cross-stack-reference-input-/, ''))),
  ];
  for (const source of sources) {
    for (const cluster of Object.values(source?.resource?.aws_eks_cluster ?? {})) if (cluster.version) return String(cluster.version);
  }
  throw new Error(`${stack}: no aws_eks_cluster in the stacks it reads, so no Kubernetes version to render for`);
}
