import { Token } from 'cdktf';
import { requireResources, valueAt, type HelmValues } from '../../helm/values';
import { checkBucket, checkKeyPrefix, checkRegion, checkRoleArn, checkSecretNames } from '../validation';
import type { AirflowDags, AirflowProps } from './props';

// What Airflow's props and merged values must satisfy, beyond the shared checks.

/** Environment variables the construct owns; the values files may not set them. */
export const OWNED_ENV = ['AIRFLOW_CONN_AWS_DEFAULT', 'AIRFLOW_CONN_KUBERNETES_DEFAULT'];
/**
 * Values the construct applies itself rather than through the chart, which would ignore them: the pool sizes
 * go into its pgbouncer.ini (the chart renders none once given that file), the first admin into its own
 * `users create` script (the chart reads `defaultUser` only in the default arguments this replaces).
 */
export const APPLIED_BY_CONSTRUCT = ['pgbouncer.metadataPoolSize', 'pgbouncer.maxClientConn', 'createUserJob.defaultUser'];

/** The chart's default first user; `createUserJob.defaultUser` in the values files changes it. */
export const DEFAULT_ADMIN = { role: 'Admin', username: 'admin', email: 'admin@example.com', firstName: 'admin', lastName: 'user' };
export type AdminUser = typeof DEFAULT_ADMIN;

export function isSsh(repository: string): boolean {
  return /^(ssh:\/\/|git@)/.test(repository);
}

/** A whole number from the values, or its chart default. */
export function integer(where: string, values: HelmValues, path: string, fallback: number): number {
  const value = valueAt(values, path) ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new Error(`${where}: ${path} must be a positive whole number (got ${String(value)})`);
  return value;
}

/** Props with their defaults applied. */
export interface Resolved {
  readonly releaseName: string;
  readonly replicas: number;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly logsPrefix: string;
  readonly storeName: string;
  readonly sparkNamespace: string;
  readonly dags: Required<Pick<AirflowDags, 'branch' | 'subPath'>> & AirflowDags;
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function validate(where: string, props: AirflowProps, r: Resolved): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  // The longest derived release name, `<release>-prerequisites`, must stay within Helm's 53 characters.
  if (!/^[a-z0-9]([-a-z0-9]{0,37}[a-z0-9])?$/.test(r.releaseName))
    fail(`releaseName '${r.releaseName}' must be a lower-case DNS label of at most 39 characters`);
  for (const [prop, value] of [
    ['namespace', props.namespace],
    ['sparkNamespace', r.sparkNamespace],
    ['storeName', r.storeName],
  ] as const) {
    if (known(value) && !DNS_LABEL.test(value)) fail(`${prop} '${value}' must be a lower-case DNS label`);
  }
  if (!Token.isUnresolved(r.databasePort) && (!Number.isInteger(r.databasePort) || r.databasePort < 1 || r.databasePort > 65535))
    fail(`databasePort must be from 1 to 65535 (got ${r.databasePort})`);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(r.databaseName)) fail(`databaseName '${r.databaseName}' must be a lower-case SQL identifier`);
  if (known(props.databaseHost) && !/^[A-Za-z0-9.-]+$/.test(props.databaseHost))
    fail(`databaseHost '${props.databaseHost}' must be a host name`);
  checkSecretNames(where, { databaseSecretName: props.databaseSecretName, keysSecretName: props.keysSecretName });
  checkBucket(where, 'logsBucket', props.logsBucket);
  checkKeyPrefix(where, 'logsPrefix', r.logsPrefix, 'airflow');
  for (const key of Object.keys(props.variables ?? {}))
    if (!/^[a-z][a-z0-9_]*$/.test(key))
      fail(`variables key '${key}' must be a lower-case identifier (it becomes AIRFLOW_VAR_${key.toUpperCase()})`);
  checkRegion(where, props.region);
  checkRoleArn(where, props.roleArn);

  const { dags } = r;
  if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(dags.repository))
    fail(`dags.repository '${dags.repository}' must be an https://, ssh:// or git@ clone URL`);
  if (!/^[\w./-]+$/.test(dags.branch) || dags.branch.startsWith('-')) fail(`dags.branch '${dags.branch}' must be a git branch or tag name`);
  if (dags.subPath !== '' && (!/^[\w.-]+(\/[\w.-]+)*$/.test(dags.subPath) || dags.subPath.split('/').includes('..')))
    fail(`dags.subPath '${dags.subPath}' must be a relative folder of the repository, such as 'dags', or '' for its root`);
  if (dags.credentialsSecret !== undefined && !DNS_LABEL.test(dags.credentialsSecret))
    fail(`dags.credentialsSecret '${dags.credentialsSecret}' must name a Kubernetes Secret (a lower-case DNS label)`);
  if (dags.credentialsSecret !== undefined && dags.credentialsSecretsManager !== undefined)
    fail('dags.credentialsSecret and dags.credentialsSecretsManager exclude each other: give the credentials one way');
  if (dags.knownHosts !== undefined && !isSsh(dags.repository))
    fail(`dags.knownHosts is for ssh repositories; '${dags.repository}' is https, whose host is verified by its certificate`);
}

/** Values files and overrides must not reach into what the construct renders; returns the admin user. */
export function checkTunables(where: string, values: HelmValues): AdminUser {
  const env = (values.env as { name?: string }[] | undefined) ?? [];
  for (const owned of OWNED_ENV) {
    if (env.some((e) => e.name === owned)) throw new Error(`${where}: env must not set ${owned}; the construct defines it`);
  }
  const given = ((values.createUserJob as HelmValues | undefined)?.defaultUser ?? {}) as Record<string, unknown>;
  if (typeof given.password === 'string' && given.password !== '')
    throw new Error(`${where}: createUserJob.defaultUser.password must stay empty; the admin password comes from Secrets Manager`);
  const user = { ...DEFAULT_ADMIN };
  for (const field of Object.keys(DEFAULT_ADMIN) as (keyof AdminUser)[]) {
    const value = given[field] ?? DEFAULT_ADMIN[field];
    if (typeof value !== 'string' || !/^[\w.@+-]+$/.test(value))
      throw new Error(`${where}: createUserJob.defaultUser.${field} '${String(value)}' may hold letters, digits and . @ + - _ only`);
    user[field] = value;
  }
  return user;
}

/** Components whose containers must have requests and limits in the merged values. */
export const RESOURCED = [
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

/** What the values files and overrides must not undo. */
export function checkMerged(where: string, values: HelmValues): void {
  const at = (path: string) => valueAt(values, path);
  const env = ((at('env') as { name?: string }[] | undefined) ?? []).map((e) => e.name);
  for (const owned of OWNED_ENV) {
    if (!env.includes(owned)) throw new Error(`${where}: env must keep ${owned}; list the construct's variables too when overriding env`);
  }
  if (at('executor') !== 'KubernetesExecutor')
    throw new Error(`${where}: executor must stay KubernetesExecutor (got ${String(at('executor'))})`);
  if (at('apiServer.service.type') !== 'ClusterIP')
    throw new Error(
      `${where}: apiServer.service.type must stay ClusterIP (got ${String(at('apiServer.service.type'))}); there is no ingress yet`,
    );
  for (const path of ['ingress.enabled', 'ingress.apiServer.enabled', 'ingress.web.enabled']) {
    if (at(path)) throw new Error(`${where}: ${path} must stay false; there is no ingress yet`);
  }
  requireResources(where, values, RESOURCED, { source: 'values/airflow.yaml', cpuLimit: true });
}
