import { z } from 'zod';

/**
 * `platform.pipelines`: the reference pipeline (and its copies), one Airflow DAG each, run in its team's
 * namespace on the team's logins: land a topic, validate, compute features, train, promote, serve, smoke-test.
 */

const cron = z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron schedule');

/** What the platform needs to know of one pipeline; the steps themselves live in `pipelines/` and `dags/`. */
export const pipelineSchema = z.strictObject({
  /** The team that owns it (`platform.teams.<name>`): its namespace runs the jobs, its logins and datasets hold the data. */
  team: z.string().min(1),
  /** Topic of `platform.kafka.topics` the events arrive on, with an Avro schema; the team must read it. */
  topic: z.string().min(1),
  /** When Airflow runs it, as cron in UTC. @default hourly */
  schedule: cron.default('0 * * * *'),
  /**
   * The pipeline image (`pipelines/Dockerfile`): Spark with the Kafka and Avro jars, the steps' code and
   * their Python libraries. By digest or immutable tag.
   */
  image: z
    .string()
    .regex(/^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[a-f0-9]{64})$/, 'must be an image reference with a tag or a digest'),
  /**
   * Synthetic events published continuously to `topic` by a Deployment in the team namespace (dev and staging;
   * off in production unless set). The team must write the topic. @default off
   */
  generator: z.strictObject({ eventsPerSecond: z.number().min(0.1).max(1000) }).optional(),
  /** How a new model version becomes `champion`: better on the holdout than the champion by `margin` (the first always does). */
  promotion: z
    .strictObject({
      metric: z.enum(['average_precision', 'roc_auc']).default('average_precision'),
      margin: z.number().min(0).max(1).default(0.005),
    })
    .default({ metric: 'average_precision', margin: 0.005 }),
  /**
   * The daily comparison of served requests (logged by the model server) with the serving version's training
   * data: a feature whose Population Stability Index exceeds `psiThreshold` counts as drifted, and alerts.
   */
  drift: z.strictObject({ psiThreshold: z.number().min(0.01).max(10).default(0.2) }).default({ psiThreshold: 0.2 }),
  /** Replicas of the InferenceService that serves `champion`; production serves from at least 2. */
  serving: z
    .strictObject({ minReplicas: z.int().min(1).max(50).default(1), maxReplicas: z.int().min(1).max(50).default(2) })
    .default({ minReplicas: 1, maxReplicas: 2 }),
});

/** Pipelines by name: also the registered model's and the InferenceService's name (a DNS-1035 label). */
export const pipelinesSchema = z
  .record(z.string().regex(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/, 'must be a DNS-1035 label of at most 32 characters'), pipelineSchema)
  .default({});

export type PipelineConfig = z.infer<typeof pipelineSchema>;

interface PipelineContext {
  /** The environment's account and region, whose ECR its nodes pull from. */
  readonly aws: { readonly accountId: string; readonly region: string };
  readonly teams: Readonly<Record<string, { topics: { read: string[]; write: string[] } }>>;
  readonly topics: Readonly<Record<string, { schema?: unknown }>>;
  readonly servedModels: readonly string[];
}

/** Cross-field rules: the team, its rights on the topic, the topic's schema, names free in the serving namespace. */
export function checkPipelines(
  pipelines: Readonly<Record<string, PipelineConfig>>,
  context: PipelineContext,
  production: boolean,
  fail: (path: (string | number)[], message: string) => void,
): void {
  const teams = Object.keys(context.teams);
  for (const [name, pipeline] of Object.entries(pipelines)) {
    const path = ['platform', 'pipelines', name];
    const team = context.teams[pipeline.team];
    if (!team) {
      fail([...path, 'team'], `'${pipeline.team}' is not a team of platform.teams (${teams.join(', ') || 'none'})`);
      continue;
    }
    const topic = context.topics[pipeline.topic];
    if (!topic) fail([...path, 'topic'], `'${pipeline.topic}' is not a topic of platform.kafka.topics`);
    else if (!topic.schema)
      fail([...path, 'topic'], `'${pipeline.topic}' has no Avro schema (platform.kafka.topics.${pipeline.topic}.schema)`);
    if (!team.topics.read.includes(pipeline.topic))
      fail(
        [...path, 'topic'],
        `team '${pipeline.team}' does not read '${pipeline.topic}': add it to platform.teams.${pipeline.team}.topics.read`,
      );
    if (pipeline.generator && !team.topics.write.includes(pipeline.topic))
      fail(
        [...path, 'generator'],
        `publishes to '${pipeline.topic}' as team '${pipeline.team}', which does not write it: add it to platform.teams.${pipeline.team}.topics.write`,
      );
    if (context.servedModels.includes(name))
      fail(path, `'${name}' is a model of platform.serving.models already: the pipeline serves its own InferenceService of that name`);
    const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\//.exec(pipeline.image);
    if (ecr && (ecr[1] !== context.aws.accountId || ecr[2] !== context.aws.region))
      fail(
        [...path, 'image'],
        `is in the ECR of account ${ecr[1]} in ${ecr[2]}; the environment's nodes pull from their own (${context.aws.accountId} in ${context.aws.region})`,
      );
    if (pipeline.serving.maxReplicas < pipeline.serving.minReplicas)
      fail([...path, 'serving', 'maxReplicas'], `must be ≥ minReplicas (${pipeline.serving.minReplicas})`);
    if (production && pipeline.serving.minReplicas < 2)
      fail(
        [...path, 'serving', 'minReplicas'],
        `production serves every model from at least 2 replicas (got ${pipeline.serving.minReplicas})`,
      );
  }
}
