import { Token } from 'cdktf';
import type { Resources } from '../../kubernetes/objects';
import { checkBucket, checkKeyPrefix, checkRegion, checkRoleArn, checkSecretNames } from '../validation';
import type { FeatureStoreProps } from './props';

// What the feature store's props must satisfy, beyond the shared checks.

export interface Resolved {
  readonly project: string;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly cachePort: number;
  readonly datasetsPrefix: string;
  readonly serviceAccountName: string;
  readonly replicas: number;
  readonly schedule: string;
  readonly resources: Resources;
  readonly materializeResources: Resources;
}

export function validate(where: string, props: FeatureStoreProps, r: Resolved): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(r.project)) fail(`project '${r.project}' must be lower-case letters, digits and underscores`);
  for (const [prop, port] of [
    ['databasePort', r.databasePort],
    ['cachePort', r.cachePort],
  ] as const) {
    if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535))
      fail(`${prop} must be from 1 to 65535 (got ${port})`);
  }
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(r.databaseName)) fail(`databaseName '${r.databaseName}' must be a lower-case SQL identifier`);
  for (const [prop, host] of [
    ['databaseHost', props.databaseHost],
    ['cacheHost', props.cacheHost],
  ] as const) {
    if (known(host) && !/^[A-Za-z0-9.-]+$/.test(host)) fail(`${prop} '${host}' must be a host name, without scheme or port`);
  }
  for (const [prop, value] of [
    ['serviceAccountName', r.serviceAccountName],
    ['namespace', props.namespace],
  ] as const) {
    if (known(value) && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) fail(`${prop} '${value}' must be a lower-case DNS label`);
  }
  checkSecretNames(where, { databaseSecretName: props.databaseSecretName, cacheAuthSecretName: props.cacheAuthSecretName });
  checkBucket(where, 'datasetsBucket', props.datasetsBucket);
  checkKeyPrefix(where, 'datasetsPrefix', r.datasetsPrefix, 'feast');
  checkRoleArn(where, props.roleArn);
  checkRegion(where, props.region);
  if (r.schedule.trim().split(/\s+/).length !== 5 && !/^@(hourly|daily|weekly|monthly|yearly)$/.test(r.schedule)) {
    fail(`materializeSchedule '${r.schedule}' must be a five-field cron expression such as '0 * * * *'`);
  }
  for (const [prop, res] of [
    ['resources', r.resources],
    ['materializeResources', r.materializeResources],
  ] as const) {
    if (!res.requests.cpu || !res.requests.memory || !res.limits.memory)
      fail(`${prop} must set requests.cpu, requests.memory and limits.memory`);
  }
}
