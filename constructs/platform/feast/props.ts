import type { Resources } from '../../kubernetes/objects';
import type { AvailabilityProps, AwsWorkloadProps, ComponentProps, SecretStoreProps } from '../component';

/** Props of {@link FeatureStore}. */
export interface FeatureStoreProps extends ComponentProps, AwsWorkloadProps, AvailabilityProps, SecretStoreProps {
  /** Feast project every feature repository applies to. @default 'mlops' */
  readonly project?: string;

  /** RDS PostgreSQL address (a token is fine). */
  readonly databaseHost: string;
  /** @default 5432 */
  readonly databasePort?: number;
  /** Database of the SQL registry. @default 'feast_registry' */
  readonly databaseName?: string;
  /** Secrets Manager secret (name or ARN) with `username` and `password` of the registry login. */
  readonly databaseSecretName: string;

  /** ElastiCache primary endpoint (TLS, AUTH); a token is fine. */
  readonly cacheHost: string;
  /** @default 6379 */
  readonly cachePort?: number;
  /** Secrets Manager secret (name or ARN) with the cache's `auth_token`. */
  readonly cacheAuthSecretName: string;

  /** Bucket of the offline data (a token is fine); feature repositories keep their sources under {@link datasetsPrefix}. */
  readonly datasetsBucket: string;
  /** Key prefix, without slashes at the ends; the IRSA role must allow exactly it. @default 'feast' */
  readonly datasetsPrefix?: string;
  /** Must be the service account the role trusts. @default 'feast' */
  readonly serviceAccountName?: string;

  /** Feature server image; materialization runs the same. @default 'quay.io/feastdev/feature-server:0.47.0' */
  readonly image?: string;
  /** @default 250m/512Mi requested, 1Gi limit */
  readonly resources?: Resources;
  /** Cron schedule (UTC) of `feast materialize-incremental`. @default '0 * * * *' (hourly) */
  readonly materializeSchedule?: string;
  /** @default 500m/1Gi requested, 4Gi limit (dask loads the new rows in memory) */
  readonly materializeResources?: Resources;
}
