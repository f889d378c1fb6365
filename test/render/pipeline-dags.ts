import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** One task of a DAG as `dags/tests/dag_structure.py` describes it. */
export interface DescribedTask {
  readonly kind: 'spark' | 'python';
  readonly upstream: string[];
  readonly retries?: number;
  readonly executionTimeoutSeconds?: number;
  /** Spark tasks: the namespace and the SparkApplication they submit. */
  readonly namespace?: string;
  readonly application?: { metadata: { name: string; namespace: string }; spec: Record<string, unknown> } & Record<string, unknown>;
}

export interface DescribedDag {
  readonly dagId: string;
  readonly schedule: string;
  readonly catchup: boolean;
  readonly maxActiveRuns: number;
  readonly tasks: Record<string, DescribedTask>;
}

/** The DAGs `dags/reference_pipeline.py` defines with these platform settings (`AIRFLOW_VAR_PIPELINES`), run without Airflow. */
export function describeReferenceDags(python: string, settings: unknown): DescribedDag[] {
  const run = spawnSync(python, [resolve('dags/tests/dag_structure.py'), resolve('dags/reference_pipeline.py')], {
    input: JSON.stringify(settings),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.status !== 0) throw new Error(`the DAG file failed to run: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout) as DescribedDag[];
}

/** The Airflow Variable `pipelines` as the rendered Airflow pods receive it, from any container's environment. */
export function pipelineSettingsOf(objects: { kind: string; spec?: unknown }[]): Record<string, Record<string, unknown>> | undefined {
  for (const object of objects) {
    const match = /"name":"AIRFLOW_VAR_PIPELINES","value":("(?:[^"\\]|\\.)*")/.exec(JSON.stringify(object));
    if (match) return JSON.parse(JSON.parse(match[1]) as string) as Record<string, Record<string, unknown>>;
  }
  return undefined;
}
