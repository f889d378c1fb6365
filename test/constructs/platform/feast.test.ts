import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import { CONFIG_ENV, FeatureStore, type FeatureStoreProps } from '../../../constructs/platform/feast';
import { resources, synthScope, type StackJson } from '../../support/synth';

const GENERAL: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'general', effect: 'NoSchedule' }],
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/mlops-test-feature-store';
const DB_HOST = 'mlops-test-metadata.abc.eu-west-1.rds.amazonaws.com';
const CACHE_HOST = 'master.mlops-test-features.abc.euw1.cache.amazonaws.com';

function build(props: Partial<FeatureStoreProps> = {}): { store: FeatureStore; json: StackJson } {
  let store: FeatureStore | undefined;
  const json = synthScope((scope) => {
    store = new FeatureStore(scope, 'FeatureStore', {
      namespace: 'feature-store',
      databaseHost: DB_HOST,
      databaseSecretName: 'mlops-test/feast/database',
      cacheHost: CACHE_HOST,
      cacheAuthSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-test/cache/auth-AbCdEf',
      datasetsBucket: 'mlops-test-123456789012-eu-west-1-datasets',
      region: 'eu-west-1',
      roleArn: ROLE_ARN,
      placement: GENERAL,
      ...props,
    });
  });
  return { store: store!, json };
}
const attempt = (props: Partial<FeatureStoreProps>) => () => void build(props);

