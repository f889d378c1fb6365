import {
  SparkApplications,
  SparkApplicationTemplate,
  SparkHistoryServer,
  SparkOperator,
  type SparkApplicationSpec,
} from '../../constructs/platform/spark';
import type { EnvironmentConfig } from '../../src/config/schema';
import { teamWorkload, WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';
import { poolPlacementOf } from './placements';

/** The Spark operator, its history server and the environment's SparkApplications (on the `compute` pool). */
export function addSpark({ scope, environment, props, placement, namespace }: PlatformContext) {
  const { aws, production } = environment;
  const { spark } = environment.platform;
  const operator = new SparkOperator(scope, 'SparkOperator', {
    namespace: namespace('spark-operator'),
    values: props.values('spark-operator'),
    jobNamespace: namespace(WORKLOADS.sparkJobs.namespace),
    serviceAccountName: WORKLOADS.sparkJobs.serviceAccounts[0],
    jobRoleArn: props.roles.sparkJobs,
    // Teams run their jobs in their own namespaces, as their own identity.
    teamNamespaces: Object.fromEntries(
      Object.keys(environment.platform.teams).map((team) => {
        const { namespace: teamNamespace, serviceAccounts } = teamWorkload(team);
        return [namespace(teamNamespace), serviceAccounts[0]];
      }),
    ),
    placement: placement.general,
    highlyAvailable: production,
  });
  const defaults = {
    namespace: operator.jobNamespace,
    serviceAccountName: operator.serviceAccountName,
    placement: placement.compute,
    logsBucket: props.buckets.logs,
    region: aws.region,
  };
  return {
    operator,
    // Airflow's tasks submit SparkApplications from the platform's template.
    template: new SparkApplicationTemplate(scope, 'SparkApplicationTemplate', {
      defaults,
      namespace: namespace(WORKLOADS.airflow.namespace),
    }),
    historyServer: new SparkHistoryServer(scope, 'SparkHistory', {
      namespace: namespace(WORKLOADS.sparkHistory.namespace),
      serviceAccountName: WORKLOADS.sparkHistory.serviceAccounts[0],
      roleArn: props.roles.sparkHistory,
      logsBucket: props.buckets.logs,
      region: aws.region,
      retentionDays: spark.historyRetentionDays,
      placement: placement.general,
      highlyAvailable: production,
    }),
    applications:
      Object.keys(spark.applications).length > 0
        ? new SparkApplications(scope, 'SparkApplications', {
            operator,
            applications: withExecutorPools(environment),
            placement: placement.compute,
            logsBucket: props.buckets.logs,
            region: aws.region,
          })
        : undefined,
  };
}

/** The configured applications, with each executor `nodePool` turned into that pool's placement. */
function withExecutorPools(environment: EnvironmentConfig): Record<string, SparkApplicationSpec> {
  return Object.fromEntries(
    Object.entries(environment.platform.spark.applications).map(([name, application]) => {
      const { nodePool, ...executor } = application.executor;
      const placement = nodePool ? { placement: poolPlacementOf(environment, nodePool) } : {};
      return [name, { ...application, executor: { ...executor, ...placement } }];
    }),
  );
}
