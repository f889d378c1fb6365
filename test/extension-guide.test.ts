import { App, Testing } from 'cdktf';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NODE_POOL_LABEL } from '../constructs/cluster/node-pool';
import { HelmRelease } from '../constructs/helm/helm-release';
import { ecrRegistryHost } from '../constructs/images/cacheable-registries';
import type { ChartImages } from '../constructs/images/image-mirror';
import { resolveAvailability, type AvailabilityProps, type ComponentProps } from '../constructs/platform/component';
import { KmsKey } from '../constructs/security/kms-key';
import { Bucket } from '../constructs/storage/bucket';
import { addEnvironment } from '../src/app';
import { ENVIRONMENTS_DIR, loadEnvironments } from '../src/config/load';
import type { EnvironmentConfig } from '../src/config/schema';
import { dataSources, resources, type StackJson } from './support/synth';
import { vendoredChart } from './support/vendored';
import { Construct } from 'constructs';

// Each test does exactly what a section of the README's "Extending the platform" shows.

/**
 * README § Adding a Helm component: a thin construct on the shared HelmRelease. The README vendors the chart
 * with `npm run charts:pull`, which needs its repository; here the archive comes from the test fixtures.
 */
class Podinfo extends Construct {
  static readonly CHART = {
    repository: 'https://stefanprodan.github.io/podinfo',
    chart: 'podinfo',
    version: '6.9.2',
    archive: join(__dirname, 'fixtures', 'charts-vendor', 'podinfo-6.9.2.tgz'),
  };
  static readonly IMAGES: ChartImages = (mirror) => ({ image: { repository: mirror.repository('ghcr.io/stefanprodan/podinfo') } });
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: ComponentProps & AvailabilityProps) {
    super(scope, id);
    const { replicas } = resolveAvailability(this.node.path, props);
    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'podinfo',
      namespace: props.namespace,
      chart: Podinfo.CHART,
      images: Podinfo.IMAGES,
      values: {
        file: { resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } },
        computed: { replicaCount: replicas, nodeSelector: props.placement.nodeSelector, tolerations: props.placement.tolerations },
      },
      dependsOn: props.dependsOn,
    });
  }
}

