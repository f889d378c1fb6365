import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TEAM_CONNECTION_SECRET, teamAirflowConnections, teamDatasetPrefix, teamWorkload } from '../../stacks/catalogue';
import { loadEnvironments } from '../../src/config/load';
import { Pushgateway } from '../../constructs/platform/observability';
import { PREDICTOR_PORT } from '../../constructs/platform/serving';
import { dataSources, resources, type StackJson } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';

// Each team of each environment file, as the stacks wire it: expectations come from the config.

type Manifest = { kind: string; metadata: { name: string; namespace: string; annotations?: Record<string, string> }; spec?: unknown };

/** The manifests of the platform stack's release named `name`. */
function manifests(stack: StackJson, name: string): Manifest[] {
  const release = Object.values(resources(stack, 'helm_release')).find((r) => r.name === name)!;
  return (parse((release.values as string[])[0]) as { manifests: Manifest[] }).manifests;
}

const cases = loadEnvironments().flatMap((env) => Object.entries(env.platform.teams).map(([team, config]) => ({ env, team, config })));

describe.for(cases.map((c) => [`${c.env.name}/${c.team}`, c] as const))('team %s', ([, { env, team, config }]) => {
  const identity = synthesizedStack(`mlops-${env.name}-identity`);
  const platform = synthesizedStack(`mlops-${env.name}-platform`);
  const { namespace, serviceAccounts } = teamWorkload(team);
  const namespaceId = Object.entries(resources(platform, 'kubernetes_namespace_v1')).find(
    ([, n]) => (n.metadata as { name: string }).name === namespace,
  )?.[0];
  const inTeamNamespace = (m: Manifest) => m.metadata.namespace.includes(`kubernetes_namespace_v1.${namespaceId}.`);

  it('has a restricted namespace of its own', () => {
    expect(namespaceId).toBeDefined();
    const { labels } = resources(platform, 'kubernetes_namespace_v1')[namespaceId!].metadata as { labels: Record<string, string> };
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('has an IRSA role only its service account assumes, on its own datasets and the prefixes it reads', () => {
    const role = Object.entries(resources(identity, 'aws_iam_role')).find(([, r]) => r.name === `mlops-${env.name}-team-${team}`);
    expect(role).toBeDefined();
    const documents = JSON.stringify(dataSources(identity, 'aws_iam_policy_document'));
    expect(documents).toContain(`system:serviceaccount:${namespace}:${serviceAccounts[0]}`);
    const policies = Object.values(resources(identity, 'aws_iam_role_policy')).filter((p) => String(p.role).includes(role![0]));
    const statements = policies.flatMap(
      (p) =>
        dataSources(identity, 'aws_iam_policy_document')[/data\.aws_iam_policy_document\.([\w-]+)\./.exec(String(p.policy))![1]]
          .statement as { actions: string[]; resources: string[] }[],
    );
    const objectsWith = (action: string) => statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
    // Its own datasets, and the event logs of its Spark jobs where the history server reads them.
    expect(objectsWith('s3:PutObject')).toEqual([
      expect.stringMatching(new RegExp(`/${teamDatasetPrefix(team)}$`)),
      expect.stringMatching(new RegExp(`/${teamDatasetPrefix(team)}/\\*$`)),
      expect.stringMatching(/LogsBucket.*\/spark-events$/),
      expect.stringMatching(/LogsBucket.*\/spark-events\/\*$/),
    ]);
    for (const prefix of config.readPrefixes)
      expect(objectsWith('s3:GetObject')).toContainEqual(expect.stringMatching(new RegExp(`/${prefix}/\\*$`)));
  });

  it('runs under its service account, within its quota, with its container defaults', () => {
    const objects = manifests(platform, 'teams').filter(inTeamNamespace);
    const account = objects.find((m) => m.kind === 'ServiceAccount')!;
    expect(account.metadata.name).toBe(serviceAccounts[0]);
    expect(account.metadata.annotations!['eks.amazonaws.com/role-arn']).toMatch(/TeamIdentity-/);
    expect(objects.find((m) => m.kind === 'ResourceQuota')!.spec).toEqual({
      hard: {
        'requests.cpu': config.quota.cpu,
        'requests.memory': config.quota.memory,
        'limits.memory': config.quota.memory,
        pods: String(config.quota.pods),
      },
    });
    expect(objects.find((m) => m.kind === 'LimitRange')!.spec).toMatchObject({
      limits: [{ defaultRequest: config.containerDefaults, default: { memory: config.containerDefaults.memory } }],
    });
  });

  it('has a Kafka user with ACLs on exactly its topics, and its consumer groups', () => {
    const user = manifests(platform, 'kafka-cluster').find((m) => m.kind === 'KafkaUser' && m.metadata.name === team)!;
    const acls = (user.spec as { authorization: { acls: { resource: { type: string; name: string }; operations: string[] }[] } })
      .authorization.acls;
    const on = (topic: string) => acls.find((a) => a.resource.type === 'topic' && a.resource.name === topic)?.operations ?? [];
    for (const topic of Object.keys(env.platform.kafka.topics)) {
      expect(on(topic).includes('Read'), `${topic} read`).toBe(config.topics.read.includes(topic));
      expect(on(topic).includes('Write'), `${topic} write`).toBe(config.topics.write.includes(topic));
    }
    expect(acls).toContainEqual(expect.objectContaining({ resource: { type: 'group', name: team, patternType: 'prefix' } }));
  });

  it('has a schema-registry login of its own, from its own secret', () => {
    const auth = manifests(platform, 'schema-registry').find((m) => m.metadata.name === 'schema-registry-auth')!;
    const spec = auth.spec as {
      data: { secretKey: string; remoteRef: { key: string } }[];
      target: { template: { data: Record<string, string> } };
    };
    expect(spec.data.find((d) => d.secretKey === team)!.remoteRef.key).toMatch(/TeamSecret-/);
    expect(spec.target.template.data['users.properties']).toContain(`${team}: {{ index . "${team}" }},client`);
  });

  it('finds everything its jobs need in one Secret of its namespace', () => {
    const connection = manifests(platform, 'kafka-client-credentials').find(
      (m) => m.kind === 'ExternalSecret' && m.metadata.name === TEAM_CONNECTION_SECRET,
    )!;
    expect(inTeamNamespace(connection)).toBe(true);
    const keys = Object.keys((connection.spec as { target: { template: { data: Record<string, string> } } }).target.template.data);
    expect(keys.sort()).toEqual(
      [
        'username',
        'password',
        'sasl.jaas.config',
        'ca.crt',
        'bootstrap.servers',
        'schema.registry.url',
        'basic.auth.user.info',
        'mlflow.tracking.uri',
        'mlflow.tracking.username',
        'mlflow.tracking.password',
        'feature.server.url',
        'datasets.bucket',
        'datasets.prefix',
        'aws.region',
      ].sort(),
    );
  });

  it('signs in to MLflow as itself: a user the admin creates, its password read through its own store', () => {
    const users = manifests(platform, 'mlflow-users');
    const passwords = users.find((m) => m.kind === 'ExternalSecret')!.spec as { data: { secretKey: string; remoteRef: { key: string } }[] };
    expect(passwords.data.find((d) => d.secretKey === team)?.remoteRef.key).toMatch(/TeamSecret-/);
    expect(users.some((m) => m.kind === 'Job')).toBe(true);
    const store = manifests(platform, 'teams').find((m) => m.kind === 'SecretStore' && inTeamNamespace(m))!;
    expect(store.spec).toMatchObject({
      provider: { aws: { service: 'SecretsManager', auth: { jwt: { serviceAccountRef: { name: serviceAccounts[0] } } } } },
    });
    const connection = manifests(platform, 'kafka-client-credentials').find((m) => m.metadata.name === TEAM_CONNECTION_SECRET)!;
    const data = (connection.spec as { data: { sourceRef?: { storeRef: { name: string; kind: string } } }[] }).data;
    expect(data.filter((d) => d.sourceRef)).toEqual([
      expect.objectContaining({ sourceRef: { storeRef: { name: store.metadata.name, kind: 'SecretStore' } } }),
    ]);
  });

  it('reads no platform secret: its identity may read its own secret and nothing else in Secrets Manager', () => {
    const role = Object.entries(resources(identity, 'aws_iam_role')).find(([, r]) => r.name === `mlops-${env.name}-team-${team}`)![0];
    const statements = Object.values(resources(identity, 'aws_iam_role_policy'))
      .filter((p) => String(p.role).includes(role))
      .flatMap(
        (p) =>
          dataSources(identity, 'aws_iam_policy_document')[/data\.aws_iam_policy_document\.([\w-]+)\./.exec(String(p.policy))![1]]
            .statement as { actions: string[]; resources: string[] }[],
      );
    const readable = statements.filter((s) => s.actions.includes('secretsmanager:GetSecretValue')).flatMap((s) => s.resources);
    expect(readable).toEqual([expect.stringMatching(new RegExp(`aws_secretsmanager_secret\\.TeamSecret-${team}_`))]);
  });

  it('has its connections in Airflow by id, for its DAGs: Kafka, the schema registry and MLflow with its logins', () => {
    const id = team.toUpperCase().replace(/-/g, '_');
    const connections = manifests(platform, 'airflow-team-connections').find((m) => m.metadata.name === teamAirflowConnections(team))!;
    const template = (connections.spec as { target: { template: { data: Record<string, string> } } }).target.template.data;
    expect(Object.keys(template).sort()).toEqual([
      `AIRFLOW_CONN_${id}_KAFKA`,
      `AIRFLOW_CONN_${id}_MLFLOW`,
      `AIRFLOW_CONN_${id}_SCHEMA_REGISTRY`,
    ]);
    expect(template[`AIRFLOW_CONN_${id}_KAFKA`]).toContain(`"sasl.username": "${team}"`);
    const airflow = Object.values(resources(platform, 'helm_release')).find((r) => r.name === 'airflow')!;
    const envFrom = parse((parse((airflow.values as string[])[0]) as { extraEnvFrom: string }).extraEnvFrom) as {
      secretRef: { name: string };
    }[];
    expect(envFrom).toContainEqual({ secretRef: { name: teamAirflowConnections(team) } });
  });

  it('may reach Kafka, the schema registry, MLflow, the feature server and AWS, its pipelines their model and results, and nothing else', () => {
    const own = manifests(platform, 'network-policies').filter(inTeamNamespace);
    expect(own.map((p) => p.metadata.name)).toContain('default-deny');
    const egress = own.flatMap((p) =>
      ((p.spec as { egress?: { ports?: { port: number }[] }[] }).egress ?? []).flatMap((e) => (e.ports ?? []).map((port) => port.port)),
    );
    // A pipeline's smoke test calls its model's predictor; its validation pushes results to the Pushgateway.
    const pipelinePorts = Object.values(env.platform.pipelines).some((p) => p.team === team) ? [PREDICTOR_PORT, Pushgateway.PORT] : [];
    expect([...new Set(egress)].sort((a, b) => a - b)).toEqual([53, 443, 5000, 6566, 8081, 9093, ...pipelinePorts].sort((a, b) => a - b));
  });
});

describe('teams in the shipped environments', () => {
  it('are configured somewhere, so the wiring above is exercised', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
});
