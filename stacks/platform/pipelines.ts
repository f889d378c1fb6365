import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { FEAST_CONFIG_DIR } from '../../constructs/platform/feast/feature-store';
import { inferenceService, predictorEndpoint, predictorLabels, predictorUrl } from '../../constructs/platform/serving';
import { sparkApplication } from '../../constructs/platform/spark';
import type { Endpoint } from '../../constructs/kubernetes/endpoint';
import { Pushgateway, type Observability } from '../../constructs/platform/observability';
import type { PipelineConfig } from '../../src/config/pipeline-schema';
import { pipelineDatasetPrefix, TEAM_CONNECTION_SECRET, teamWorkload, WORKLOADS } from '../catalogue';
import { BUCKET_PREFIXES } from '../data-stack';
import type { PlatformContext } from './context';
import { generator, PIPELINE_HOME, predictionLogger, predictionLoggerEndpoint, predictionLoggerUrl } from './pipeline-workloads';

/** The Airflow Variable holding every pipeline's settings, as JSON: `AIRFLOW_VAR_PIPELINES`. */
export const PIPELINES_VARIABLE = 'pipelines';

/** The served model's container, the same for every pipeline: MLServer loading a small scikit-learn model. */
const MODEL_RESOURCES = { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '2Gi' } };

/**
 * What a pipeline's DAG (`dags/reference_pipeline.py`) reads at parse time: its schedule, team namespace,
 * data location, promotion and drift rules and model, and two ready-made objects, a SparkApplication with the platform's
 * defaults for the team (placement, security, identity, S3A, event log, metrics, the team's connection Secret
 * mounted) and the InferenceService that serves `champion`, whose `storageUri` the DAG sets at promotion.
 */
export function pipelineSettings({ environment, props, placement, namespace }: PlatformContext): Record<string, unknown> {
  const { aws, production } = environment;
  return Object.fromEntries(
    Object.entries(environment.platform.pipelines).map(([name, pipeline]) => {
      const team = teamWorkload(pipeline.team);
      const servingNamespace = namespace(WORKLOADS.modelServing.namespace);
      return [
        name,
        {
          team: pipeline.team,
          namespace: namespace(team.namespace),
          schedule: pipeline.schedule,
          topic: pipeline.topic,
          image: pipeline.image,
          // Where the image keeps `pipelines/`: the DAG's suite and feature repository paths.
          home: PIPELINE_HOME,
          data: `s3a://${props.buckets.datasets}/${pipelineDatasetPrefix(pipeline.team, name)}`,
          promotion: pipeline.promotion,
          drift: pipeline.drift,
          // The validation and drift steps push their results here; Prometheus alerts on them.
          pushgateway: Pushgateway.urlIn(namespace('monitoring')),
          model: {
            name,
            namespace: servingNamespace,
            url: `${predictorUrl(name, servingNamespace)}/v2/models/${name}/infer`,
            // MLflow's `mlflow-artifacts:/` as the serving role reads it.
            artifactsRoot: `s3://${props.buckets.artifacts}/${BUCKET_PREFIXES.mlflowArtifacts}/`,
          },
          // `feast apply` of the pipeline's feature repository runs as a Job from the materialization CronJob's template.
          featureStore: {
            namespace: namespace(WORKLOADS.featureStore.namespace),
            materializeCronJob: 'feast-materialize',
            config: `${FEAST_CONFIG_DIR}/feature_store.yaml`,
          },
          sparkApplication: sparkApplication(
            `${name}-step`,
            {
              image: pipeline.image,
              type: 'Python',
              mainApplicationFile: `local://${PIPELINE_HOME}/jobs/replace-me.py`,
              driver: { cores: 1, memory: '2g' },
              executor: { cores: 1, memory: '2g', instances: 2 },
              env: { PYTHONPATH: PIPELINE_HOME },
              connectionSecret: TEAM_CONNECTION_SECRET,
              s3aJarsInImage: true,
            },
            {
              namespace: namespace(team.namespace),
              serviceAccountName: team.serviceAccounts[0],
              placement: placement.compute,
              logsBucket: props.buckets.logs,
              region: aws.region,
            },
          ),
          inferenceService: inferenceService(
            name,
            {
              storageUri: `s3://${props.buckets.artifacts}/${BUCKET_PREFIXES.mlflowArtifacts}/replace-me`,
              modelFormat: 'mlflow',
              resources: MODEL_RESOURCES,
              minReplicas: pipeline.serving.minReplicas,
              maxReplicas: pipeline.serving.maxReplicas,
              // Every request and response, for the drift step.
              requestLog: { url: predictionLoggerUrl(name, namespace(team.namespace)), mode: 'all' },
            },
            {
              namespace: servingNamespace,
              serviceAccountName: WORKLOADS.modelServing.serviceAccounts[0],
              placement: placement.general,
              highlyAvailable: production,
            },
          ),
        },
      ];
    }),
  );
}

/**
 * Each pipeline's team namespace (plain name), the predictor Service of its model, which its smoke test calls,
 * and its prediction logger, which the model server posts its request log to.
 */
export function pipelineEndpoints({
  environment,
  namespace,
}: PlatformContext): { namespace: string; predictor: Endpoint; logger: Endpoint }[] {
  return Object.entries(environment.platform.pipelines).map(([name, { team }]) => ({
    namespace: teamWorkload(team).namespace,
    predictor: predictorEndpoint(name, namespace(WORKLOADS.modelServing.namespace)),
    logger: predictionLoggerEndpoint(name, namespace(teamWorkload(team).namespace)),
  }));
}

/**
 * What the platform installs for its pipelines beyond Airflow's settings: the Pushgateway their validation and
 * drift results go to, each configured event generator (a Deployment in the team namespace publishing as the team),
 * each pipeline's prediction logger (which keeps its model's request log in the team's datasets) and the
 * disruption budget of each highly available model. The InferenceServices themselves are the DAGs': the first
 * promotion creates them.
 */
export function addPipelines(
  context: PlatformContext,
  observability: Observability,
): { release?: ManifestsRelease; pushgateway: Pushgateway } | undefined {
  const { scope, environment, props, placement, namespace } = context;
  const pipelines = Object.entries(environment.platform.pipelines);
  if (pipelines.length === 0) return undefined;
  const where = (name: string, pipeline: PipelineConfig) => ({
    name,
    pipeline,
    namespace: namespace(teamWorkload(pipeline.team).namespace),
    placement: placement.general,
  });
  const pushgateway = new Pushgateway(scope, 'Pushgateway', {
    namespace: namespace('monitoring'),
    values: props.values('prometheus-pushgateway'),
    placement: placement.general,
    dependsOn: [observability.release.release],
  });
  const manifests = pipelines.flatMap(([name, pipeline]) => [
    ...(pipeline.generator ? [generator(where(name, pipeline))] : []),
    ...predictionLogger(where(name, pipeline)),
    ...(pipeline.serving.minReplicas >= 2
      ? [
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: `${name}-predictor`, namespace: namespace(WORKLOADS.modelServing.namespace) },
            spec: { maxUnavailable: 1, selector: { matchLabels: predictorLabels(name) } },
          },
        ]
      : []),
  ]);
  const release =
    manifests.length > 0
      ? new ManifestsRelease(scope, 'Pipelines', { releaseName: 'pipelines', namespace: namespace('platform-system'), manifests })
      : undefined;
  return { release, pushgateway };
}
