import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeValues, type HelmValues } from '../../../constructs/helm/values';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import { Mlflow, type MlflowProps } from '../../../constructs/platform/mlflow';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartDefaults, chartVersion, schemaViolations } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const GENERAL: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'general', effect: 'NoSchedule' }],
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/mlops-test-mlflow';

type Built = { mlflow: Mlflow; json: StackJson; host: string };

/** Synthesizes the construct with realistic props; the database host is a token, as in the platform stack. */
function build(props: Partial<MlflowProps> = {}, environment = 'dev'): Built {
  let mlflow: Mlflow | undefined;
  let host = '';
  const json = synthScope((scope) => {
    host = new TerraformVariable(scope, 'database_host', { type: 'string' }).stringValue;
    mlflow = new Mlflow(scope, 'Mlflow', {
      namespace: 'mlflow',
      values: loadValuesFiles('mlflow', environment),
      databaseHost: host,
      databaseSecretName: 'mlops-test/mlflow/database',
      authSecretName: 'mlops-test/mlflow/auth',
      artifactsBucket: 'mlops-test-123456789012-eu-west-1-artifacts',
      region: 'eu-west-1',
      roleArn: ROLE_ARN,
      placement: GENERAL,
      ...props,
    });
  });
  return { mlflow: mlflow!, json, host };
}

function attempt(props: Partial<MlflowProps>): () => void {
  return () => void build(props);
}

