import { mergeValues, type HelmValues } from '../../helm/values';

/** The official image runs Airflow as uid 50000 in group 0, which owns AIRFLOW_HOME. */
const AIRFLOW_UID = 50000;
/** `nobody`, as the chart runs statsd-exporter and PgBouncer. */
const NOBODY = 65534;
/** git-sync's own user, as the chart runs it. */
const GIT_SYNC_UID = 65533;

const runtimeDefault = { seccompProfile: { type: 'RuntimeDefault' } };

/** Pod-level context for pods of the Airflow image. */
const airflowPod = { runAsUser: AIRFLOW_UID, runAsGroup: 0, fsGroup: 0, runAsNonRoot: true, ...runtimeDefault };
const nobodyPod = { runAsUser: NOBODY, runAsGroup: NOBODY, runAsNonRoot: true, ...runtimeDefault };

/**
 * Pod Security `restricted` for every container. Airflow writes below AIRFLOW_HOME and /tmp and git-sync
 * edits /etc/passwd (`GIT_SYNC_ADD_USER`), so only the exporters and PgBouncer get a read-only root.
 */
const container = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...runtimeDefault };
const readOnlyContainer = { ...container, readOnlyRootFilesystem: true };

/** Components running the Airflow image, with the sidecars the chart gives each. */
const AIRFLOW_COMPONENTS: Record<string, { logGroomer: boolean; waitForMigrations: boolean }> = {
  scheduler: { logGroomer: true, waitForMigrations: true },
  apiServer: { logGroomer: false, waitForMigrations: true },
  triggerer: { logGroomer: true, waitForMigrations: true },
  dagProcessor: { logGroomer: true, waitForMigrations: true },
  migrateDatabaseJob: { logGroomer: false, waitForMigrations: false },
  createUserJob: { logGroomer: false, waitForMigrations: false },
};

/**
 * Security contexts for every pod and container the release runs, set on each component rather than only
 * in the chart's global defaults, so no template's fallback order can leave a container without them.
 */
export function podSecurityValues(): HelmValues {
  const sidecar = { securityContexts: { container } };
  const components = Object.entries(AIRFLOW_COMPONENTS).map(([name, has]) => ({
    [name]: {
      securityContexts: { pod: airflowPod, container },
      ...(has.logGroomer ? { logGroomerSidecar: sidecar } : {}),
      ...(has.waitForMigrations ? { waitForMigrations: sidecar } : {}),
    },
  }));
  return mergeValues(
    { securityContexts: { pod: airflowPod, containers: container } },
    ...components,
    // Pods of the KubernetesExecutor (the pod template file).
    { workers: { kubernetes: { securityContexts: { pod: airflowPod, container } } } },
    { dags: { gitSync: { securityContexts: { container: { ...container, runAsUser: GIT_SYNC_UID } } } } },
    { statsd: { securityContexts: { pod: nobodyPod, container: readOnlyContainer } } },
    {
      pgbouncer: {
        securityContexts: { pod: nobodyPod, container: readOnlyContainer },
        metricsExporterSidecar: { securityContexts: { container: readOnlyContainer } },
      },
    },
  );
}
