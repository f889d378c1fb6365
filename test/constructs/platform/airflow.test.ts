import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { HelmValues } from '../../../constructs/helm/values';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { Airflow, type AirflowProps } from '../../../constructs/platform/airflow';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartVersion, schemaViolations, unknownKeys } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'example', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
};
const roleArn = 'arn:aws:iam::123456789012:role/mlops-test-airflow';

function baseProps(): AirflowProps {
  return {
    namespace: 'airflow',
    values: loadValuesFiles('airflow', 'dev'),
    databaseHost: 'mlops-test-metadata.abc123.eu-west-1.rds.amazonaws.com',
    databaseSecretName: 'mlops-test/airflow/database',
    keysSecretName: 'mlops-test/airflow/keys',
    logsBucket: 'mlops-test-logs',
    region: 'eu-west-1',
    roleArn,
    dags: { repository: 'https://github.com/example-org/dags.git' },
    placement,
  };
}

function airflow(props: Partial<AirflowProps> = {}): { airflow: Airflow; json: StackJson } {
  let created: Airflow | undefined;
  const json = synthScope((scope) => {
    created = new Airflow(scope, 'Airflow', { ...baseProps(), ...props });
  });
  return { airflow: created!, json };
}

const values = (props: Partial<AirflowProps> = {}) => airflow(props).airflow.release.values;

function at(values: HelmValues, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as HelmValues | undefined)?.[key], values);
}

