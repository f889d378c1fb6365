import { TerraformStack, Testing } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NodeRole } from '../../constructs/cluster/node-role';
import { HelmRelease } from '../../constructs/helm/helm-release';
import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { ecrRegistryHost, type CacheableRegistry } from '../../constructs/images/cacheable-registries';
import { ImageMirror, type ChartImages } from '../../constructs/images/image-mirror';
import { parseImage } from '../../constructs/images/image-reference';
import { ImageRepository, type ImageRepositoryProps } from '../../constructs/images/image-repository';
import { PullThroughCache, type PullThroughCacheProps } from '../../constructs/images/pull-through-cache';
import { dataSources, resources, synthScope, synthStack, type StackJson } from '../support/synth';

const HOST = ecrRegistryHost('123456789012', 'eu-west-1');

describe('parseImage', () => {
  it.each([
    ['busybox:1.38.0', { registry: 'docker.io', repository: 'library/busybox', suffix: ':1.38.0' }],
    ['apache/airflow:3.1.8', { registry: 'docker.io', repository: 'apache/airflow', suffix: ':3.1.8' }],
    ['docker.io/library/spark:4.0.1', { registry: 'docker.io', repository: 'library/spark', suffix: ':4.0.1' }],
    ['index.docker.io/grafana/grafana', { registry: 'docker.io', repository: 'grafana/grafana', suffix: '' }],
    ['quay.io/strimzi/operator:1.2.0', { registry: 'quay.io', repository: 'strimzi/operator', suffix: ':1.2.0' }],
    ['localhost:5000/app@sha256:abc', { registry: 'localhost:5000', repository: 'app', suffix: '@sha256:abc' }],
    ['registry.k8s.io/git-sync/git-sync', { registry: 'registry.k8s.io', repository: 'git-sync/git-sync', suffix: '' }],
  ])('%s', (reference, expected) => {
    expect(parseImage(reference)).toEqual(expected);
  });
});

/** A stack with a mirror of `registries`, and whatever `build` adds after it. */
function mirrored(registries: CacheableRegistry[], build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'test');
  ImageMirror.declare(stack, { registryHost: HOST, namePrefix: 'mlops-test', registries });
  build(stack);
  return stack;
}

