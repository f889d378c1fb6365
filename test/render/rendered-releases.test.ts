import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRD_API_VERSIONS } from '../../scripts/render/api-versions';
import { locateHelm } from '../../scripts/render/helm';
import {
  danglingReferences,
  duplicateObjects,
  unreachableFlows,
  unservedExternalSecrets,
  type PlacedObject,
} from '../../scripts/render/references';
import { imageReferences, unmirroredImages, upstreamImage } from '../../scripts/render/images';
import { readReleases } from '../../scripts/render/releases';
import { renderReleases, type RenderedObject, type RenderedRelease } from '../../scripts/render/render';
import { SPARK_TEMPLATE } from '../../constructs/platform/spark/application-template';
import { gvk, Schemas } from '../../scripts/render/schemas';
import {
  availabilityViolations,
  containerViolations,
  limitRangeDefaults,
  workloads,
  type PodSecurityLevel,
  type Violation,
} from '../../scripts/render/workload-policy';
import { loadEnvironments } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/schema';
import { findPython, skipWithoutPython } from '../support/python';
import { synthesizedOutdir, synthesizedStack } from '../support/synthesized';
import { describeReferenceDags, pipelineSettingsOf } from './pipeline-dags';
import { teamWorkload, TEAM_CONNECTION_SECRET } from '../../stacks/catalogue';

/** The environment files, read once for the whole file. */
const ENVIRONMENTS = loadEnvironments();

// Render tier: every helm_release of every stack, through its real chart, as Helm will install it; then
// the objects are validated against their schemas, against each other and against the workload policy.
// Skips with the reason where there is no Helm binary; MLOPS_REQUIRE_HELM=1 (CI) makes that a failure.
const REQUIRE_ENV = 'MLOPS_REQUIRE_HELM';
const helm = locateHelm();
const releases = readReleases(synthesizedOutdir());
const stacks = [...new Set(releases.map((r) => r.stack))];
const releaseIds = releases.map((r) => `${r.stack} ${r.name}`);
/** Stacks of environments with a pull-through cache (`cluster.pullThroughCache`). */
const mirroredStacks = stacks.filter((stack) => Object.keys(configOf(stack).cluster.pullThroughCache).length > 0);

/** Stacks of environments with pipelines (`platform.pipelines`), and a Python to run their DAG file with. */
const pipelineStacks = stacks.filter((stack) => Object.keys(configOf(stack).platform.pipelines).length > 0);
const python = findPython();
/** The reference pipeline's steps, each with the steps it waits for: the seed's data flow. */
const PIPELINE_STEPS: Record<string, string[]> = {
  land: [],
  validate: ['land'],
  features: ['validate'],
  feast_apply: ['features'],
  materialize: ['feast_apply'],
  train: ['feast_apply'],
  promote: ['train'],
  serve: ['materialize', 'promote'],
  smoke_test: ['serve'],
  drift: ['serve'],
};

/** Stacks of environments whose alerts reach someone (`platform.observability.alerting`). */
const alertingStacks = stacks.filter((stack) => configOf(stack).platform.observability.alerting !== undefined);
interface AlertmanagerConfig {
  route: { receiver: string; routes: { matchers?: string[]; receiver: string }[] };
  receivers: ({ name: string } & Record<string, unknown>)[];
}
/** The `*_file` settings of a receiver's configs (`slack_configs[].api_url_file`, …): where its credentials are read. */
const credentialFiles = (receiver: Record<string, unknown>): string[] =>
  Object.values(receiver)
    .filter((configs): configs is Record<string, unknown>[] => Array.isArray(configs))
    .flatMap((configs) =>
      configs.flatMap((c) =>
        Object.entries(c)
          .filter(([key]) => key.endsWith('_file'))
          .map(([, file]) => String(file)),
      ),
    );

let rendered: RenderedRelease[] = [];
const schemasByStack = new Map<string, Schemas>();
const placedByStack = new Map<string, PlacedObject[]>();

