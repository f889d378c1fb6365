import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TEAM_CONNECTION_SECRET, teamWorkload } from '../../stacks/catalogue';
import { loadEnvironments } from '../../src/config/load';
import { resources, type StackJson } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';

// Each pipeline of each environment file, as the platform stack wires it: expectations come from the config.

type Manifest = {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { template?: { spec: Record<string, unknown> } } & Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

function release(stack: StackJson, name: string): Record<string, unknown> | undefined {
  return Object.values(resources(stack, 'helm_release')).find((r) => r.name === name);
}
function manifests(stack: StackJson, name: string): Manifest[] {
  return (parse((release(stack, name)!.values as string[])[0]) as { manifests: Manifest[] }).manifests;
}
/** Terraform renders namespaces as references: `${kubernetes_namespace_v1.Namespace-team-a_…}` names `team-a`. */
const inNamespace = (m: Manifest, namespace: string) => m.metadata.namespace.includes(`Namespace-${namespace}_`);

const environments = loadEnvironments();
const cases = environments.flatMap((env) => Object.entries(env.platform.pipelines).map(([name, config]) => ({ env, name, config })));

describe.for(cases.map((c) => [`${c.env.name}/${c.name}`, c] as const))('pipeline %s', ([, { env, name, config }]) => {
  const platform = synthesizedStack(`mlops-${env.name}-platform`);
  const team = teamWorkload(config.team);
  // Airflow's values are large: parsed once, on first use.
  let parsed: Record<string, Record<string, unknown>> | undefined;
  const settings = () => {
    if (parsed) return parsed;
    const values = parse((release(platform, 'airflow')!.values as string[])[0]) as { env: { name: string; value: string }[] };
    parsed = JSON.parse(values.env.find((e) => e.name === 'AIRFLOW_VAR_PIPELINES')!.value) as Record<string, Record<string, unknown>>;
    return parsed;
  };

  it("reaches Airflow's DAG as settings: its schedule, image, team namespace, promotion and drift rules", () => {
    expect(settings()[name]).toMatchObject({
      team: config.team,
      schedule: config.schedule,
      topic: config.topic,
      image: config.image,
      promotion: config.promotion,
      drift: config.drift,
      model: { name },
    });
    expect(String(settings()[name].namespace)).toContain(`Namespace-${team.namespace}_`);
  });

  it("runs its Spark steps in the team's namespace, which the operator watches and Airflow may submit to", () => {
    const operator = parse((release(platform, 'spark-operator')!.values as string[])[0]) as { spark: { jobNamespaces: string[] } };
    expect(operator.spark.jobNamespaces.some((ns) => ns.includes(`Namespace-${team.namespace}_`))).toBe(true);
    const access = manifests(platform, 'airflow-task-access').find((m) => m.kind === 'Role' && inNamespace(m, team.namespace))!;
    expect(access.rules).toContainEqual(
      expect.objectContaining({ resources: ['sparkapplications'], verbs: expect.arrayContaining(['create']) }),
    );
    const driver = manifests(platform, 'spark-job-accounts').find((m) => m.kind === 'RoleBinding' && inNamespace(m, team.namespace))!;
    expect(driver).toMatchObject({ subjects: [{ kind: 'ServiceAccount', name: team.serviceAccounts[0] }] });
  });

  it('publishes synthetic events only where a generator is configured, as the team', () => {
    const generator = manifests(platform, 'pipelines').find((m) => m.kind === 'Deployment' && m.metadata.name === `${name}-generator`);
    if (!config.generator) return expect(generator).toBeUndefined();
    const pod = generator!.spec.template!.spec as {
      serviceAccountName: string;
      containers: { image: string; args: string[] }[];
      volumes: unknown[];
    };
    expect(pod.serviceAccountName).toBe(team.serviceAccounts[0]);
    expect(pod.containers[0].image).toBe(config.image);
    expect(pod.containers[0].args.join(' ')).toContain(`--topic ${config.topic} --events-per-second ${config.generator.eventsPerSecond}`);
    expect(pod.volumes).toContainEqual({ name: 'connection', secret: { secretName: TEAM_CONNECTION_SECRET } });
  });

  it("keeps its model's request log with a logger in the team's namespace, which the model's template points at", () => {
    const objects = manifests(platform, 'pipelines').filter((m) => m.metadata.name === `${name}-prediction-logger`);
    expect(objects.map((m) => m.kind).sort()).toEqual(['Deployment', 'Service']);
    for (const object of objects) expect(inNamespace(object, team.namespace)).toBe(true);
    const logger = (settings()[name].inferenceService as { spec: { predictor: { logger: { url: string; mode: string } } } }).spec.predictor
      .logger;
    expect(logger).toMatchObject({
      mode: 'all',
      url: expect.stringMatching(new RegExp(`^http://${name}-prediction-logger\\.\\S+Namespace-${team.namespace}_`)),
    });
  });

  it('pushes its results to a Pushgateway that Prometheus scrapes', () => {
    expect(release(platform, 'prometheus-pushgateway')).toBeDefined();
    expect(String(settings()[name].pushgateway)).toMatch(/^http:\/\/prometheus-pushgateway\.\S+:9091$/);
  });
});

describe('pipelines in the shipped environments', () => {
  it('are configured somewhere, so the wiring above is exercised', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it('install no Pushgateway where no pipeline runs', () => {
    for (const env of environments.filter((e) => Object.keys(e.platform.pipelines).length === 0))
      expect(release(synthesizedStack(`mlops-${env.name}-platform`), 'prometheus-pushgateway')).toBeUndefined();
  });
});