describe('ImageMirror', () => {
  const mirror = ImageMirror.of(mirrored(['docker.io', 'quay.io'], () => undefined))!;

  it('takes images of the mirrored registries through the cache, named as the cache rules name them', () => {
    expect(mirror.image('busybox:1.38.0')).toBe(`${HOST}/mlops-test/docker-hub/library/busybox:1.38.0`);
    expect(mirror.image('quay.io/strimzi/operator:1.2.0')).toBe(`${HOST}/mlops-test/quay/strimzi/operator:1.2.0`);
    expect(mirror.repository('apache/airflow')).toBe(`${HOST}/mlops-test/docker-hub/apache/airflow`);
    expect(mirror.registry('quay.io')).toBe(`${HOST}/mlops-test/quay`);
  });

  it('leaves images of other registries as they are', () => {
    expect(mirror.image('ghcr.io/external-secrets/external-secrets:v2.9.0')).toBe('ghcr.io/external-secrets/external-secrets:v2.9.0');
    expect(mirror.image('nvcr.io/nvidia/tritonserver:23.05-py3')).toBe('nvcr.io/nvidia/tritonserver:23.05-py3');
    expect(mirror.registry('ghcr.io')).toBe('ghcr.io');
  });

  it('is found from any construct of its stack, and not in a stack without one', () => {
    const stack = mirrored(['quay.io'], () => undefined);
    expect(ImageMirror.of(stack)?.registries).toEqual(['quay.io']);
    expect(ImageMirror.of(new TerraformStack(Testing.app(), 'plain'))).toBeUndefined();
  });

  it('names the China partitions’ registries by their own suffix', () => {
    expect(ecrRegistryHost('123456789012', 'cn-north-1')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn');
  });
});

describe('releases in a stack with a mirror', () => {
  const chart = { repository: 'https://airflow.apache.org', chart: 'airflow', version: '1.20.0' };
  const images: ChartImages = (m) => ({ images: { statsd: { repository: m.repository('quay.io/prometheus/statsd-exporter') } } });
  const valuesOf = (json: StackJson) =>
    Object.values(resources(json, 'helm_release')).map((r) => parse((r.values as string[])[0]) as Record<string, unknown>);

  it("apply the chart's image keys above the computed values, under the overrides", () => {
    const build = (stack: TerraformStack, overrides?: Record<string, unknown>) =>
      new HelmRelease(stack, 'Release', {
        releaseName: 'airflow',
        namespace: 'airflow',
        chart,
        images,
        values: { computed: { images: { statsd: { repository: 'computed', tag: 'v1' } } }, overrides },
      });
    const [values] = valuesOf(synthStack(mirrored(['quay.io'], (stack) => build(stack))));
    expect(values.images).toEqual({ statsd: { repository: `${HOST}/mlops-test/quay/prometheus/statsd-exporter`, tag: 'v1' } });
    const [overridden] = valuesOf(
      synthStack(mirrored(['quay.io'], (stack) => build(stack, { images: { statsd: { repository: 'mine' } } }))),
    );
    expect(overridden.images).toEqual({ statsd: { repository: 'mine', tag: 'v1' } });
  });

  it('leave the values alone where the stack has no mirror', () => {
    const json = synthScope(
      (scope) => void new HelmRelease(scope, 'Release', { releaseName: 'airflow', namespace: 'airflow', chart, images, values: {} }),
    );
    expect(valuesOf(json)[0]).toEqual({});
  });

  it("rewrite every image field of the project's own manifests, however deep", () => {
    let release: ManifestsRelease | undefined;
    mirrored(['docker.io'], (stack) => {
      release = new ManifestsRelease(stack, 'Things', {
        releaseName: 'things',
        namespace: 'things',
        manifests: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'job', namespace: 'things' },
            spec: { template: { spec: { containers: [{ name: 'c', image: 'postgres:17.6-alpine' }] } } },
          },
          {
            apiVersion: 'sparkoperator.k8s.io/v1beta2',
            kind: 'SparkApplication',
            metadata: { name: 'app', namespace: 'things' },
            spec: { image: 'spark:4.0.1', driver: { image: 'quay.io/example/driver:1' } },
          },
        ],
      });
    });
    expect(JSON.stringify(release!.manifests)).not.toMatch(/"image":"(postgres|spark)/);
    expect(release!.manifests[0].spec).toMatchObject({
      template: { spec: { containers: [{ image: `${HOST}/mlops-test/docker-hub/library/postgres:17.6-alpine` }] } },
    });
    expect(release!.manifests[1].spec).toEqual({
      image: `${HOST}/mlops-test/docker-hub/library/spark:4.0.1`,
      driver: { image: 'quay.io/example/driver:1' },
    });
  });
});