function byName(manifests: KubernetesObject[], kind: string, name: string): KubernetesObject {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

/** The parts of an ExternalSecret the tests read. */
interface ExternalSecretSpec {
  readonly secretStoreRef: { kind: string; name: string };
  readonly data: { secretKey: string; remoteRef: { key: string; property?: string } }[];
  readonly target: { template?: { data: Record<string, string> } };
}

function externalSecretSpec(manifests: KubernetesObject[], name: string): ExternalSecretSpec {
  return byName(manifests, 'ExternalSecret', name).spec as ExternalSecretSpec;
}

/** The templated keys of an ExternalSecret's target Secret. */
function templated(manifests: KubernetesObject[], name: string): Record<string, string> {
  return externalSecretSpec(manifests, name).target.template!.data;
}

const IRSA_COMPONENTS = ['workers', 'scheduler', 'apiServer', 'triggerer', 'dagProcessor'];
const OTHER_ACCOUNTS = ['pgbouncer', 'statsd', 'migrateDatabaseJob', 'createUserJob'];
/** Every container the release runs, by the values path of its resources. */
const CONTAINERS = [
  'scheduler',
  'scheduler.logGroomerSidecar',
  'apiServer',
  'triggerer',
  'triggerer.logGroomerSidecar',
  'dagProcessor',
  'dagProcessor.logGroomerSidecar',
  'workers.kubernetes',
  'pgbouncer',
  'pgbouncer.metricsExporterSidecar',
  'statsd',
  'dags.gitSync',
  'migrateDatabaseJob',
  'createUserJob',
];

describe('Airflow', () => {
  it('pins the chart version the vendored schema describes and installs it from its vendored archive', () => {
    expect(Airflow.CHART).toEqual({ repository: 'https://airflow.apache.org', chart: 'airflow', version: chartVersion('airflow') });
    const release = Object.values(resources(airflow().json, 'helm_release')).find((r) => r.name === 'airflow');
    expect(release).toMatchObject({ chart: vendoredChart('airflow', '1.20.0'), version: '1.20.0', namespace: 'airflow' });
    expect(release).not.toHaveProperty('repository');
  });

  it.each([
    ['dev', {}],
    ['prod', { highlyAvailable: true, replicas: 3, values: loadValuesFiles('airflow', 'prod') }],
    ['private https repository', { dags: { repository: 'https://github.com/example-org/dags.git', credentialsSecret: 'git-credentials' } }],
    [
      'ssh repository',
      {
        dags: {
          repository: 'git@github.com:example-org/dags.git',
          credentialsSecret: 'git-ssh',
          knownHosts: 'github.com ssh-ed25519 AAAA',
        },
      },
    ],
  ] as [string, Partial<AirflowProps>][])('satisfies the chart schema (%s)', (_, props) => {
    expect(schemaViolations('airflow', values(props))).toEqual([]);
  });

  it('would notice a key the chart does not know, inside a closed object', () => {
    expect(schemaViolations('airflow', { ...values(), scheduler: { replica: 2 } })).not.toEqual([]);
  });

  // Some objects are open in the schema (workers.kubernetes, for one): every key must also be in the chart's defaults.
  const FREE_FORM = ['config', 'dags.gitSync.credentialsSecret', 'dags.gitSync.sshKeySecret', 'dags.gitSync.knownHosts'];
  it.each([
    ['https', {}],
    [
      'ssh',
      {
        highlyAvailable: true,
        dags: {
          repository: 'git@github.com:example-org/dags.git',
          credentialsSecret: 'git-ssh',
          knownHosts: 'github.com ssh-ed25519 AAAA',
        },
      },
    ],
  ] as [string, Partial<AirflowProps>][])('sets only keys the chart has defaults for (%s)', (_, props) => {
    expect(unknownKeys('airflow', values(props), FREE_FORM)).toEqual([]);
    // …which catches what the open objects let through.
    expect(unknownKeys('airflow', { workers: { kubernetes: { tolerations: [] } } }, FREE_FORM)).toEqual(['workers.kubernetes.tolerations']);
  });

  it('runs Airflow 3 with the KubernetesExecutor, an API server and no Celery pieces', () => {
    expect(values()).toMatchObject({
      executor: 'KubernetesExecutor',
      apiServer: { enabled: true, service: { type: 'ClusterIP' } },
      dagProcessor: { enabled: true, replicas: 1, podDisruptionBudget: { enabled: false } },
      triggerer: { enabled: true, persistence: { enabled: false } },
      redis: { enabled: false },
      flower: { enabled: false },
      statsd: { enabled: true },
    });
    // The chart's own Airflow version (3.1.8) and image: not overridden.
    expect(values().airflowVersion).toBeUndefined();
    expect(airflow().airflow.apiServerUrl).toBe('http://airflow-api-server.airflow.svc:8080');
    // Task pods have no database access in Airflow 3: everything goes through the execution API.
    expect(at(values(), 'config.core.execution_api_server_url')).toBe('http://airflow-api-server.airflow.svc:8080/execution/');
  });

  describe('metadata database', () => {
    it('reads the connection from a Secret, through PgBouncer, with the bundled PostgreSQL off', () => {
      const v = values();
      expect(v.postgresql).toEqual({ enabled: false });
      // Nothing but the Secret's name: no user, password or host in values.
      expect(v.data).toEqual({ metadataSecretName: 'airflow-metadata-db' });
      expect(v.pgbouncer).toMatchObject({
        enabled: true,
        configSecretName: 'airflow-pgbouncer-ini',
        metricsExporterSidecar: { statsSecretName: 'airflow-pgbouncer-exporter', statsSecretKey: 'connection' },
      });
    });

    it('templates the metadata connection to PgBouncer from the login secret', () => {
      const secret = externalSecretSpec(airflow().airflow.prerequisites.manifests, 'airflow-metadata-db');
      expect(secret.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
      expect(secret.data).toEqual([
        { secretKey: 'username', remoteRef: { key: 'mlops-test/airflow/database', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'mlops-test/airflow/database', property: 'password' } },
      ]);
      expect(secret.target.template?.data).toEqual({
        connection:
          'postgresql://{{ .username | urlquery }}:{{ .password | urlquery }}@airflow-pgbouncer.airflow:6543/airflow-metadata?sslmode=disable',
      });
    });

    it('renders pgbouncer.ini and users.txt with TLS to RDS, and the exporter connection', () => {
      const manifests = airflow({ databasePort: 5433 }).airflow.prerequisites.manifests;
      const config = templated(manifests, 'airflow-pgbouncer-ini');
      const ini: string = config['pgbouncer.ini'];
      expect(ini).toContain(
        'airflow-metadata = host=mlops-test-metadata.abc123.eu-west-1.rds.amazonaws.com port=5433 dbname=airflow pool_size=10',
      );
      expect(ini).toMatch(/^server_tls_sslmode = require$/m);
      expect(ini).toMatch(/^listen_port = 6543$/m);
      expect(ini).toMatch(/^auth_type = scram-sha-256$/m);
      expect(ini).toMatch(/^auth_file = \/etc\/pgbouncer\/users.txt$/m);
      expect(ini).toMatch(/^stats_users = \{\{ \.username \}\}$/m);
      expect(ini).toMatch(/^max_client_conn = 200$/m);
      expect(ini).toMatch(/^unix_socket_dir =$/m);
      expect(config['users.txt']).toBe('"{{ .username }}" "{{ .password }}"\n');
      expect(templated(manifests, 'airflow-pgbouncer-exporter')).toEqual({
        connection: 'postgresql://{{ .username | urlquery }}:{{ .password | urlquery }}@127.0.0.1:6543/pgbouncer?sslmode=disable',
      });
    });

    it('takes pool sizes and ports from the values files', () => {
      const file = { ...loadValuesFiles('airflow', 'dev').file, ports: { pgbouncer: 6000 } };
      const overrides = { pgbouncer: { metadataPoolSize: 25, maxClientConn: 400 } };
      const built = airflow({ values: { file }, overrides }).airflow;
      const manifests = built.prerequisites.manifests;
      const ini: string = templated(manifests, 'airflow-pgbouncer-ini')['pgbouncer.ini'];
      expect(ini).toContain('pool_size=25');
      // They reach PgBouncer through this file only: the chart, given the file, would ignore them.
      expect(at(built.release.values, 'pgbouncer.metadataPoolSize')).toBeUndefined();
      expect(at(built.release.values, 'pgbouncer.maxClientConn')).toBeUndefined();
      expect(ini).toMatch(/^max_client_conn = 400$/m);
      expect(ini).toMatch(/^listen_port = 6000$/m);
      expect(templated(manifests, 'airflow-metadata-db').connection).toContain('@airflow-pgbouncer.airflow:6000/');
    });

    it('keeps the database host a Terraform reference until apply', () => {
      const json = synthScope((scope) => {
        const host = new TerraformVariable(scope, 'db_host', { type: 'string' });
        new Airflow(scope, 'Airflow', { ...baseProps(), databaseHost: host.stringValue });
      });
      const prerequisites = Object.values(resources(json, 'helm_release')).find((r) => r.name === 'airflow-prerequisites')!;
      expect((prerequisites.values as string[])[0]).toContain('host=${var.db_host} port=5432 dbname=airflow');
    });
  });

  it('gives the chart the names of externally synced key Secrets, with the Secret keys it reads', () => {
    const v = values();
    for (const key of ['fernetKeySecretName', 'apiSecretKeySecretName', 'jwtSecretName']) expect(v[key]).toBe('airflow-keys');
    // Airflow 3 reads the API's key; the chart uses the webserver's only for Airflow 2, so it is not passed.
    expect(v.webserverSecretKeySecretName).toBeUndefined();
    for (const key of ['fernetKey', 'apiSecretKey', 'jwtSecret', 'webserverSecretKey']) expect(v[key]).toBeUndefined();
    const keys = externalSecretSpec(airflow().airflow.prerequisites.manifests, 'airflow-keys');
    expect(keys.data).toEqual([
      { secretKey: 'fernet-key', remoteRef: { key: 'mlops-test/airflow/keys', property: 'fernet_key' } },
      { secretKey: 'api-secret-key', remoteRef: { key: 'mlops-test/airflow/keys', property: 'api_secret_key' } },
      { secretKey: 'jwt-secret', remoteRef: { key: 'mlops-test/airflow/keys', property: 'jwt_secret' } },
      { secretKey: 'webserver-secret-key', remoteRef: { key: 'mlops-test/airflow/keys', property: 'webserver_secret_key' } },
    ]);
  });

  it('uses a custom ClusterSecretStore for every ExternalSecret', () => {
    const manifests = airflow({ storeName: 'other-store' }).airflow.prerequisites.manifests;
    expect(manifests).toHaveLength(5);
    for (const m of manifests)
      expect(m).toMatchObject({
        kind: 'ExternalSecret',
        metadata: { namespace: 'airflow' },
        spec: { secretStoreRef: { name: 'other-store' } },
      });
  });

  describe('Jobs', () => {
    it('runs migrations and the admin user as plain resources, not Helm hooks', () => {
      const v = values();
      expect(v.migrateDatabaseJob).toMatchObject({ enabled: true, useHelmHooks: false });
      expect(v.createUserJob).toMatchObject({ enabled: true, useHelmHooks: false });
      const release = Object.values(resources(airflow().json, 'helm_release')).find((r) => r.name === 'airflow');
      expect(release).toMatchObject({ wait: true, wait_for_jobs: true, atomic: true, timeout: 900 });
    });

    it('creates the FAB admin with a password from Secrets Manager, after the migrations', () => {
      const job = values().createUserJob as HelmValues;
      // The user goes into the construct's script; the chart would read defaultUser only in the arguments replaced.
      expect(job.defaultUser).toBeUndefined();
      expect(job.env).toEqual([
        { name: 'AIRFLOW_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'airflow-admin', key: 'admin-password' } } },
      ]);
      const [shell, flag, script] = job.args as string[];
      expect([shell, flag]).toEqual(['bash', '-c']);
      expect(script).toBe(
        "airflow db check-migrations --migration-wait-timeout=600 && exec airflow users create --role 'Admin' --username 'admin'" +
          " --email 'airflow-admin@example.com' --firstname 'Airflow' --lastname 'Admin' --password \"$AIRFLOW_ADMIN_PASSWORD\"",
      );
      const admin = externalSecretSpec(airflow().airflow.prerequisites.manifests, 'airflow-admin');
      expect(admin.data).toEqual([
        { secretKey: 'admin-password', remoteRef: { key: 'mlops-test/airflow/keys', property: 'admin_password' } },
      ]);
    });
  });

  describe('remote logs and IRSA', () => {
    it('writes task logs to S3 through the default credential chain', () => {
      const v = values();
      expect(at(v, 'config.logging')).toEqual({
        remote_logging: 'True',
        remote_base_log_folder: 's3://mlops-test-logs/airflow',
        remote_log_conn_id: 'aws_default',
        delete_local_logs: 'True',
      });
      const env = v.env as { name: string; value: string }[];
      const aws = env.find((e) => e.name === 'AIRFLOW_CONN_AWS_DEFAULT')!;
      expect(JSON.parse(aws.value)).toEqual({ conn_type: 'aws', extra: { region_name: 'eu-west-1' } });
      const kubernetes = env.find((e) => e.name === 'AIRFLOW_CONN_KUBERNETES_DEFAULT')!;
      expect(JSON.parse(kubernetes.value)).toEqual({ conn_type: 'kubernetes', extra: { in_cluster: true } });
      expect(airflow({ logsPrefix: 'orchestration/airflow' }).airflow.remoteLogFolder).toBe('s3://mlops-test-logs/orchestration/airflow');
    });

    it('annotates, names and exposes the service account of every component that touches S3', () => {
      const { airflow: a } = airflow();
      expect(a.serviceAccountNames).toEqual({
        worker: 'airflow-worker',
        scheduler: 'airflow-scheduler',
        apiServer: 'airflow-api-server',
        triggerer: 'airflow-triggerer',
        dagProcessor: 'airflow-dag-processor',
      });
      const names = {
        workers: 'worker',
        scheduler: 'scheduler',
        apiServer: 'apiServer',
        triggerer: 'triggerer',
        dagProcessor: 'dagProcessor',
      } as const;
      for (const component of IRSA_COMPONENTS) {
        expect(at(a.release.values, `${component}.serviceAccount`)).toMatchObject({
          create: true,
          name: a.serviceAccountNames[names[component as keyof typeof names]],
          annotations: { 'eks.amazonaws.com/role-arn': roleArn },
        });
      }
    });

    it('gives the other components named service accounts without AWS access or API tokens', () => {
      const v = values();
      for (const component of OTHER_ACCOUNTS) {
        expect(at(v, `${component}.serviceAccount`)).toMatchObject({ create: true, automountServiceAccountToken: false, annotations: {} });
        expect(at(v, `${component}.serviceAccount.name`)).toMatch(/^airflow-/);
      }
    });

    it('keeps values files from redefining the connections it owns', () => {
      const file = { ...loadValuesFiles('airflow', 'dev').file, env: [{ name: 'AIRFLOW_CONN_AWS_DEFAULT', value: 'aws://key:secret@' }] };
      expect(() => airflow({ values: { file } })).toThrow('env must not set AIRFLOW_CONN_AWS_DEFAULT');
    });

    it('keeps the values files’ own environment variables', () => {
      const file = { ...loadValuesFiles('airflow', 'dev').file, env: [{ name: 'TEAM', value: 'ml' }] };
      expect((values({ values: { file } }).env as { name: string }[]).map((e) => e.name)).toEqual([
        'TEAM',
        'AIRFLOW_CONN_AWS_DEFAULT',
        'AIRFLOW_CONN_KUBERNETES_DEFAULT',
      ]);
    });
  });

  describe('DAGs', () => {
    it('syncs a public repository with defaults', () => {
      expect(at(values(), 'dags.gitSync')).toMatchObject({
        enabled: true,
        repo: 'https://github.com/example-org/dags.git',
        branch: 'main',
        ref: 'main',
        subPath: 'dags',
      });
      expect(at(values(), 'dags.gitSync.credentialsSecret')).toBeUndefined();
      expect(at(values(), 'dags.gitSync.sshKeySecret')).toBeUndefined();
    });

    it('uses the credentials Secret for https and the ssh key Secret for ssh', () => {
      const https = values({
        dags: { repository: 'https://git.example.com/dags.git', branch: 'release', subPath: '', credentialsSecret: 'git-credentials' },
      });
      expect(at(https, 'dags.gitSync')).toMatchObject({
        branch: 'release',
        ref: 'release',
        subPath: '',
        credentialsSecret: 'git-credentials',
      });
      const ssh = values({
        dags: {
          repository: 'ssh://git@git.example.com/dags.git',
          credentialsSecret: 'git-ssh',
          knownHosts: 'git.example.com ssh-ed25519 AAAA',
        },
      });
      expect(at(ssh, 'dags.gitSync')).toMatchObject({ sshKeySecret: 'git-ssh', knownHosts: 'git.example.com ssh-ed25519 AAAA' });
      expect(at(ssh, 'dags.gitSync.credentialsSecret')).toBeUndefined();
    });
    it('makes the credentials Secret from Secrets Manager: a login for https, a key for ssh', () => {
      const https = airflow({
        dags: { repository: 'https://git.example.com/dags.git', credentialsSecretsManager: 'mlops-dev/git' },
      }).airflow;
      expect(at(https.release.values, 'dags.gitSync.credentialsSecret')).toBe('airflow-git-credentials');
      const login = byName(https.prerequisites.manifests, 'ExternalSecret', 'airflow-git-credentials').spec as {
        data: { secretKey: string; remoteRef: { key: string; property: string } }[];
        target: { template: { data: Record<string, string> } };
      };
      expect(login.data).toEqual([
        { secretKey: 'username', remoteRef: { key: 'mlops-dev/git', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'mlops-dev/git', property: 'password' } },
      ]);
      expect(Object.keys(login.target.template.data).sort()).toEqual([
        'GITSYNC_PASSWORD',
        'GITSYNC_USERNAME',
        'GIT_SYNC_PASSWORD',
        'GIT_SYNC_USERNAME',
      ]);
      const ssh = airflow({ dags: { repository: 'git@git.example.com:org/dags.git', credentialsSecretsManager: 'mlops-dev/git' } }).airflow;
      expect(at(ssh.release.values, 'dags.gitSync.sshKeySecret')).toBe('airflow-git-credentials');
      const key = byName(ssh.prerequisites.manifests, 'ExternalSecret', 'airflow-git-credentials').spec as { data: unknown[] };
      expect(key.data).toEqual([{ secretKey: 'gitSshKey', remoteRef: { key: 'mlops-dev/git', property: 'ssh_key' } }]);
      expect(() =>
        airflow({
          dags: { repository: 'https://git.example.com/dags.git', credentialsSecret: 'git', credentialsSecretsManager: 'mlops-dev/git' },
        }),
      ).toThrow(/exclude each other/);
    });
  });

  describe('Spark access', () => {
    it('lets the worker service account manage SparkApplications and read driver pods in the Spark namespace', () => {
      const { airflow: a } = airflow();
      const role = byName(a.sparkAccess.manifests, 'Role', 'airflow-spark-submitter');
      expect(role.metadata.namespace).toBe('spark-jobs');
      expect(role.rules).toEqual([
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications/status'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ]);
      const binding = byName(a.sparkAccess.manifests, 'RoleBinding', 'airflow-spark-submitter');
      expect(binding).toMatchObject({
        metadata: { namespace: 'spark-jobs' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'airflow-spark-submitter' },
        subjects: [{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }],
      });
    });

    it('gives tasks exactly the rights their purpose needs in each other namespace, and no Role without one', () => {
      const { airflow: a } = airflow({ taskAccess: { 'model-serving': 'models', 'feature-store': 'jobs', 'team-a': 'spark' } });
      const roles = a.taskAccess!.manifests.filter((m) => m.kind === 'Role');
      expect(Object.fromEntries(roles.map((r) => [r.metadata.namespace, r.rules]))).toEqual({
        'model-serving': [
          {
            apiGroups: ['serving.kserve.io'],
            resources: ['inferenceservices'],
            verbs: ['create', 'get', 'list', 'watch', 'patch', 'update'],
          },
          { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices/status'], verbs: ['get'] },
        ],
        'feature-store': [
          { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
          { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        ],
        // The same rights as in the Spark job namespace, no more.
        'team-a': a.sparkAccess.manifests.find((m) => m.kind === 'Role')!.rules,
      });
      for (const binding of a.taskAccess!.manifests.filter((m) => m.kind === 'RoleBinding')) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }]);
      }
      expect(airflow().airflow.taskAccess).toBeUndefined();
    });

    it('follows a custom Spark namespace', () => {
      for (const m of airflow({ sparkNamespace: 'batch' }).airflow.sparkAccess.manifests) expect(m.metadata.namespace).toBe('batch');
    });
  });

  it('installs the ExternalSecrets before the chart, after what it depends on', () => {
    const json = synthScope((scope) => {
      const ready = new TerraformVariable(scope, 'ready', { type: 'string' });
      new Airflow(scope, 'Airflow', { ...baseProps(), dependsOn: [ready] });
    });
    const releases = Object.entries(resources(json, 'helm_release'));
    const idOf = (name: string) => releases.find(([, r]) => r.name === name)![0];
    const chart = releases.find(([, r]) => r.name === 'airflow')![1];
    expect(chart.depends_on).toEqual([`helm_release.${idOf('airflow-prerequisites')}`]);
    for (const name of ['airflow-prerequisites', 'airflow-spark-access']) {
      expect(releases.find(([, r]) => r.name === name)![1].depends_on).toEqual(['var.ready']);
    }
  });

  it('puts no secret value in the chart values', () => {
    // The chart's keys that would carry a secret itself rather than a Secret's name.
    const SECRET_VALUE_KEYS = [
      'pass',
      'password',
      'fernetKey',
      'apiSecretKey',
      'jwtSecret',
      'webserverSecretKey',
      'sshKey',
      'brokerUrl',
      'keytabBase64Content',
    ];
    const rendered = (Object.values(resources(airflow().json, 'helm_release')).find((r) => r.name === 'airflow')!.values as string[])[0];
    const parsed = parse(rendered) as HelmValues;
    expect(parsed).toEqual(values());
    const secretish: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, child] of Object.entries(node)) {
        if (SECRET_VALUE_KEYS.includes(key) && typeof child === 'string' && child !== '') secretish.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
      }
    };
    walk(parsed, '');
    expect(secretish).toEqual([]);
    expect(at(parsed, 'data.metadataConnection')).toBeUndefined();
    expect(at(parsed, 'pgbouncer.ssl')).toBeUndefined();
  });

  describe('placement and scale', () => {
    it('places every pod on the general pool, task pods included', () => {
      const v = values();
      expect(v.nodeSelector).toEqual(placement.nodeSelector);
      expect(v.tolerations).toEqual(placement.tolerations);
      // No component overrides the global placement (the pod template file falls back to it).
      for (const component of [...IRSA_COMPONENTS, 'workers.kubernetes', ...OTHER_ACCOUNTS]) {
        expect(at(v, `${component}.nodeSelector`) ?? {}).toEqual({});
        expect(at(v, `${component}.tolerations`) ?? []).toEqual([]);
      }
    });

    it('runs one of each without disruption budgets or spread in development', () => {
      const v = values();
      for (const [component] of [['scheduler'], ['apiServer'], ['triggerer'], ['pgbouncer']]) {
        expect(at(v, component)).toMatchObject({ replicas: 1, podDisruptionBudget: { enabled: false }, topologySpreadConstraints: [] });
      }
    });

    it('runs replicas with disruption budgets and zone spread in production', () => {
      const v = values({ highlyAvailable: true });
      for (const [component, label] of [
        ['scheduler', 'scheduler'],
        ['apiServer', 'api-server'],
        ['triggerer', 'triggerer'],
        ['pgbouncer', 'pgbouncer'],
        ['dagProcessor', 'dag-processor'],
      ]) {
        expect(at(v, component)).toMatchObject({
          replicas: 2,
          podDisruptionBudget: { enabled: true, config: { maxUnavailable: 1 } },
          topologySpreadConstraints: [
            {
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { tier: 'airflow', component: label, release: 'airflow' } },
            },
          ],
        });
      }
      expect(at(values({ replicas: 3 }), 'scheduler.replicas')).toBe(3);
    });

    it('requests less in development, with the same limits', () => {
      const dev = values();
      const staging = values({ values: loadValuesFiles('airflow', 'staging') });
      expect(at(dev, 'scheduler.resources.requests')).toEqual({ cpu: '250m', memory: '768Mi' });
      expect(at(staging, 'scheduler.resources.requests')).toEqual({ cpu: '500m', memory: '1Gi' });
      expect(at(dev, 'scheduler.resources.limits')).toEqual(at(staging, 'scheduler.resources.limits'));
    });

    it('sets requests and limits of cpu and memory on every container', () => {
      const v = values();
      for (const path of CONTAINERS) {
        expect(at(v, `${path}.resources`), path).toMatchObject({
          requests: { cpu: expect.any(String), memory: expect.any(String) },
          limits: { cpu: expect.any(String), memory: expect.any(String) },
        });
      }
    });
  });

  describe('security contexts', () => {
    const POD_PATHS = [
      'securityContexts.pod',
      'scheduler.securityContexts.pod',
      'apiServer.securityContexts.pod',
      'triggerer.securityContexts.pod',
      'dagProcessor.securityContexts.pod',
      'workers.kubernetes.securityContexts.pod',
      'migrateDatabaseJob.securityContexts.pod',
      'createUserJob.securityContexts.pod',
      'statsd.securityContexts.pod',
      'pgbouncer.securityContexts.pod',
    ];
    const CONTAINER_PATHS = [
      'securityContexts.containers',
      ...[
        'scheduler',
        'apiServer',
        'triggerer',
        'dagProcessor',
        'workers.kubernetes',
        'migrateDatabaseJob',
        'createUserJob',
        'statsd',
        'pgbouncer',
      ].map((c) => `${c}.securityContexts.container`),
      ...['scheduler', 'triggerer', 'dagProcessor'].map((c) => `${c}.logGroomerSidecar.securityContexts.container`),
      ...['scheduler', 'apiServer', 'triggerer', 'dagProcessor'].map((c) => `${c}.waitForMigrations.securityContexts.container`),
      'dags.gitSync.securityContexts.container',
      'pgbouncer.metricsExporterSidecar.securityContexts.container',
    ];

    it('runs every pod as a non-root user with the runtime seccomp profile', () => {
      const v = values();
      for (const path of POD_PATHS) {
        const context = at(v, path) as HelmValues;
        expect(context, path).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(context.runAsUser, path).toBeGreaterThan(0);
      }
      expect(at(v, 'scheduler.securityContexts.pod')).toMatchObject({ runAsUser: 50000, runAsGroup: 0, fsGroup: 0 });
      expect(at(v, 'pgbouncer.securityContexts.pod')).toMatchObject({ runAsUser: 65534 });
    });

    it('drops every capability and privilege escalation in every container', () => {
      const v = values();
      for (const path of CONTAINER_PATHS) {
        expect(at(v, path), path).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      for (const path of ['statsd', 'pgbouncer', 'pgbouncer.metricsExporterSidecar'])
        expect(at(v, `${path}.securityContexts.container.readOnlyRootFilesystem`), path).toBe(true);
      expect(at(v, 'dags.gitSync.securityContexts.container.runAsUser')).toBe(65533);
    });

    it('leaves no security context unset that the chart has', () => {
      // Every securityContexts object in the values is one of the listed paths.
      const found: string[] = [];
      const walk = (node: unknown, path: string[]) => {
        if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
        for (const [key, child] of Object.entries(node)) {
          if (key === 'securityContexts') for (const kind of Object.keys(child as object)) found.push([...path, key, kind].join('.'));
          else walk(child, [...path, key]);
        }
      };
      walk(values(), []);
      expect(found.sort()).toEqual([...POD_PATHS, ...CONTAINER_PATHS].sort());
    });
  });

  describe('guards the merged values', () => {
    it('keeps the UI ClusterIP and without ingress', () => {
      expect(() => airflow({ overrides: { apiServer: { service: { type: 'LoadBalancer' } } } })).toThrow(
        'apiServer.service.type must stay ClusterIP',
      );
      expect(() => airflow({ overrides: { ingress: { apiServer: { enabled: true } } } })).toThrow(
        'ingress.apiServer.enabled must stay false',
      );
    });

    it('keeps the connections it defines when overrides replace env', () => {
      expect(() => airflow({ overrides: { env: [{ name: 'TEAM', value: 'ml' }] } })).toThrow('env must keep AIRFLOW_CONN_AWS_DEFAULT');
    });

    it('keeps the KubernetesExecutor', () => {
      expect(() => airflow({ overrides: { executor: 'CeleryExecutor' } })).toThrow('executor must stay KubernetesExecutor');
    });

    it('refuses a container without requests and limits', () => {
      const file = { ...loadValuesFiles('airflow', 'dev').file, statsd: {} };
      expect(() => airflow({ values: { file } })).toThrow('statsd.resources must set requests and limits of cpu and memory');
    });

    it('refuses an admin password in values and unsafe admin fields', () => {
      expect(() => airflow({ overrides: { createUserJob: { defaultUser: { password: 'admin' } } } })).toThrow(
        'createUserJob.defaultUser.password must stay empty',
      );
      expect(() => airflow({ overrides: { createUserJob: { defaultUser: { username: "a'; rm -rf /" } } } })).toThrow(
        "createUserJob.defaultUser.username 'a'; rm -rf /' may hold",
      );
    });

    it('refuses a PgBouncer setting that is not a whole number', () => {
      expect(() => airflow({ overrides: { pgbouncer: { maxClientConn: '100' } } })).toThrow(
        'pgbouncer.maxClientConn must be a positive whole number',
      );
    });
  });

  describe('validates its props', () => {
    it.each([
      [{ releaseName: 'Airflow' }, "releaseName 'Airflow' must be a lower-case DNS label of at most 39 characters"],
      [{ releaseName: 'a'.repeat(40) }, 'at most 39 characters'],
      [{ namespace: 'air_flow' }, "namespace 'air_flow' must be a lower-case DNS label"],
      [{ sparkNamespace: 'Spark' }, "sparkNamespace 'Spark' must be a lower-case DNS label"],
      [{ storeName: '' }, "storeName '' must be a lower-case DNS label"],
      [{ replicas: 0 }, 'replicas must be a whole number from 1 to 10 (got 0)'],
      [{ replicas: 1.5 }, 'replicas must be a whole number from 1 to 10 (got 1.5)'],
      [{ highlyAvailable: true, replicas: 1 }, 'replicas must be at least 2 to be highly available (got 1)'],
      [{ databasePort: 70000 }, 'databasePort must be from 1 to 65535 (got 70000)'],
      [{ databaseName: 'Air-flow' }, "databaseName 'Air-flow' must be a lower-case SQL identifier"],
      [{ databaseHost: 'db host' }, "databaseHost 'db host' must be a host name"],
      [{ databaseSecretName: ' ' }, 'databaseSecretName must name a Secrets Manager secret'],
      [{ keysSecretName: '' }, 'keysSecretName must name a Secrets Manager secret'],
      [{ logsBucket: 's3://logs' }, "logsBucket 's3://logs' must be an S3 bucket name, without s3://"],
      [{ logsPrefix: '/airflow/' }, "logsPrefix '/airflow/' must be a key prefix without leading or trailing slashes"],
      [{ region: 'Ireland' }, "region 'Ireland' must be an AWS region such as eu-west-1"],
      [{ roleArn: 'airflow-role' }, "roleArn 'airflow-role' must be an IAM role ARN"],
      [
        { dags: { repository: 'github.com/example-org/dags' } },
        "dags.repository 'github.com/example-org/dags' must be an https://, ssh:// or git@ clone URL",
      ],
      [
        { dags: { repository: 'https://x/y.git', branch: '--upload-pack=x' } },
        "dags.branch '--upload-pack=x' must be a git branch or tag name",
      ],
      [{ dags: { repository: 'https://x/y.git', subPath: '../etc' } }, "dags.subPath '../etc' must be a relative folder of the repository"],
      [{ dags: { repository: 'https://x/y.git', subPath: '/dags' } }, "dags.subPath '/dags' must be a relative folder"],
      [
        { dags: { repository: 'https://x/y.git', credentialsSecret: 'Git_Creds' } },
        "dags.credentialsSecret 'Git_Creds' must name a Kubernetes Secret",
      ],
      [{ dags: { repository: 'https://x/y.git', knownHosts: 'x ssh-ed25519 AAAA' } }, 'dags.knownHosts is for ssh repositories'],
    ] as [Partial<AirflowProps>, string][])('%j', (props, message) => {
      expect(() => airflow(props)).toThrow(message);
    });

    it('accepts tokens where only apply time knows the value', () => {
      expect(() =>
        synthScope((scope) => {
          const text = (name: string) => new TerraformVariable(scope, name, { type: 'string' }).stringValue;
          const port = new TerraformVariable(scope, 'port', { type: 'number' }).numberValue;
          new Airflow(scope, 'Airflow', {
            ...baseProps(),
            databaseHost: text('host'),
            databasePort: port,
            logsBucket: text('bucket'),
            region: text('region'),
            roleArn: text('role'),
          });
        }),
      ).not.toThrow();
    });
  });
});
