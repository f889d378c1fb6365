import { isSsh } from './validation';
import type { AirflowDags } from './props';
import type { KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';

/** Names of the Kubernetes Secrets the Airflow chart is given, all in the release's namespace. */
export interface AirflowSecretNames {
  /** `connection`: the metadata database URI, through PgBouncer (`data.metadataSecretName`). */
  readonly metadata: string;
  /** `pgbouncer.ini` and `users.txt` (`pgbouncer.configSecretName`). */
  readonly pgbouncerConfig: string;
  /** `connection`: the metrics exporter's URI of PgBouncer's admin console (`pgbouncer.metricsExporterSidecar.statsSecretName`). */
  readonly pgbouncerStats: string;
  /** `fernet-key`, `api-secret-key`, `jwt-secret`, `webserver-secret-key`: one Secret behind all four `*SecretName` values. */
  readonly keys: string;
  /** `admin-password`: read by the create-user Job only. */
  readonly admin: string;
}

/**
 * Secret names that never collide with the chart's own (`<release>-airflow-metadata`, `<release>-pgbouncer-config`,
 * `<release>-pgbouncer-stats`, `<release>-fernet-key`, …): Helm refuses to adopt an object another owner created.
 */
export function airflowSecretNames(releaseName: string): AirflowSecretNames {
  return {
    metadata: `${releaseName}-metadata-db`,
    pgbouncerConfig: `${releaseName}-pgbouncer-ini`,
    pgbouncerStats: `${releaseName}-pgbouncer-exporter`,
    keys: `${releaseName}-keys`,
    admin: `${releaseName}-admin`,
  };
}

/** What the ExternalSecrets of Airflow are built from. */
export interface AirflowSecretsSpec {
  readonly namespace: string;
  readonly storeName: string;
  readonly names: AirflowSecretNames;
  /** Secrets Manager secret with `username` and `password` of the Airflow login. */
  readonly databaseSecretName: string;
  /** Secrets Manager secret with `fernet_key`, `api_secret_key`, `jwt_secret`, `webserver_secret_key`, `admin_password`. */
  readonly keysSecretName: string;
  /** RDS endpoint PgBouncer connects to (tokens are fine: they only ever appear inside templates). */
  readonly databaseHost: string;
  readonly databasePort: string;
  readonly databaseName: string;
  /** In-cluster host of the PgBouncer Service. */
  readonly pgbouncerHost: string;
  readonly pgbouncerPort: number;
  /** The `[databases]` alias clients connect to. */
  readonly pgbouncerDatabase: string;
  readonly metadataPoolSize: number;
  readonly maxClientConn: number;
}

/**
 * Every Secret the chart reads, as ExternalSecrets templated from Secrets Manager: the chart gets names only,
 * and no password is ever in values, code or Terraform state. The login's password may not contain `"`
 * (users.txt quotes it); generated passwords are letters and digits.
 */
export function airflowSecrets(spec: AirflowSecretsSpec): KubernetesObject[] {
  const { namespace, storeName, names } = spec;
  const login = {
    username: { key: spec.databaseSecretName, property: 'username' },
    password: { key: spec.databaseSecretName, property: 'password' },
  };
  // urlquery is a builtin of Go templates, as the chart itself escapes these URIs.
  const userinfo = '{{ .username | urlquery }}:{{ .password | urlquery }}';
  return [
    externalSecret({
      name: names.metadata,
      namespace,
      storeName,
      data: login,
      template: {
        // Inside the cluster, to PgBouncer, which has no client TLS; PgBouncer speaks TLS to RDS.
        connection: `postgresql://${userinfo}@${spec.pgbouncerHost}:${spec.pgbouncerPort}/${spec.pgbouncerDatabase}?sslmode=disable`,
      },
    }),
    externalSecret({
      name: names.pgbouncerConfig,
      namespace,
      storeName,
      data: login,
      template: { 'pgbouncer.ini': pgbouncerIni(spec), 'users.txt': '"{{ .username }}" "{{ .password }}"\n' },
    }),
    externalSecret({
      name: names.pgbouncerStats,
      namespace,
      storeName,
      data: login,
      template: { connection: `postgresql://${userinfo}@127.0.0.1:${spec.pgbouncerPort}/pgbouncer?sslmode=disable` },
    }),
    externalSecret({
      name: names.keys,
      namespace,
      storeName,
      data: {
        'fernet-key': { key: spec.keysSecretName, property: 'fernet_key' },
        'api-secret-key': { key: spec.keysSecretName, property: 'api_secret_key' },
        'jwt-secret': { key: spec.keysSecretName, property: 'jwt_secret' },
        'webserver-secret-key': { key: spec.keysSecretName, property: 'webserver_secret_key' },
      },
    }),
    externalSecret({
      name: names.admin,
      namespace,
      storeName,
      data: { 'admin-password': { key: spec.keysSecretName, property: 'admin_password' } },
    }),
  ];
}

/**
 * The chart's own pgbouncer.ini, less the Celery result-backend pool, with TLS required towards RDS (which
 * forces TLS anyway) and no Unix socket, so the root filesystem can stay read-only.
 */
function pgbouncerIni(spec: AirflowSecretsSpec): string {
  return [
    '[databases]',
    `${spec.pgbouncerDatabase} = host=${spec.databaseHost} port=${spec.databasePort} dbname=${spec.databaseName} pool_size=${spec.metadataPoolSize}`,
    '',
    '[pgbouncer]',
    'pool_mode = transaction',
    `listen_port = ${spec.pgbouncerPort}`,
    'listen_addr = *',
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    'auth_file = /etc/pgbouncer/users.txt',
    'stats_users = {{ .username }}',
    'ignore_startup_parameters = extra_float_digits',
    `max_client_conn = ${spec.maxClientConn}`,
    'verbose = 0',
    'log_disconnections = 0',
    'log_connections = 0',
    // `require` encrypts (TLS 1.2+ and strong ciphers by default); verify-full would also need the RDS CA
    // bundle mounted into the pod.
    'server_tls_sslmode = require',
    '',
  ].join('\n');
}

/** The Secret git-sync reads, made by External Secrets from {@link AirflowDags.credentialsSecretsManager}. */
export function gitCredentials(name: string, namespace: string, storeName: string, dags: AirflowDags): KubernetesObject {
  const source = (property: string) => ({ key: dags.credentialsSecretsManager!, property });
  // git-sync v3 and v4 read differently named variables; the chart passes both.
  const https = {
    GIT_SYNC_USERNAME: '{{ .username }}',
    GIT_SYNC_PASSWORD: '{{ .password }}',
    GITSYNC_USERNAME: '{{ .username }}',
    GITSYNC_PASSWORD: '{{ .password }}',
  };
  return isSsh(dags.repository)
    ? externalSecret({ name, namespace, storeName, data: { gitSshKey: source('ssh_key') } })
    : externalSecret({
        name,
        namespace,
        storeName,
        data: { username: source('username'), password: source('password') },
        template: https,
      });
}