describe('PullThroughCache', () => {
  const DOCKER_HUB_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf';

  function build(props: Partial<PullThroughCacheProps> = {}): StackJson {
    return synthScope((scope) => {
      const nodeRole = new NodeRole(scope, 'NodeRole', { roleName: 'mlops-test-node' });
      new PullThroughCache(scope, 'Cache', {
        namePrefix: 'mlops-test',
        registries: { 'docker.io': { credentialArn: DOCKER_HUB_SECRET }, 'quay.io': {}, 'registry.k8s.io': {} },
        pullers: [nodeRole],
        ...props,
      });
    });
  }

  it('creates one rule per upstream under the environment’s prefix, with the login where the upstream needs one', () => {
    const rules = Object.values(resources(build(), 'aws_ecr_pull_through_cache_rule'));
    expect(rules.sort((a, b) => String(a.ecr_repository_prefix).localeCompare(String(b.ecr_repository_prefix)))).toEqual([
      { ecr_repository_prefix: 'mlops-test/docker-hub', upstream_registry_url: 'registry-1.docker.io', credential_arn: DOCKER_HUB_SECRET },
      { ecr_repository_prefix: 'mlops-test/k8s', upstream_registry_url: 'registry.k8s.io' },
      { ecr_repository_prefix: 'mlops-test/quay', upstream_registry_url: 'quay.io' },
    ]);
  });

  it('gives the repositories it creates encryption and a lifecycle that expires untagged images', () => {
    const [template] = Object.values(resources(build({ untaggedImageDays: 7 }), 'aws_ecr_repository_creation_template'));
    expect(template).toMatchObject({
      prefix: 'mlops-test',
      applied_for: ['PULL_THROUGH_CACHE'],
      encryption_configuration: [{ encryption_type: 'AES256' }],
    });
    expect(JSON.parse(template.lifecycle_policy as string).rules).toEqual([
      expect.objectContaining({
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        action: { type: 'expire' },
      }),
    ]);
  });

  it('lets the pullers import upstream images into the environment’s repositories only', () => {
    const json = build();
    const grant = Object.values(resources(json, 'aws_iam_role_policy')).find((p) => p.name === 'PullThroughCache')!;
    const document = dataSources(json, 'aws_iam_policy_document')[
      /data\.aws_iam_policy_document\.([\w-]+)\./.exec(String(grant.policy))![1]
    ];
    expect(document.statement).toEqual([
      {
        sid: 'ImportUpstreamImages',
        actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [expect.stringMatching(/^arn:\$\{.*\}:ecr:\$\{.*\}:\$\{.*\}:repository\/mlops-test\/\*$/)],
      },
    ]);
  });

  it.each<[Partial<PullThroughCacheProps>, RegExp]>([
    [{ registries: {} }, /registries is empty/],
    [{ registries: { 'ghcr.io': {} } }, /ghcr\.io needs a credentialArn/],
    [
      { registries: { 'docker.io': { credentialArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:docker-hub' } } },
      /must be a Secrets Manager secret named ecr-pullthroughcache/,
    ],
    [{ namePrefix: 'mlops-a-long-environment' }, /'mlops-a-long-environment\/docker-hub' exceeds ECR's 30 characters/],
    [{ untaggedImageDays: 0 }, /untaggedImageDays must be a positive integer/],
  ])('refuses %o', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('ImageRepository', () => {
  const json = synthScope((scope) => new ImageRepository(scope, 'Images', { repositoryName: 'mlops-test/pipeline', keepTaggedImages: 20 }));

  it('pins what a tag names, scans every push and encrypts with KMS', () => {
    expect(Object.values(resources(json, 'aws_ecr_repository'))).toEqual([
      expect.objectContaining({
        name: 'mlops-test/pipeline',
        image_tag_mutability: 'IMMUTABLE',
        image_scanning_configuration: { scan_on_push: true },
        encryption_configuration: [{ encryption_type: 'KMS' }],
        force_delete: false,
      }),
    ]);
  });

  it('expires untagged images and all but the newest tagged ones', () => {
    const [policy] = Object.values(resources(json, 'aws_ecr_lifecycle_policy'));
    const rules = (JSON.parse(policy.policy as string) as { rules: { selection: Record<string, unknown> }[] }).rules;
    expect(rules.map((r) => r.selection)).toEqual([
      { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 20 },
    ]);
  });

  it('rejects names ECR refuses and counts that are not positive', () => {
    const build = (props: Partial<ImageRepositoryProps>) => () =>
      synthScope((scope) => new ImageRepository(scope, 'Images', { repositoryName: 'mlops-test/pipeline', ...props }));
    expect(build({ repositoryName: 'MLOps/Pipeline' })).toThrow(/repositoryName 'MLOps\/Pipeline' must be lower-case path segments/);
    expect(build({ untaggedImageDays: 0 })).toThrow(/untaggedImageDays must be a positive integer \(got 0\)/);
  });
});