describe('extension guide', () => {
  /** The podinfo release of `environment` with the recipe's component added, and its values. */
  function addPodinfo(environment: EnvironmentConfig) {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'guide-')) });
    const { platform } = addEnvironment(app, environment);
    new Podinfo(platform, 'Podinfo', {
      namespace: platform.namespaces['platform-system'].name,
      placement: platform.placement.general,
    });
    const release = Object.values(resources(JSON.parse(Testing.synth(platform)), 'helm_release')).find((r) => r.name === 'podinfo')!;
    return { release, values: parse((release.values as string[])[0]) as { image?: { repository: string } } };
  }

  it('adds a Helm component to the platform stack', () => {
    const { release, values } = addPodinfo(loadEnvironments().find((e) => !Object.keys(e.cluster.pullThroughCache).includes('ghcr.io'))!);
    expect(release).toMatchObject({ chart: vendoredChart('podinfo', '6.9.2'), version: '6.9.2', atomic: true });
    expect(values).toMatchObject({ replicaCount: 1, nodeSelector: { [NODE_POOL_LABEL]: 'general' } });
    expect(values.image).toBeUndefined();
  });

  it("points the component's images at the pull-through cache where the environment has one", () => {
    const environment = loadEnvironments().find((e) => Object.keys(e.cluster.pullThroughCache).includes('ghcr.io'))!;
    const { values } = addPodinfo(environment);
    expect(values.image?.repository).toBe(
      `${ecrRegistryHost(environment.aws.accountId, environment.aws.region)}/mlops-${environment.name}/github/stefanprodan/podinfo`,
    );
  });

  it('adds a GPU node pool through the environment file: NVIDIA AMI, taint, device plugin, and a GPU pod lands there', () => {
    // The README's snippet, into a copy of dev (renamed if dev already has a pool of that name).
    const section = readFileSync(join(ROOT, 'README.md'), 'utf8').split('**A node pool.**')[1];
    const snippet = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]) as { cluster: { nodePools: Record<string, unknown> } };
    const [[readmeName, pool]] = Object.entries(snippet.cluster.nodePools);
    const dev = parse(readFileSync(join(ENVIRONMENTS_DIR, 'dev.yaml'), 'utf8')) as { cluster: { nodePools: Record<string, unknown> } };
    const name = readmeName in dev.cluster.nodePools ? `${readmeName}-recipe` : readmeName;
    dev.cluster.nodePools[name] = pool;
    const dir = environmentsCopy();
    writeFileSync(join(dir, 'dev.yaml'), stringify(dev));
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'guide-')) });
    const { cluster, platform } = addEnvironment(app, loadEnvironments(dir)[0]);

    const group = Object.values(resources(JSON.parse(Testing.synth(cluster)), 'aws_eks_node_group')).find(
      (g) => (g.labels as Record<string, string>)[NODE_POOL_LABEL] === name,
    )!;
    expect(group).toMatchObject({ ami_type: 'AL2023_x86_64_NVIDIA', instance_types: (pool as { instanceTypes: string[] }).instanceTypes });
    const labels = group.labels as Record<string, string>;
    const taints = (group.taint as { key: string; value?: string; effect: string }[]).map((t) => ({
      key: t.key,
      value: t.value,
      effect: { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' }[t.effect],
    }));
    expect(taints).toContainEqual({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' });

    /** Whether a pod with these tolerations and node selection may run on the pool's nodes (the scheduler's two predicates). */
    type Toleration = { key?: string; operator?: string; value?: string; effect?: string };
    const tolerates = (tolerations: Toleration[]) =>
      taints.every((taint) =>
        tolerations.some(
          (t) =>
            (t.key === undefined || t.key === taint.key) &&
            (t.effect === undefined || t.effect === taint.effect) &&
            (t.operator === 'Exists' || t.value === taint.value),
        ),
      );
    const selects = (required: Record<string, string>) => Object.entries(required).every(([key, value]) => labels[key] === value);

    // A training pod as the README says: the pool's placement and one GPU in its limits.
    const pod = {
      nodeSelector: cluster.nodePools[name].nodeSelector,
      tolerations: cluster.nodePools[name].tolerations,
      containers: [{ name: 'train', resources: { limits: { 'nvidia.com/gpu': 1 } } }],
    };
    expect(tolerates(pod.tolerations) && selects(pod.nodeSelector)).toBe(true);
    // Other pods stay off: the general pool's placement does not tolerate the GPU taint.
    expect(tolerates(platform.placement.general.tolerations)).toBe(false);

    // The device plugin that advertises nvidia.com/gpu runs on those nodes too.
    const release = Object.values(resources(JSON.parse(Testing.synth(platform)), 'helm_release')).find(
      (r) => r.name === 'nvidia-device-plugin',
    )!;
    expect(release.chart).toEqual(vendoredChart('nvidia-device-plugin', '0.20.0'));
    const values = parse((release.values as string[])[0]) as {
      tolerations: Toleration[];
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: { matchExpressions: { key: string; values: string[] }[] }[];
          };
        };
      };
    };
    expect(tolerates(values.tolerations)).toBe(true);
    const [term] = values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(selects(Object.fromEntries(term.matchExpressions.map((e) => [e.key, e.values[0]])))).toBe(true);
  });

  it('adds a bucket and grants a workload one prefix of it', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'guide-')) });
    const { data, identity } = addEnvironment(
      app,
      loadEnvironments().find((e) => e.name === 'dev')!,
    );
    const key = new KmsKey(data, 'ReportsKey', { alias: 'mlops-dev-reports', description: 'Encrypts the reports bucket' });
    const reports = new Bucket(data, 'ReportsBucket', { bucketName: 'mlops-dev-111111111111-reports', encryptionKey: key });
    reports.grantReadWrite(identity.identities.airflow, 'daily/');
    expect(Object.values(resources(JSON.parse(Testing.synth(data)), 'aws_s3_bucket')).map((b) => b.bucket)).toContain(
      'mlops-dev-111111111111-reports',
    );
    const policies = Object.values(resources(JSON.parse(Testing.synth(identity)), 'aws_iam_role_policy')).map((p) => p.name);
    expect(policies).toContain('ReportsBucketReadWriteDaily');
  });

  it('adds an environment with one file', () => {
    const dir = environmentsCopy();
    copyFileSync(join(ENVIRONMENTS_DIR, 'staging.yaml'), join(dir, 'staging.yaml'));
    writeFileSync(
      join(dir, 'qa.yaml'),
      readFileSync(join(ENVIRONMENTS_DIR, 'staging.yaml'), 'utf8')
        .replaceAll('222222222222', '444444444444')
        .replace('vpcCidr: 10.20.0.0/16', 'vpcCidr: 10.40.0.0/16'),
    );
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'guide-')) });
    const qa = loadEnvironments(dir).find((e) => e.name === 'qa')!;
    const stacks = addEnvironment(app, qa);
    expect(Object.values(stacks).map((s) => s?.node.id)).toEqual([
      'mlops-bootstrap-qa',
      ...['network', 'data', 'cluster', 'identity', 'platform'].map((l) => `mlops-qa-${l}`),
    ]);
    expect(qa.aws.accountId).toBe('444444444444');
  });

  it('adds a workload with one catalogue entry: its role, namespace, policies and wiring follow (on a scratch copy)', () => {
    // The README's two snippets, inserted where it says, into a copy of the project with one environment.
    const section = readFileSync(join(ROOT, 'README.md'), 'utf8').split('**A workload with an AWS identity.**')[1];
    const [workload, namespace] = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
    const dir = scratchCopy();
    const catalogue = join(dir, 'stacks', 'catalogue.ts');
    writeFileSync(
      catalogue,
      readFileSync(catalogue, 'utf8')
        .replace('} as const satisfies Record<string, WorkloadEntry>;', `${workload}} as const satisfies Record<string, WorkloadEntry>;`)
        .replace(/(export const NAMESPACES[\s\S]*?\n)(\};)/, `$1${namespace}$2`),
    );
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir });
    execFileSync(process.execPath, ['dist/src/synth.js'], { cwd: dir });
    const stack = (name: string) =>
      JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', `mlops-dev-${name}`, 'cdk.tf.json'), 'utf8')) as StackJson;

    const identity = stack('identity');
    const role = Object.values(resources(identity, 'aws_iam_role')).find((r) => r.name === 'mlops-dev-label-studio');
    expect(role, 'the identity stack creates the role').toBeDefined();
    expect(JSON.stringify(dataSources(identity, 'aws_iam_policy_document'))).toContain('system:serviceaccount:label-studio:label-studio');
    const platform = stack('platform');
    const ns = Object.entries(resources(platform, 'kubernetes_namespace_v1')).find(
      ([, n]) => (n.metadata as { name: string }).name === 'label-studio',
    );
    expect(ns?.[1].metadata).toMatchObject({ labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    const policies = String(
      (Object.values(resources(platform, 'helm_release')).find((r) => r.name === 'network-policies')!.values as string[])[0],
    );
    // Default-deny, and HTTPS out for its identity, in its own namespace.
    const own = policies.split('- apiVersion').filter((p) => p.includes(`kubernetes_namespace_v1.${ns![0]}.`));
    expect(own.some((p) => p.includes('name: default-deny'))).toBe(true);
    expect(own.some((p) => p.includes('0.0.0.0/0') && p.includes('port: 443'))).toBe(true);
  }, 60_000);
});

/** The project's root. */
const ROOT = join(__dirname, '..');

/**
 * A copy of the project to change as a user would: sources copied, dependencies, charts and values linked,
 * one environment (dev) so synthesis stays short.
 */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guide-project-'));
  for (const source of ['src', 'constructs', 'stacks', 'scripts/build.mjs', 'package.json', 'tsconfig.json']) {
    cpSync(join(ROOT, source), join(dir, source), { recursive: true });
  }
  for (const linked of ['node_modules', 'charts', 'values', 'schemas']) symlinkSync(join(ROOT, linked), join(dir, linked));
  mkdirSync(join(dir, 'environments'));
  copyFileSync(join(ROOT, 'environments', 'dev.yaml'), join(dir, 'environments', 'dev.yaml'));
  return dir;
}

/** An empty environments folder to write environment files into, with the project's schemas beside it. */
function environmentsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guide-env-'));
  symlinkSync(join(ROOT, 'schemas'), join(dir, 'schemas'));
  mkdirSync(join(dir, 'environments'));
  return join(dir, 'environments');
}