const at = (values: HelmValues, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as HelmValues | undefined)?.[k], values);
const manifest = (mlflow: Mlflow, kind: string, name: string): KubernetesObject => {
  const found = mlflow.prerequisites.manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const releaseNamed = (json: StackJson, name: string) => {
  const found = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return { id: found[0], resource: found[1] };
};

describe('Mlflow', () => {
  it('passes the chart schema (45 closed objects and its allOf rules) in dev and production', () => {
    expect(schemaViolations('mlflow', build().mlflow.release.values)).toEqual([]);
    expect(schemaViolations('mlflow', build({ highlyAvailable: true }, 'prod').mlflow.release.values)).toEqual([]);
  });

  it('would be caught by the schema: an unknown key, a second database backend', () => {
    const { values } = build().mlflow.release;
    expect(schemaViolations('mlflow', { ...values, backendStore: { ...(values.backendStore as HelmValues), postgress: {} } })).not.toEqual(
      [],
    );
    expect(schemaViolations('mlflow', { ...values, postgresql: { enabled: true } })).not.toEqual([]);
  });

  it('installs the pinned upstream chart after its ExternalSecrets', () => {
    const { json } = build();
    expect(Mlflow.CHART.version).toBe(chartVersion('mlflow'));
    const chart = releaseNamed(json, 'mlflow');
    const prerequisites = releaseNamed(json, 'mlflow-prerequisites');
    expect(chart.resource).toMatchObject({
      chart: vendoredChart('mlflow', '1.11.5'),
      version: '1.11.5',
      namespace: 'mlflow',
      atomic: true,
      wait: true,
    });
    expect(chart.resource.depends_on).toEqual([`helm_release.${prerequisites.id}`]);
  });

  it('keeps metadata in RDS PostgreSQL over TLS, with credentials only from an ExternalSecret', () => {
    const { mlflow, json, host } = build();
    const { values } = mlflow.release;
    expect(values.backendStore).toMatchObject({
      databaseMigration: true,
      databaseConnectionCheck: true,
      postgres: { enabled: true, host, port: 5432, database: 'mlflow', driver: 'psycopg2', user: '', password: '' },
      existingDatabaseSecret: { name: 'mlflow-database', usernameKey: 'username', passwordKey: 'password' },
    });
    expect(values).toMatchObject({ postgresql: { enabled: false }, mysql: { enabled: false } });
    expect(at(values, 'extraEnvVars.PGSSLMODE')).toBe('require');
    expect(manifest(mlflow, 'ExternalSecret', 'mlflow-database')).toMatchObject({
      metadata: { namespace: 'mlflow' },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
        target: { name: 'mlflow-database' },
        data: [
          { secretKey: 'username', remoteRef: { key: 'mlops-test/mlflow/database', property: 'username' } },
          { secretKey: 'password', remoteRef: { key: 'mlops-test/mlflow/database', property: 'password' } },
        ],
      },
    });
    // The token resolves to the variable in the rendered values.
    const rendered = parse((releaseNamed(json, 'mlflow').resource.values as string[])[0]) as HelmValues;
    expect(at(rendered, 'backendStore.postgres.host')).toBe('${var.database_host}');
  });

  it('turns basic auth on, with the admin, the session key and the auth database all from Secrets Manager', () => {
    const { mlflow, host } = build({ storeName: 'other-store' });
    const { values } = mlflow.release;
    expect(values.auth).toMatchObject({
      enabled: true,
      adminUsername: '',
      adminPassword: '',
      existingAdminSecret: { name: 'mlflow-admin', usernameKey: 'admin_username', passwordKey: 'admin_password' },
      postgres: {
        enabled: true,
        host,
        port: 5432,
        database: 'mlflow_auth',
        user: '',
        password: '',
        existingSecret: { name: 'mlflow-database', usernameKey: 'username', passwordKey: 'password' },
      },
    });
    expect(values).toMatchObject({ ldapAuth: { enabled: false }, oidcAuth: { enabled: false }, flaskServerSecretKey: '' });
    expect(values.extraSecretNamesForEnvFrom).toEqual(['mlflow-flask-key']);
    expect(mlflow.adminSecretName).toBe('mlflow-admin');
    expect(manifest(mlflow, 'ExternalSecret', 'mlflow-admin').spec).toMatchObject({
      secretStoreRef: { name: 'other-store' },
      data: [
        { secretKey: 'admin_username', remoteRef: { key: 'mlops-test/mlflow/auth', property: 'admin_username' } },
        { secretKey: 'admin_password', remoteRef: { key: 'mlops-test/mlflow/auth', property: 'admin_password' } },
      ],
    });
    expect(manifest(mlflow, 'ExternalSecret', 'mlflow-flask-key').spec).toMatchObject({
      data: [{ secretKey: 'MLFLOW_FLASK_SERVER_SECRET_KEY', remoteRef: { key: 'mlops-test/mlflow/auth', property: 'flask_secret_key' } }],
    });
  });

  it('serves artifacts from s3://<bucket>/mlflow itself, with IRSA and no access keys', () => {
    const { values } = build().mlflow.release;
    // What Helm renders: the chart's defaults under ours.
    expect(mergeValues(chartDefaults('mlflow'), values).artifactRoot).toMatchObject({
      proxiedArtifactStorage: true,
      s3: {
        enabled: true,
        bucket: 'mlops-test-123456789012-eu-west-1-artifacts',
        path: 'mlflow',
        awsAccessKeyId: '',
        awsSecretAccessKey: '',
        existingSecret: { name: '' },
      },
      azureBlob: { enabled: false },
      gcs: { enabled: false },
    });
    expect(values.serviceAccount).toEqual({
      create: true,
      name: 'mlflow',
      automount: false,
      annotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN },
    });
    expect(values.extraEnvVars).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(build({ artifactsPrefix: 'teams/mlflow' }).mlflow.release.values).toMatchObject({
      artifactRoot: { s3: { path: 'teams/mlflow' } },
    });
  });

  it('is a ClusterIP service whose names pass the server host check, and exposes its URL', () => {
    const { mlflow } = build();
    expect(mlflow.release.values).toMatchObject({
      fullnameOverride: 'mlflow',
      service: { enabled: true, type: 'ClusterIP', port: 5000, containerPort: 5000 },
      ingress: { enabled: false },
    });
    expect(mlflow.trackingUri).toBe('http://mlflow.mlflow.svc:5000');
    expect(mlflow.serviceAccountName).toBe('mlflow');
    expect(mlflow.release.values.serverAllowedHosts).toEqual(
      expect.arrayContaining(['mlflow.mlflow.svc:*', 'mlflow.mlflow.svc.cluster.local:*', 'mlflow:*', 'localhost:*']),
    );
    // Users come through the load balancer with its host: MLflow 3 answers 403 to a Host it does not list.
    const behindIngress = build({ externalHosts: ['mlflow.dev.mlops.internal'] }).mlflow;
    expect(behindIngress.release.values.serverAllowedHosts).toEqual(
      expect.arrayContaining(['mlflow.dev.mlops.internal', 'mlflow.dev.mlops.internal:*']),
    );
    const renamed = build({ releaseName: 'registry', namespace: 'ml', serviceAccountName: 'registry-sa' }).mlflow;
    expect(renamed.trackingUri).toBe('http://registry.ml.svc:5000');
    expect(renamed.release.values).toMatchObject({
      serviceAccount: { name: 'registry-sa' },
      extraSecretNamesForEnvFrom: ['registry-flask-key'],
    });
  });

  it('exposes Prometheus metrics in a writable directory, for the platform PodMonitor to scrape', () => {
    const { mlflow } = build();
    // The chart renders each extraArgs entry as --<kebab-case key>=<value>.
    expect(mlflow.release.values.extraArgs).toEqual({ exposePrometheus: '/tmp/prometheus-metrics' });
    // The chart's own switch would also add --expose-prometheus=/mlflow/metrics, on the read-only root filesystem.
    expect(at(mlflow.release.values, 'serviceMonitor.enabled')).toBe(false);
    expect(at(mlflow.release.values, 'securityContext.readOnlyRootFilesystem')).toBe(true);
    expect(mlflow.podLabels).toEqual({ 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow' });
    expect(mlflow.metricsPortName).toBe(at(mlflow.release.values, 'service.containerPortName'));
  });

  it('runs on the general pool, non-root under restricted Pod Security, with requests and limits', () => {
    const { values } = build().mlflow.release;
    expect(values.nodeSelector).toEqual(GENERAL.nodeSelector);
    expect(values.tolerations).toEqual(GENERAL.tolerations);
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } });
  });

  it("grants users the values file's read access by default, or what defaultPermission says (nothing, in production)", () => {
    expect(at(build().mlflow.release.values, 'auth.defaultPermission')).toBe('READ');
    expect(at(build({ defaultPermission: 'NO_PERMISSIONS' }, 'prod').mlflow.release.values, 'auth.defaultPermission')).toBe(
      'NO_PERMISSIONS',
    );
  });

  it('runs one replica without budget or spread outside production', () => {
    const { mlflow } = build();
    expect(mlflow.release.values).toMatchObject({ replicaCount: 1, affinity: {} });
    expect(mlflow.prerequisites.manifests.map((m) => m.kind)).toEqual(['ExternalSecret', 'ExternalSecret', 'ExternalSecret', 'LimitRange']);
  });

  it("sizes the chart's init containers, which have no resources key, through the namespace's LimitRange", () => {
    expect(manifest(build().mlflow, 'LimitRange', 'container-defaults')).toMatchObject({
      metadata: { namespace: 'mlflow' },
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { memory: '128Mi' } }] },
    });
  });

  it('runs two replicas in production, with a disruption budget and zone anti-affinity on the chart selector', () => {
    const { mlflow } = build({ highlyAvailable: true }, 'prod');
    const selector = { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow' };
    expect(mlflow.release.values.replicaCount).toBe(2);
    expect(manifest(mlflow, 'PodDisruptionBudget', 'mlflow')).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'mlflow', namespace: 'mlflow' },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
    expect(at(mlflow.release.values, 'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution')).toEqual([
      { weight: 100, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: selector } } },
      { weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
    ]);
    const three = build({ replicas: 3 }).mlflow;
    expect(three.release.values.replicaCount).toBe(3);
    expect(three.prerequisites.manifests.some((m) => m.kind === 'PodDisruptionBudget')).toBe(true);
  });

  it('layers values: file, then environment, then computed, then overrides', () => {
    const { values } = build({
      values: {
        file: { ...loadValuesFiles('mlflow', 'dev').file, log: { level: 'info' }, replicaCount: 7 },
        environment: { log: { level: 'debug' } },
      },
      overrides: { livenessProbe: { periodSeconds: 10 } },
    }).mlflow.release;
    expect(at(values, 'log.level')).toBe('debug');
    expect(values.replicaCount).toBe(1);
    expect(at(values, 'livenessProbe.periodSeconds')).toBe(10);
  });

  it('accepts tokens where only the plan knows the value', () => {
    expect(() =>
      synthScope((scope) => {
        const token = (name: string) => new TerraformVariable(scope, name, { type: 'string' }).stringValue;
        new Mlflow(scope, 'Mlflow', {
          namespace: token('namespace'),
          values: loadValuesFiles('mlflow', 'dev'),
          databaseHost: token('host'),
          databaseSecretName: token('db_secret'),
          authSecretName: token('auth_secret'),
          artifactsBucket: token('bucket'),
          region: token('region'),
          roleArn: token('role'),
          placement: GENERAL,
        });
      }),
    ).not.toThrow();
  });

  it('rejects props it cannot deploy, naming the prop and the fix', () => {
    expect(attempt({ highlyAvailable: true, replicas: 1 })).toThrow(/replicas must be at least 2 to be highly available \(got 1\)/);
    expect(attempt({ replicas: 0 })).toThrow(/replicas must be a whole number from 1 to 10 \(got 0\)/);
    expect(attempt({ replicas: 1.5 })).toThrow(/replicas must be a whole number/);
    expect(attempt({ databasePort: 70000 })).toThrow(/databasePort must be from 1 to 65535 \(got 70000\)/);
    expect(() =>
      synthScope((scope) => {
        const port = new TerraformVariable(scope, 'port', { type: 'number' }).numberValue;
        new Mlflow(scope, 'Mlflow', {
          namespace: 'mlflow',
          values: {},
          databaseHost: 'db.example.internal',
          databasePort: port,
          databaseSecretName: 's',
          authSecretName: 'a',
          artifactsBucket: 'bucket',
          region: 'eu-west-1',
          roleArn: ROLE_ARN,
          placement: GENERAL,
        });
      }),
    ).toThrow(/databasePort must be a literal number/);
    expect(attempt({ databaseName: 'ML-flow' })).toThrow(/databaseName 'ML-flow' must be a lower-case SQL identifier/);
    expect(attempt({ authDatabaseName: 'mlflow' })).toThrow(/authDatabaseName must differ from databaseName \(both 'mlflow'\)/);
    expect(attempt({ databaseHost: 'postgres://db:5432' })).toThrow(/databaseHost 'postgres:\/\/db:5432' must be a host name/);
    expect(attempt({ releaseName: 'MLflow' })).toThrow(/releaseName 'MLflow' must be a lower-case DNS label/);
    expect(attempt({ serviceAccountName: 'ml_flow' })).toThrow(/serviceAccountName 'ml_flow' must be a lower-case DNS label/);
    expect(attempt({ databaseSecretName: ' ' })).toThrow(/databaseSecretName must name a Secrets Manager secret/);
    expect(attempt({ authSecretName: '' })).toThrow(/authSecretName must name a Secrets Manager secret/);
    expect(attempt({ artifactsBucket: 's3://bucket' })).toThrow(
      /artifactsBucket 's3:\/\/bucket' must be an S3 bucket name, without s3:\/\//,
    );
    expect(attempt({ artifactsPrefix: '/mlflow/' })).toThrow(
      /artifactsPrefix '\/mlflow\/' must be a key prefix without leading or trailing slashes/,
    );
    expect(attempt({ roleArn: 'mlflow-role' })).toThrow(/roleArn 'mlflow-role' must be an IAM role ARN/);
    expect(attempt({ region: 'Ireland' })).toThrow(/region 'Ireland' must be an AWS region/);
  });

  it('refuses values that would expose it or drop its resources', () => {
    expect(attempt({ overrides: { service: { type: 'LoadBalancer' } } })).toThrow(/service.type must stay ClusterIP \(got LoadBalancer\)/);
    expect(attempt({ overrides: { ingress: { enabled: true } } })).toThrow(/ingress.enabled must stay false/);
    expect(attempt({ values: {} })).toThrow(/resources must set requests.cpu, requests.memory and limits.memory/);
    expect(attempt({ overrides: { extraArgs: { exposePrometheus: '/mlflow/metrics' } } })).toThrow(
      /extraArgs.exposePrometheus must stay '\/tmp\/prometheus-metrics'/,
    );
  });
});
