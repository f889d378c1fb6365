import { describe, expect, it } from 'vitest';
import { dataSources, resources, type StackJson } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';
import { pipelineDatasetPrefix, WORKLOADS } from '../../stacks/catalogue';
import { loadEnvironments } from '../../src/config/load';
import { receiverSecretNames } from '../../constructs/platform/observability/alerting';

/** The environment files, read once for the whole file. */
const environments = loadEnvironments();

/** A prefix as the bucket names its grant: `teams/a-b` → `TeamsAB`. */
const pascal = (prefix: string) =>
  prefix
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

type Statement = { actions: string[]; resources: string[]; condition?: { test: string; variable: string; values: string[] }[] };

/** The statements of every inline policy of the role whose logical id starts with `prefix`, keyed by policy name. */
function grantsOf(stack: StackJson, prefix: string): Record<string, Statement[]> {
  const documents = dataSources(stack, 'aws_iam_policy_document');
  return Object.fromEntries(
    Object.values(resources(stack, 'aws_iam_role_policy'))
      .filter((p) => String(p.role).includes(`aws_iam_role.${prefix}`))
      .map((p) => [
        p.name as string,
        documents[/data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(String(p.policy))![1]].statement as Statement[],
      ]),
  );
}

describe.each(environments.map((e) => e.name))('%s identity stack', (env) => {
  const stack = synthesizedStack(`mlops-${env}-identity`);
  const environment = environments.find((e) => e.name === env)!;

  it.each(Object.entries(WORKLOADS))('%s can be assumed only by its own service accounts', (_, workload) => {
    const trust = Object.entries(dataSources(stack, 'aws_iam_policy_document')).filter(([id]) => id.includes('Trust'));
    const subjects = workload.serviceAccounts.map((sa) => `system:serviceaccount:${workload.namespace}:${sa}`);
    const match = trust.find(([, doc]) => JSON.stringify(doc.statement).includes(JSON.stringify(subjects)));
    expect(match, `no trust policy for exactly ${subjects.join(', ')}`).toBeDefined();
  });

  it('gives each workload only its buckets and prefixes', () => {
    const objects = (grants: Record<string, Statement[]>) =>
      Object.fromEntries(
        Object.entries(grants).map(([name, statements]) => [name, statements.find((s) => s.actions.includes('s3:GetObject'))?.resources]),
      );
    const under = (bucket: string, prefix: string) => [
      expect.stringMatching(new RegExp(`${bucket}.*\\}/${prefix}$`)),
      expect.stringMatching(new RegExp(`${bucket}.*\\}/${prefix}/\\*$`)),
    ];
    expect(objects(grantsOf(stack, 'AirflowIdentity'))).toEqual({ LogsBucketReadWriteAirflow: under('LogsBucket', 'airflow') });
    expect(objects(grantsOf(stack, 'MlflowIdentity'))).toEqual({ ArtifactsBucketReadWriteMlflow: under('ArtifactsBucket', 'mlflow') });
    expect(objects(grantsOf(stack, 'SparkJobsIdentity'))).toEqual({
      DatasetsBucketReadWrite: [expect.stringMatching(/DatasetsBucket.*\}\/\*$/)],
      LogsBucketReadWriteSparkEvents: under('LogsBucket', 'spark-events'),
    });
    // Besides its own prefix, the feature store reads each pipeline's features, to materialize them.
    expect(objects(grantsOf(stack, 'FeatureStoreIdentity'))).toEqual({
      DatasetsBucketReadWriteFeast: under('DatasetsBucket', 'feast'),
      ...Object.fromEntries(
        Object.entries(environment.platform.pipelines).map(([name, { team }]) => {
          const features = `${pipelineDatasetPrefix(team, name)}/features`;
          return [`DatasetsBucketRead${pascal(features)}`, under('DatasetsBucket', features)];
        }),
      ),
    });
    // The history server's cleaner deletes expired event logs, so it writes there too; nowhere else.
    expect(objects(grantsOf(stack, 'SparkHistoryIdentity'))).toEqual({
      LogsBucketReadWriteSparkEvents: under('LogsBucket', 'spark-events'),
    });
  });

  it('lets Fluent Bit write the streams of the container log group and nothing else', () => {
    const statements = Object.values(grantsOf(stack, 'ContainerLogsIdentity')).flat();
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(statements.flatMap((s) => s.resources)).toEqual([
      expect.stringMatching(/ContainerLogs\S*arn\}$/),
      expect.stringMatching(/ContainerLogs\S*arn\}:\*$/),
    ]);
  });

  it("lets External Secrets read the platform secrets, the alert receivers' and nothing else", () => {
    const grants = grantsOf(stack, 'ExternalSecretsIdentity');
    const readable = Object.values(grants)
      .flat()
      .filter((s) => s.actions.includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => s.resources);
    // The secrets the operator keeps: each alert receiver's, by name in the environment's account and region.
    const { alerting } = environment.platform.observability;
    const operated = alerting ? receiverSecretNames(alerting) : [];
    const byName = readable.filter((r) => r.startsWith('arn:'));
    expect(byName).toEqual(
      operated.map((name) =>
        expect.stringMatching(new RegExp(`^arn:\\S+:secretsmanager:\\S+:secret:${name.replaceAll('/', '\\/')}-\\?{6}$`)),
      ),
    );
    // Each generated secret, the database's master secret and the cache's AUTH secret.
    const generated = Object.keys(resources(stack, 'aws_secretsmanager_secret'));
    expect(readable).toHaveLength(generated.length + 2 + operated.length);
    for (const id of generated) expect(readable).toContainEqual(expect.stringContaining(`aws_secretsmanager_secret.${id}.`));
    expect(readable.filter((r) => !byName.includes(r)).every((r) => r.startsWith('${'))).toBe(true);
    expect(
      Object.values(grants)
        .flat()
        .some((s) => s.resources.includes('*')),
    ).toBe(false);
  });

  it('generates every secret value at apply time, write-only', () => {
    const versions = Object.values(resources(stack, 'aws_secretsmanager_secret_version'));
    expect(versions).toHaveLength(Object.keys(resources(stack, 'aws_secretsmanager_secret')).length);
    for (const version of versions) {
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo).toMatch(/ephemeral\.aws_secretsmanager_random_password\./);
    }
    expect(
      Object.values(resources(stack, 'aws_secretsmanager_secret'))
        .map((s) => s.name)
        .sort(),
    ).toEqual(
      [
        'airflow/database',
        'airflow/keys',
        'feast/database',
        'grafana/admin',
        'mlflow/auth',
        'mlflow/database',
        'schema-registry/logins',
        // One per team of the environment file.
        ...Object.keys(environment.platform.teams).map((team) => `teams/${team}`),
        ...Object.keys(environment.platform.kafka.producers).map((producer) => `producers/${producer}`),
      ]
        .map((name) => `mlops-${env}/${name}`)
        .sort(),
    );
  });
});
