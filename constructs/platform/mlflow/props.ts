import type { AvailabilityProps, AwsWorkloadProps, ChartComponentProps, SecretStoreProps } from '../component';

/** Props of {@link Mlflow}. */
export interface MlflowProps extends ChartComponentProps, AwsWorkloadProps, AvailabilityProps, SecretStoreProps {
  /** @default 'mlflow' */
  readonly releaseName?: string;

  /** RDS PostgreSQL address (a token is fine). */
  readonly databaseHost: string;
  /** A literal: the chart types it as an integer. @default 5432 */
  readonly databasePort?: number;
  /** Tracking and model-registry database. @default 'mlflow' */
  readonly databaseName?: string;
  /**
   * Database of the basic-auth users and permissions. Must differ from {@link databaseName}: both keep their
   * Alembic revision in a table named `alembic_version`. Same login as the tracking database.
   * @default 'mlflow_auth'
   */
  readonly authDatabaseName?: string;
  /** Secrets Manager secret (name or ARN) with `username` and `password` of the MLflow login. */
  readonly databaseSecretName: string;
  /** Secrets Manager secret (name or ARN) with `admin_username`, `admin_password` and `flask_secret_key`. */
  readonly authSecretName: string;

  /** Bucket of the artifacts (a token is fine). */
  readonly artifactsBucket: string;
  /** Key prefix in the bucket, without slashes at the ends; the IRSA role must allow exactly it. @default 'mlflow' */
  readonly artifactsPrefix?: string;
  /** Must be the service account the role trusts. @default 'mlflow' */
  readonly serviceAccountName?: string;

  /**
   * Host names clients use beyond the Service's own (the load balancer's host): MLflow 3 answers 403 to any
   * other Host header. @default none
   */
  readonly externalHosts?: string[];
  /**
   * What a user may do with experiments and models no one granted them: `NO_PERMISSIONS` keeps each team's
   * work to itself (production's setting). @default the values file's, `READ`
   */
  readonly defaultPermission?: 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';
}