beforeAll(async () => {
  if (!helm.path) return;
  rendered = await renderReleases(releases, { helm: helm.path, cacheDir: resolve('.tmp', 'render-cache') });
  for (const stack of stacks) {
    const ofStack = rendered.filter((r) => r.release.stack === stack);
    const crds = ofStack.flatMap((r) => r.objects).filter((o) => o.kind === 'CustomResourceDefinition');
    const schemas = new Schemas(ofStack[0].release.kubeVersion, crds);
    schemasByStack.set(stack, schemas);
    placedByStack.set(
      stack,
      ofStack.flatMap((r) =>
        r.objects.map((object) => ({
          object,
          // Helm installs an object without a namespace into the release's; cluster-scoped ones have none.
          namespace: schemas.isNamespaced(object) === false ? '' : (object.metadata.namespace ?? r.release.namespace),
          release: r.release.name,
        })),
      ),
    );
  }
}, 180_000);

/** The exceptions a reviewer accepted, each with its reason (see the file). */
interface PolicyException {
  readonly rule: Violation['rule'];
  readonly workload: string;
  readonly containers?: string[];
  readonly environments?: string[];
  readonly reason: string;
}
const REVIEWED = load(readFileSync(join(__dirname, 'policy-exceptions.yaml'), 'utf8')) as {
  policy: PolicyException[];
  /** Kinds (`group/version/Kind`) that may render without a schema to check them against, each with why. */
  schemaless?: { kind: string; reason: string }[];
};
const EXCEPTIONS = REVIEWED.policy;
const SCHEMALESS = new Set((REVIEWED.schemaless ?? []).map((s) => s.kind));

function skipWithoutHelm(context: { skip: (note?: string) => void }) {
  if (helm.path !== undefined) return;
  if (process.env[REQUIRE_ENV] === '1') throw new Error(`${REQUIRE_ENV}=1 but ${helm.reason}`);
  console.warn(`skipped render checks: ${helm.reason}`);
  context.skip(helm.reason);
}

function renderedRelease(id: string): RenderedRelease {
  return rendered.find((r) => `${r.release.stack} ${r.release.name}` === id)!;
}

/** The environment of a stack (`mlops-prod-platform` → `prod`), from its config as synthesized. */
function environmentOf(stack: string): { name: string; production: boolean } {
  const tags = (synthesizedStack(stack).provider?.aws?.[0] as { default_tags?: { tags: Record<string, string> }[] } | undefined)
    ?.default_tags?.[0]?.tags;
  const name = tags?.Environment ?? stack;
  return { name, production: name === 'prod' };
}

/** The environment file of a stack, as loaded. */
function configOf(stack: string): EnvironmentConfig {
  return ENVIRONMENTS.find((e) => e.name === environmentOf(stack).name)!;
}

/** The Pod Security level each namespace of the stack enforces. */
function podSecurityLevels(stack: string): Map<string, PodSecurityLevel> {
  const namespaces = Object.values(synthesizedStack(stack).resource?.kubernetes_namespace_v1 ?? {}) as {
    metadata: { name: string; labels?: Record<string, string> };
  }[];
  return new Map(
    namespaces.map((n) => [
      n.metadata.name,
      (n.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'privileged') as PodSecurityLevel,
    ]),
  );
}

function policyViolations(stack: string): Violation[] {
  const placed = placedByStack.get(stack)!;
  const levels = podSecurityLevels(stack);
  const budgets = placed.filter((p) => p.object.kind === 'PodDisruptionBudget');
  const defaults = limitRangeDefaults(placed);
  return placed.flatMap((p) =>
    workloads([p.object], () => p.namespace).flatMap((workload) => [
      // A namespace the stack does not create (kube-system) is held to the strictest level.
      ...containerViolations(workload, levels.get(workload.namespace) ?? 'restricted', defaults.get(workload.namespace)),
      ...(environmentOf(stack).production ? availabilityViolations(workload, budgets) : []),
    ]),
  );
}

