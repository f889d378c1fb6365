import type { AvailabilityProps, AwsWorkloadProps, ChartComponentProps, SecretStoreProps } from '../component';

/** Where the DAGs come from (git-sync). */
export interface AirflowDags {
  /** `https://…`, `ssh://…` or `git@…` clone URL. */
  readonly repository: string;
  /** Branch (or tag) git-sync follows. @default 'main' */
  readonly branch?: string;
  /** Folder of the repository holding the DAGs, relative, `''` for the root. @default 'dags' */
  readonly subPath?: string;
  /**
   * Kubernetes Secret in the Airflow namespace with the git credentials. For https repositories it holds
   * `GIT_SYNC_USERNAME`, `GIT_SYNC_PASSWORD`, `GITSYNC_USERNAME` and `GITSYNC_PASSWORD` (the chart reads the
   * names of git-sync v3 and v4); for ssh repositories, the private key as `gitSshKey`.
   * @default none: a public repository
   */
  readonly credentialsSecret?: string;
  /**
   * Secrets Manager secret (name or ARN) with the git credentials of a private repository: `username` and
   * `password` (a token) for https, `ssh_key` for ssh. External Secrets turns it into the Secret git-sync reads;
   * the External Secrets role must be allowed to read it. Excludes {@link credentialsSecret}. @default none
   */
  readonly credentialsSecretsManager?: string;
  /** known_hosts lines of an ssh repository's host. @default none: git-sync does not verify the host key */
  readonly knownHosts?: string;
}

/** The service accounts of the components that use AWS (S3 logs); the IRSA role must trust all of them. */
export interface AirflowServiceAccounts {
  /** KubernetesExecutor task pods. */
  readonly worker: string;
  readonly scheduler: string;
  /** Reads task logs back from S3 for the UI. */
  readonly apiServer: string;
  readonly triggerer: string;
  readonly dagProcessor: string;
}

/** Props of {@link Airflow}. */
export interface AirflowProps extends ChartComponentProps, AwsWorkloadProps, AvailabilityProps, SecretStoreProps {
  /** Also the prefix of every object and service account name. @default 'airflow' */
  readonly releaseName?: string;

  /** RDS PostgreSQL address (a token is fine). */
  readonly databaseHost: string;
  /** @default 5432 */
  readonly databasePort?: number;
  /** @default 'airflow' */
  readonly databaseName?: string;
  /** Secrets Manager secret (name or ARN) with `username` and `password` of the Airflow login. */
  readonly databaseSecretName: string;
  /**
   * Secrets Manager secret (name or ARN) with `fernet_key`, `api_secret_key`, `jwt_secret`,
   * `webserver_secret_key` and `admin_password` (the FAB admin user's).
   */
  readonly keysSecretName: string;

  /** Bucket of the task logs (a token is fine). */
  readonly logsBucket: string;
  /** Key prefix of the logs, without slashes at the ends; the IRSA role must allow exactly it. @default 'airflow' */
  readonly logsPrefix?: string;

  readonly dags: AirflowDags;
  /** Namespace whose SparkApplications Airflow tasks may manage. @default 'spark-jobs' */
  readonly sparkNamespace?: string;
  /**
   * Secrets of the Airflow namespace whose keys are connections (`AIRFLOW_CONN_<ID>`): every Airflow process
   * and task gets them as environment, so DAGs use them by id with no setup. They must exist before tasks
   * start (pods wait for them). @default none
   */
  readonly connectionSecrets?: readonly string[];
  /**
   * Namespaces where tasks act beyond {@link sparkNamespace}, each with what they may do there: `models` (serve
   * InferenceServices and roll them to a new version), `jobs` (run and follow Kubernetes Jobs, such as Feast's),
   * `spark` (submit SparkApplications, in a team's namespace). @default none
   */
  readonly taskAccess?: Readonly<Record<string, 'models' | 'jobs' | 'spark'>>;
  /**
   * Airflow Variables by key, as environment of every Airflow container (`AIRFLOW_VAR_<KEY>`): read without a
   * database lookup, at DAG parse time too, which is how DAGs get the platform's settings. No secrets. @default none
   */
  readonly variables?: Readonly<Record<string, string>>;
}