const find = (list: KubernetesObject[], kind: string, name: string) => {
  const found = list.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON; the assertions check the shape
  return found as KubernetesObject & { spec: Record<string, any>; data: Record<string, string> };
};
const releaseNamed = (json: StackJson, name: string) => {
  const found = Object.values(resources(json, 'helm_release')).find((r) => r.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return found as { values: string[]; depends_on?: string[] };
};

describe('FeatureStore', () => {
  it('renders feature_store.yaml: SQL registry over TLS, Redis with TLS and AUTH, dask offline store', () => {
    const { store } = build();
    const config = parse(find(store.prerequisites.manifests, 'ConfigMap', 'feast-config').data['feature_store.yaml']);
    expect(config).toEqual({
      project: 'mlops',
      provider: 'local',
      registry: {
        registry_type: 'sql',
        path: `postgresql+psycopg://$FEAST_REGISTRY_USER:$FEAST_REGISTRY_PASSWORD@${DB_HOST}:5432/feast_registry?sslmode=require`,
        cache_ttl_seconds: 60,
        sqlalchemy_config_kwargs: { pool_pre_ping: true },
      },
      online_store: { type: 'redis', redis_type: 'redis', connection_string: `${CACHE_HOST}:6379,ssl=true,password=$FEAST_REDIS_PASSWORD` },
      offline_store: { type: 'dask' },
      entity_key_serialization_version: 3,
    });
    expect(store.offlineDataUri).toBe('s3://mlops-test-123456789012-eu-west-1-datasets/feast/');
    expect(find(store.prerequisites.manifests, 'ConfigMap', 'feast-config').data.offline_data_uri).toBe(store.offlineDataUri);
  });

  it('substitutes like Python expandvars: every $VARIABLE in the config comes from the credentials Secret', () => {
    const { store } = build();
    const yamlText = store.featureStoreYaml;
    const used = [...yamlText.matchAll(/\$(\w+)/g)].map((m) => m[1]);
    const secret = find(store.prerequisites.manifests, 'ExternalSecret', store.credentialsSecretName);
    const keys = (secret.spec.data as { secretKey: string }[]).map((d) => d.secretKey);
    expect(new Set(used)).toEqual(new Set(keys));
    expect(new Set(keys)).toEqual(new Set(Object.values(CONFIG_ENV)));
  });

  it('keeps secrets out of values and state: only Secrets Manager names, and no ${ for Terraform to interpolate', () => {
    const { store, json } = build();
    const secret = find(store.prerequisites.manifests, 'ExternalSecret', 'feast-credentials');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
    expect(secret.spec.data).toEqual([
      { secretKey: 'FEAST_REGISTRY_USER', remoteRef: { key: 'mlops-test/feast/database', property: 'username' } },
      { secretKey: 'FEAST_REGISTRY_PASSWORD', remoteRef: { key: 'mlops-test/feast/database', property: 'password' } },
      {
        secretKey: 'FEAST_REDIS_PASSWORD',
        remoteRef: { key: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops-test/cache/auth-AbCdEf', property: 'auth_token' },
      },
    ]);
    for (const name of ['feast', 'feast-prerequisites']) {
      const text = releaseNamed(json, name).values.join('\n');
      expect(text).not.toMatch(/\$\{/);
      expect(text).not.toMatch(/password\s*[:=]\s*[^$\s]/i);
    }
  });

  it('synthesizes with token endpoints, as in the platform stack', () => {
    let store: FeatureStore | undefined;
    const json = synthScope((scope) => {
      const v = (n: string) => new TerraformVariable(scope, n, { type: 'string' }).stringValue;
      store = new FeatureStore(scope, 'FeatureStore', {
        namespace: 'feature-store',
        databaseHost: v('db'),
        databaseSecretName: 'mlops-test/feast/database',
        cacheHost: v('cache'),
        cacheAuthSecretName: v('cache_secret'),
        datasetsBucket: v('bucket'),
        region: 'eu-west-1',
        roleArn: v('role'),
        placement: GENERAL,
      });
    });
    const text = releaseNamed(json, 'feast-prerequisites').values[0];
    expect(text).toContain('${var.db}:5432/feast_registry');
    expect(text).toContain('${var.cache}:6379,ssl=true,password=$FEAST_REDIS_PASSWORD');
    expect(text).toContain('eks.amazonaws.com/role-arn: ${var.role}');
    expect(store!.url).toBe('http://feast.feature-store.svc:6566');
  });

  it('gives the IRSA role to its own service account, which both pods use', () => {
    const { store } = build();
    const account = find(store.prerequisites.manifests, 'ServiceAccount', 'feast');
    expect(account.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ROLE_ARN });
    const server = find(store.release.manifests, 'Deployment', 'feast').spec.template.spec;
    const job = find(store.release.manifests, 'CronJob', 'feast-materialize').spec.jobTemplate.spec.template.spec;
    expect(server.serviceAccountName).toBe('feast');
    expect(job.serviceAccountName).toBe('feast');
  });

  it('runs the feature server on general, non-root, read-only, ClusterIP, with resources', () => {
    const { store, json } = build();
    const deployment = find(store.release.manifests, 'Deployment', 'feast');
    const spec = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(1);
    expect(spec.nodeSelector).toEqual(GENERAL.nodeSelector);
    expect(spec.tolerations).toEqual(GENERAL.tolerations);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = spec.containers;
    expect(container.image).toBe('quay.io/feastdev/feature-server:0.47.0');
    expect(container.command).toEqual(['feast', '--chdir', '/etc/feast', 'serve', '--host', '0.0.0.0', '--port', '6566']);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(container.envFrom).toEqual([{ secretRef: { name: 'feast-credentials' } }]);
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/feast', readOnly: true });
    const service = find(store.release.manifests, 'Service', 'feast');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 6566, targetPort: 'http', protocol: 'TCP' }]);
    expect(spec.topologySpreadConstraints).toBeUndefined();
    expect(store.release.manifests.some((m) => m.kind === 'PodDisruptionBudget')).toBe(false);
    // The server waits for its secrets and config.
    expect(releaseNamed(json, 'feast').depends_on).toEqual([expect.stringContaining('FeatureStore_Prerequisites_Release')]);
  });

  it('materializes hourly with a CronJob that never overlaps, same image, config and security', () => {
    const { store } = build();
    const cron = find(store.release.manifests, 'CronJob', 'feast-materialize');
    expect(cron.spec).toMatchObject({ schedule: '0 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.nodeSelector).toEqual(GENERAL.nodeSelector);
    const [container] = pod.containers;
    expect(container.image).toBe('quay.io/feastdev/feature-server:0.47.0');
    expect(container.command).toEqual([
      '/bin/sh',
      '-c',
      'exec feast --chdir /etc/feast materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)"',
    ]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'feast-credentials' } }]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.resources.limits.memory).toBe('4Gi');
    expect(find(build({ materializeSchedule: '*/15 * * * *' }).store.release.manifests, 'CronJob', 'feast-materialize').spec.schedule).toBe(
      '*/15 * * * *',
    );
  });

  it('runs 2 spread replicas with a disruption budget in production', () => {
    const { store } = build({ highlyAvailable: true });
    const deployment = find(store.release.manifests, 'Deployment', 'feast');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
      }),
    ]);
    const pdb = find(store.release.manifests, 'PodDisruptionBudget', 'feast');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  it.each<[string, Partial<FeatureStoreProps>, RegExp]>([
    ['one replica in production', { highlyAvailable: true, replicas: 1 }, /replicas must be at least 2 to be highly available \(got 1\)/],
    ['zero replicas', { replicas: 0 }, /replicas must be a whole number from 1 to 10 \(got 0\)/],
    ['a project with dashes', { project: 'my-project' }, /project 'my-project'/],
    ['a database name with dashes', { databaseName: 'feast-registry' }, /databaseName 'feast-registry'/],
    ['a port out of range', { cachePort: 70000 }, /cachePort must be from 1 to 65535 \(got 70000\)/],
    ['a host with a scheme', { cacheHost: 'rediss://cache:6379' }, /cacheHost 'rediss:\/\/cache:6379' must be a host name/],
    ['a database host with a port', { databaseHost: 'db:5432' }, /databaseHost 'db:5432'/],
    ['an empty secret name', { databaseSecretName: ' ' }, /databaseSecretName must name a Secrets Manager secret/],
    ['an empty cache secret name', { cacheAuthSecretName: '' }, /cacheAuthSecretName must name a Secrets Manager secret/],
    ['a bucket URI', { datasetsBucket: 's3://bucket' }, /datasetsBucket 's3:\/\/bucket' must be an S3 bucket name/],
    ['a prefix with slashes', { datasetsPrefix: '/feast/' }, /datasetsPrefix '\/feast\/'/],
    ['a bad role ARN', { roleArn: 'mlops-feast' }, /roleArn 'mlops-feast' must be an IAM role ARN/],
    ['a bad region', { region: 'Ireland' }, /region 'Ireland'/],
    ['a bad namespace', { namespace: 'Feature_Store' }, /namespace 'Feature_Store' must be a lower-case DNS label/],
    ['a bad service account', { serviceAccountName: 'Feast' }, /serviceAccountName 'Feast'/],
    ['a six-field schedule', { materializeSchedule: '0 0 * * * *' }, /materializeSchedule '0 0 \* \* \* \*'/],
    [
      'resources without a memory limit',
      { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '' } } },
      /resources must set/,
    ],
  ])('rejects %s', (_, props, message) => {
    expect(attempt(props)).toThrow(message);
    expect(attempt(props)).toThrow(/FeatureStore/);
  });
});
