import { Token } from 'cdktf';
import { requireResources, type HelmValues } from '../../helm/values';
import { checkBucket, checkKeyPrefix, checkLabel, checkRegion, checkReleaseName, checkRoleArn, checkSecretNames } from '../validation';
import type { MlflowProps } from './props';

// What MLflow's props and merged values must satisfy, beyond the shared checks.

export const CONTAINER_PORT = 5000;
/**
 * prometheus_client's multiprocess directory, one file per uvicorn worker. Under the chart's `/tmp`
 * emptyDir: the root filesystem is read-only, and the chart's own `serviceMonitor.enabled` would point
 * `--expose-prometheus` at `/mlflow/metrics` on it.
 */
export const METRICS_DIRECTORY = '/tmp/prometheus-metrics';

/** Props with their defaults applied. */
export type Resolved = Required<
  Pick<
    MlflowProps,
    'releaseName' | 'replicas' | 'databasePort' | 'databaseName' | 'authDatabaseName' | 'artifactsPrefix' | 'serviceAccountName'
  >
>;

export function validate(where: string, props: MlflowProps, resolved: Resolved): void {
  const p = { ...props, ...resolved };
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  if (Token.isUnresolved(p.databasePort)) fail('databasePort must be a literal number: the chart renders it as an integer');
  if (!Number.isInteger(p.databasePort) || p.databasePort < 1 || p.databasePort > 65535)
    fail(`databasePort must be from 1 to 65535 (got ${p.databasePort})`);
  for (const [prop, value] of [
    ['databaseName', p.databaseName],
    ['authDatabaseName', p.authDatabaseName],
  ] as const) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(value)) fail(`${prop} '${value}' must be a lower-case SQL identifier`);
  }
  if (p.databaseName === p.authDatabaseName) {
    fail(`authDatabaseName must differ from databaseName (both '${p.databaseName}'): each keeps its schema revision in alembic_version`);
  }
  if (known(p.databaseHost) && !/^[A-Za-z0-9.-]+$/.test(p.databaseHost)) fail(`databaseHost '${p.databaseHost}' must be a host name`);
  checkReleaseName(where, p.releaseName);
  checkLabel(where, 'serviceAccountName', p.serviceAccountName);
  checkLabel(where, 'namespace', p.namespace);
  checkSecretNames(where, { databaseSecretName: p.databaseSecretName, authSecretName: p.authSecretName });
  checkBucket(where, 'artifactsBucket', p.artifactsBucket);
  checkKeyPrefix(where, 'artifactsPrefix', p.artifactsPrefix, 'mlflow');
  checkRoleArn(where, p.roleArn);
  checkRegion(where, p.region);
}

/** What the values files and overrides must not undo; returns the Service port. */
export function checkMerged(where: string, values: HelmValues): number {
  const service = values.service as { type?: string; port?: number } | undefined;
  if (service?.type !== 'ClusterIP')
    throw new Error(`${where}: service.type must stay ClusterIP (got ${service?.type}); there is no ingress yet`);
  if ((values.ingress as { enabled?: boolean } | undefined)?.enabled)
    throw new Error(`${where}: ingress.enabled must stay false; there is no ingress yet`);
  requireResources(where, values, [''], { source: 'values/mlflow.yaml' });
  if ((values.extraArgs as { exposePrometheus?: string } | undefined)?.exposePrometheus !== METRICS_DIRECTORY)
    throw new Error(`${where}: extraArgs.exposePrometheus must stay '${METRICS_DIRECTORY}': Prometheus scrapes /metrics`);
  return service.port ?? CONTAINER_PORT;
}