function excuses(exception: PolicyException, violation: Violation, environment: string): boolean {
  const workload = new RegExp(
    `^${exception.workload
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (
    exception.rule === violation.rule &&
    workload.test(violation.workload) &&
    (!exception.containers || (violation.container !== undefined && exception.containers.includes(violation.container))) &&
    (!exception.environments || exception.environments.includes(environment))
  );
}

describe('rendered releases', () => {
  it('has a Helm binary (MLOPS_REQUIRE_HELM=1 makes its absence a failure)', (context) => {
    skipWithoutHelm(context);
    expect(helm.path).toBeDefined();
  });

  it.for(releaseIds)('%s renders with its chart', (id, context) => {
    skipWithoutHelm(context);
    const release = renderedRelease(id);
    expect(release.error, release.error).toBeUndefined();
    expect(release.objects.length, `${id} rendered nothing`).toBeGreaterThan(0);
  });

  it.for(releaseIds)('%s: every object validates against the schema of its kind', (id, context) => {
    skipWithoutHelm(context);
    const release = renderedRelease(id);
    const schemas = schemasByStack.get(release.release.stack)!;
    const problems = release.objects
      .filter((o) => !(SCHEMALESS.has(gvk(o)) && !schemas.knows(o)))
      .flatMap((o) => schemas.validate(o).map((p) => `${gvk(o)} ${o.metadata.name}: ${p}`));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('renders with the API versions of exactly the CRDs the platform installs (scripts/render/api-versions.ts)', (context) => {
    skipWithoutHelm(context);
    const served = new Set<string>();
    for (const object of rendered.flatMap((r) => r.objects).filter((o) => o.kind === 'CustomResourceDefinition')) {
      const spec = object.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
      for (const version of spec.versions.filter((v) => v.served)) served.add(`${spec.group}/${version.name}/${spec.names.kind}`);
    }
    expect({
      missing: [...served].filter((v) => !CRD_API_VERSIONS.includes(v)),
      unserved: CRD_API_VERSIONS.filter((v) => !served.has(v)),
    }).toEqual({
      missing: [],
      unserved: [],
    });
  });

  it.for(stacks)(
    '%s: what objects refer to exists, no two releases render one object, every flow reaches a listener, every secret store serves only its readers',
    (stack, context) => {
      skipWithoutHelm(context);
      const placed = placedByStack.get(stack)!;
      const namespaces = new Set(podSecurityLevels(stack).keys());
      const problems = [
        ...danglingReferences(placed),
        ...duplicateObjects(placed),
        ...unreachableFlows(placed, namespaces),
        ...new Set(unservedExternalSecrets(placed)),
      ];
      expect(problems, problems.join('\n')).toEqual([]);
    },
  );

  it.for(stacks)('%s: every workload follows the policy or a reviewed exception (test/render/policy-exceptions.yaml)', (stack, context) => {
    skipWithoutHelm(context);
    const { name } = environmentOf(stack);
    const unexcused = policyViolations(stack)
      .filter((v) => !EXCEPTIONS.some((e) => excuses(e, v, name)))
      .map((v) => `${v.rule}: ${v.workload}${v.container ? ` (${v.container})` : ''}: ${v.message}`);
    expect(unexcused, unexcused.join('\n')).toEqual([]);
  });

  it.for(mirroredStacks)('%s: pulls every image of a registry the environment mirrors through its pull-through cache', (stack, context) => {
    skipWithoutHelm(context);
    const config = configOf(stack);
    const objects = rendered.filter((r) => r.release.stack === stack).flatMap((r) => r.objects);
    const missed = unmirroredImages(objects, Object.keys(config.cluster.pullThroughCache));
    expect(missed, missed.join('\n')).toEqual([]);
  });

  it.for(mirroredStacks)('%s: the pull-through cache changes where images come from, never which', (stack, context) => {
    skipWithoutHelm(context);
    // The same releases of an environment that pulls from upstream are the reference.
    const reference = stacks.find((s) => !mirroredStacks.includes(s));
    if (reference === undefined) return context.skip('every environment has a pull-through cache: none to compare with');
    const changed = rendered
      .filter((r) => r.release.stack === stack)
      .flatMap((r) => {
        const upstream = rendered.find((u) => u.release.stack === reference && u.release.name === r.release.name);
        if (upstream === undefined) return [];
        const expected = new Set(imageReferences(upstream.objects).map(upstreamImage));
        return imageReferences(r.objects)
          .map(upstreamImage)
          .filter((image) => !expected.has(image))
          .map((image) => `${r.release.name}: ${image} (not in ${reference})`);
      });
    expect(changed, changed.join('\n')).toEqual([]);
  });

  it.for(stacks)(
    '%s: the SparkApplication template DAGs submit from is one the CRD accepts, with the platform defaults',
    (stack, context) => {
      skipWithoutHelm(context);
      const map = rendered
        .filter((r) => r.release.stack === stack)
        .flatMap((r) => r.objects)
        .find((o) => o.kind === 'ConfigMap' && o.metadata.name === SPARK_TEMPLATE.configMap);
      expect(map, 'the template is installed').toBeDefined();
      const template = load((map!.data as Record<string, string>)[SPARK_TEMPLATE.key]) as RenderedObject;
      expect(schemasByStack.get(stack)!.validate(template)).toEqual([]);
      expect(template.spec).toMatchObject({ driver: { serviceAccount: expect.any(String), nodeSelector: expect.any(Object) } });
    },
  );

  it.for(pipelineStacks)(
    "%s: each pipeline's DAG runs the flow's steps in order, with retries and timeouts, as SparkApplications the CRD accepts in its team's namespace",
    (stack, context) => {
      skipWithoutHelm(context);
      skipWithoutPython(python, context);
      const { pipelines } = configOf(stack).platform;
      const settings = pipelineSettingsOf(rendered.filter((r) => r.release.stack === stack && r.release.name === 'airflow')[0].objects);
      expect(settings, 'Airflow receives the pipelines as the Variable `pipelines`').toBeDefined();
      const dags = describeReferenceDags(python.path!, settings);
      const schemas = schemasByStack.get(stack)!;
      expect(dags.map((d) => d.dagId).sort()).toEqual(
        Object.keys(pipelines)
          .map((name) => `pipeline_${name.replaceAll('-', '_')}`)
          .sort(),
      );
      for (const [name, pipeline] of Object.entries(pipelines)) {
        const dag = dags.find((d) => d.dagId === `pipeline_${name.replaceAll('-', '_')}`)!;
        expect([dag.schedule, dag.catchup, dag.maxActiveRuns]).toEqual([pipeline.schedule, false, 1]);
        expect(Object.fromEntries(Object.entries(dag.tasks).map(([id, t]) => [id, t.upstream]))).toEqual(PIPELINE_STEPS);
        const team = teamWorkload(pipeline.team);
        for (const [id, task] of Object.entries(dag.tasks)) {
          expect(task.retries, `${id} retries`).toBeGreaterThanOrEqual(1);
          expect(task.executionTimeoutSeconds, `${id} times out`).toBeGreaterThan(0);
          if (task.kind !== 'spark') continue;
          const application = task.application! as unknown as RenderedObject;
          expect(schemas.validate(application), `${id}'s SparkApplication`).toEqual([]);
          expect([task.namespace, application.metadata.namespace]).toEqual([team.namespace, team.namespace]);
          // As the team, with its connection mounted, from the pipeline image, with no download at start.
          expect(application.spec).toMatchObject({
            image: pipeline.image,
            mainApplicationFile: `local:///opt/pipeline/jobs/${id}.py`,
            driver: { serviceAccount: team.serviceAccounts[0], secrets: [{ name: TEAM_CONNECTION_SECRET }] },
            executor: { serviceAccount: team.serviceAccounts[0], secrets: [{ name: TEAM_CONNECTION_SECRET }] },
          });
          expect(JSON.stringify(application)).not.toMatch(/initContainers|https?:\/\/repo/);
        }
        // What `serve` creates: an InferenceService the CRD accepts, in the serving namespace.
        const service = settings![name].inferenceService as RenderedObject;
        expect(schemas.validate(service)).toEqual([]);
        expect(service.metadata).toMatchObject({ name, namespace: 'model-serving' });
      }
    },
  );

  it.for(alertingStacks)(
    '%s: Alertmanager routes each configured severity to its receivers, reading each credential from a mounted Secret',
    (stack, context) => {
      skipWithoutHelm(context);
      const alerting = configOf(stack).platform.observability.alerting!;
      const placed = placedByStack.get(stack)!;
      const alertmanager = placed.find((p) => p.object.kind === 'Alertmanager')!;
      const mounted = (alertmanager.object.spec as { secrets?: string[] }).secrets ?? [];
      const configSecret = placed.find(
        (p) =>
          p.object.kind === 'Secret' &&
          p.namespace === alertmanager.namespace &&
          p.object.metadata.name === `alertmanager-${alertmanager.object.metadata.name}`,
      )!;
      const config = load(
        Buffer.from((configSecret.object.data as Record<string, string>)['alertmanager.yaml'], 'base64').toString(),
      ) as AlertmanagerConfig;
      // Every credential file is a key of a Secret the pods mount, filled by an ExternalSecret from Secrets Manager.
      const provided = (file: string) => {
        const [, secret, key] = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(file) ?? [];
        const source = placed.find(
          (p) => p.object.kind === 'ExternalSecret' && p.namespace === alertmanager.namespace && p.object.metadata.name === secret,
        );
        const keys = ((source?.object.spec as { data?: { secretKey: string }[] } | undefined)?.data ?? []).map((d) => d.secretKey);
        return mounted.includes(secret) && keys.includes(key);
      };
      const files = config.receivers.flatMap(credentialFiles);
      expect(files.filter((file) => !provided(file))).toEqual([]);
      // Each severity reaches exactly the receivers the environment lists for it, each by its credential.
      const receiverOf = (matcher: string) => config.route.routes.find((r) => r.matchers?.includes(matcher))?.receiver;
      for (const [severity, names] of Object.entries(alerting.routes)) {
        const receiver = config.receivers.find((r) => r.name === receiverOf(`severity = "${severity}"`));
        const reached = (receiver ? credentialFiles(receiver) : []).map((file) => file.split('/').pop());
        expect(reached.sort(), severity).toEqual([...(names ?? [])].sort());
      }
      expect(receiverOf('alertname = "Watchdog"')).toBe(alerting.watchdog ? 'watchdog' : 'null');
      // Nothing unrouted pages anyone.
      expect(config.route.receiver).toBe('null');
    },
  );

  it('keeps no exception that excuses nothing', (context) => {
    skipWithoutHelm(context);
    const unchecked = rendered.flatMap((r) => r.objects.filter((o) => !schemasByStack.get(r.release.stack)!.knows(o)).map(gvk));
    expect([...SCHEMALESS].filter((kind) => !unchecked.includes(kind))).toEqual([]);
    const all = stacks.flatMap((stack) => policyViolations(stack).map((v) => ({ v, environment: environmentOf(stack).name })));
    const stale = EXCEPTIONS.filter((e) => !all.some(({ v, environment }) => excuses(e, v, environment))).map(
      (e) => `${e.rule} ${e.workload}`,
    );
    expect(stale, stale.join('\n')).toEqual([]);
  });
});
