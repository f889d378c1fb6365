import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackOrder, type StackManifest } from '../../scripts/deployment-order';
import { loadEnvironments } from '../../src/config/load';
import { pipelineImageRepository } from '../../stacks/cluster-stack';
import { compiledScript } from '../support/compiled';
import { environmentMatrix } from '../../scripts/environment-matrix';
import { PYTHON_TEST_PATHS } from '../support/python';

/** The environment files, read once for the whole file. */
const environments = loadEnvironments();

// The delivery workflows: schema-valid (action-validator, offline), and the rules that keep them safe,
// checked on the parsed YAML. The two shell steps that plan and apply run here against a fake terraform.

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const VALIDATOR = join(ROOT, 'node_modules', '@action-validator', 'cli', 'cli.mjs');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

interface Job {
  readonly name?: string;
  readonly if?: string;
  readonly 'runs-on'?: string;
  readonly container?: string;
  readonly needs?: string | string[];
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress': boolean };
  readonly environment?: unknown;
  readonly strategy?: { readonly matrix?: string | { readonly include?: Record<string, string>[] } };
  readonly env?: Record<string, unknown>;
  readonly steps?: Step[];
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));
const texts = new Map(files.map((file) => [file, readFileSync(join(WORKFLOWS, file), 'utf8')]));
const workflows = new Map(files.map((file) => [file, parse(texts.get(file)!) as Workflow]));
const workflow = (file: string): Workflow => workflows.get(file) ?? expect.fail(`.github/workflows/${file} is missing`);
const allJobs = [...workflows].flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));
const allSteps = allJobs.flatMap(({ file, id, job }) => (job.steps ?? []).map((step) => ({ file, job: id, step })));
const environmentNames = environments.map((e) => e.name);

const CREDENTIALS_ACTION = 'aws-actions/configure-aws-credentials@';
const TERRAFORM_COMMAND = /\bterraform\b[^\n]*\s(init|plan|apply)\b/;

/** The workflow file a job calls (`uses: ./.github/workflows/x.yml`), if any. */
function calledWorkflow(job: Job): Workflow | undefined {
  return job.uses?.startsWith('./.github/workflows/') ? workflow(job.uses.slice('./.github/workflows/'.length)) : undefined;
}

/** Whether a job assumes an AWS role, itself or through the workflow it calls. */
function assumesRole(job: Job): boolean {
  const called = calledWorkflow(job);
  if (called) return Object.values(called.jobs).some(assumesRole);
  return (job.steps ?? []).some((step) => step.uses?.startsWith(CREDENTIALS_ACTION));
}

function step(file: string, jobId: string, stepId: string): Step {
  const found = workflow(file).jobs[jobId]?.steps?.find((s) => s.id === stepId);
  return found ?? expect.fail(`${file}: job ${jobId} has no step with id ${stepId}`);
}

describe('action-validator', () => {
  it('finds the delivery workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['pull-request.yml', 'deploy.yml', 'apply-environment.yml']));
  });

  it.for(files)('accepts %s', (file) => {
    const result = spawnSync(process.execPath, [VALIDATOR, join(WORKFLOWS, file)], { encoding: 'utf8' });
    // The validator cannot check `paths:` globs and says so; anything else it prints is a finding.
    const findings = (result.stderr + result.stdout)
      .split('\n')
      .filter((line) => line && !/^WARNING: Glob validation is not yet supported/.test(line));
    expect(findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('rejects a broken workflow (the check is not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-workflow-'));
    try {
      const broken = join(dir, 'deploy.yml');
      writeFileSync(broken, texts.get('deploy.yml')!.replace('cancel-in-progress: false', 'cancel-in-progress: later'));
      const result = spawnSync(process.execPath, [VALIDATOR, broken], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('cancel-in-progress');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('triggers and permissions', () => {
  it('plans on pull requests to main and deploys on pushes to main (or by hand); apply-environment is only called', () => {
    expect(workflow('pull-request.yml').on).toEqual({ pull_request: { branches: ['main'] } });
    expect(workflow('deploy.yml').on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(Object.keys(workflow('apply-environment.yml').on)).toEqual(['workflow_call']);
    for (const text of texts.values()) expect(text).not.toMatch(/pull_request_target|workflow_run/);
  });

  it.for(files)('%s grants only read access to contents at the top', (file) => {
    expect(workflow(file).permissions).toEqual({ contents: 'read' });
  });

  it('grants id-token: write exactly to the jobs that assume a role, and nothing else beyond reading', () => {
    const assuming = allJobs.filter(({ job }) => assumesRole(job)).map(({ file, id }) => `${file}:${id}`);
    expect(assuming.sort()).toEqual(
      [
        'apply-environment.yml:apply',
        'deploy.yml:dev',
        'deploy.yml:prod',
        'deploy.yml:staging',
        'pipeline-image.yml:push',
        'pull-request.yml:plan',
      ].sort(),
    );
    for (const { file, id, job } of allJobs) {
      const expected = assumesRole(job) ? { contents: 'read', 'id-token': 'write' } : undefined;
      expect(job.permissions, `${file}: job ${id}`).toEqual(expected);
    }
  });
});

describe('AWS credentials', () => {
  it('come only from configure-aws-credentials with a role to assume, never from keys', () => {
    for (const text of texts.values())
      expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
    const credentialSteps = allSteps.filter(({ step }) => step.uses?.startsWith(CREDENTIALS_ACTION));
    expect(credentialSteps.map(({ file }) => file).sort()).toEqual(['apply-environment.yml', 'pipeline-image.yml', 'pull-request.yml']);
    for (const { step } of credentialSteps) {
      expect(Object.keys(step.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
      expect(step.with!['role-to-assume']).toMatch(/^\$\{\{ .+ \}\}$/);
    }
  });

  it('are configured before every step that runs terraform against real state', () => {
    const terraformJobs = allJobs.filter(({ job }) => (job.steps ?? []).some((s) => TERRAFORM_COMMAND.test(s.run ?? '')));
    expect(terraformJobs.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['apply-environment.yml:apply', 'pull-request.yml:plan']);
    for (const { file, id, job } of terraformJobs) {
      const steps = job.steps!;
      const credentials = steps.findIndex((s) => s.uses?.startsWith(CREDENTIALS_ACTION));
      const firstTerraform = steps.findIndex((s) => TERRAFORM_COMMAND.test(s.run ?? ''));
      expect(credentials, `${file}: job ${id}`).toBeGreaterThanOrEqual(0);
      expect(credentials, `${file}: job ${id}`).toBeLessThan(firstTerraform);
    }
  });

  it('plan roles are per environment, apply roles are per environment and passed by deploy.yml', () => {
    const plan = workflow('pull-request.yml').jobs.plan;
    const credentials = plan.steps!.find((s) => s.uses?.startsWith(CREDENTIALS_ACTION))!;
    expect(credentials.with!['role-to-assume']).toBe("${{ vars[format('MLOPS_{0}_PLAN_ROLE_ARN', matrix.variables)] }}");
    // Pull requests plan the environments that are not production (production only after merge), listed by the
    // environments job from the files, as its script prints them here.
    expect(plan.strategy!.matrix).toBe('${{ fromJSON(needs.environments.outputs.plan) }}');
    expect(runMatrixStep(workflow('pull-request.yml').jobs.environments, 'plan')).toEqual({
      include: environments
        .filter((e) => !e.production)
        .map(({ name: environment }) => ({ environment, variables: environment.toUpperCase() })),
    });
    for (const environment of environmentNames) {
      expect(workflow('deploy.yml').jobs[environment].with).toMatchObject({
        'role-to-assume': `\${{ vars.MLOPS_${environment.toUpperCase()}_APPLY_ROLE_ARN }}`,
        'aws-region': `\${{ vars.MLOPS_${environment.toUpperCase()}_AWS_REGION }}`,
      });
    }
  });

  it('are not requested by pull requests from forks, which get no OIDC token', () => {
    expect(workflow('pull-request.yml').jobs.plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  });
});

/**
 * The matrix the `matrix` step of an environments job writes to its output `name`: the step must run
 * `scripts/environment-matrix.ts` (whose command line is checked once, below) with a matrix name.
 */
function runMatrixStep(job: Job, name: string): unknown {
  const step = job.steps!.find((s) => s.id === 'matrix')!;
  const command = new RegExp(`^echo "${name}=\\$\\(npx tsx scripts/environment-matrix\\.ts ([\\w-]+)\\)" >> "\\$GITHUB_OUTPUT"$`).exec(
    step.run!.trim(),
  );
  expect(command, step.run).not.toBeNull();
  return environmentMatrix(command![1], environments);
}

describe('environment-matrix.ts', () => {
  it('prints the matrix as one line of JSON, and refuses an unknown one', () => {
    const script = compiledScript(join(ROOT, 'scripts', 'environment-matrix.ts'));
    const run = spawnSync(process.execPath, [script, 'plan'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(environmentMatrix('plan', environments));
    expect(() => environmentMatrix('deploy', [])).toThrow(/unknown matrix 'deploy' \(plan, pipeline-image\)/);
  });
});

describe('pipeline image', () => {
  const images = workflow('pipeline-image.yml');

  it('is pushed for every environment with pipelines, with its apply role, in its GitHub environment', () => {
    const job = images.jobs.push;
    expect(job.strategy!.matrix).toBe('${{ fromJSON(needs.environments.outputs.matrix) }}');
    expect(runMatrixStep(images.jobs.environments, 'matrix')).toEqual({
      include: environments
        .filter((e) => Object.keys(e.platform.pipelines).length > 0)
        .map(({ name: environment }) => ({ environment, variables: environment.toUpperCase() })),
    });
    expect(job.environment).toBe('${{ matrix.environment }}');
    // From main only, and not at all where no environment has pipelines (an empty matrix is an error).
    expect(job.if).toBe("github.ref == 'refs/heads/main' && fromJSON(needs.environments.outputs.matrix).include[0] != null");
    const credentials = job.steps!.find((s) => s.uses?.startsWith(CREDENTIALS_ACTION))!;
    expect(credentials.with!['role-to-assume']).toBe("${{ vars[format('MLOPS_{0}_APPLY_ROLE_ARN', matrix.variables)] }}");
  });

  it("builds pipelines/Dockerfile into the cluster stack's repository, tagged with the commit", () => {
    const script = images.jobs.push.steps!.find((s) => s.run)!;
    expect(script.env).toEqual({ ENVIRONMENT: '${{ matrix.environment }}', TAG: '${{ github.sha }}' });
    expect(script.run).toContain(`repository="${pipelineImageRepository('${ENVIRONMENT}')}"`);
    expect(script.run).toContain('docker build -f pipelines/Dockerfile -t "$registry/$repository:$TAG" .');
    expect(script.run).toContain('docker push "$registry/$repository:$TAG"');
  });
});

describe('deployment', () => {
  const deploy = workflow('deploy.yml');

  it('deploys every environment file in one chain, each after the one before, production last', () => {
    const ids = Object.keys(deploy.jobs);
    expect([...ids].sort()).toEqual([...environmentNames].sort());
    // One chain: a first job needing none, then each job needed by exactly one other.
    const chain = ids.filter((id) => deploy.jobs[id].needs === undefined);
    expect(chain).toHaveLength(1);
    for (;;) {
      const next = ids.filter((id) => deploy.jobs[id].needs === chain[chain.length - 1]);
      expect(next.length, `jobs after ${chain[chain.length - 1]}: ${next.join(', ')}`).toBeLessThanOrEqual(1);
      if (next.length === 0) break;
      chain.push(next[0]);
    }
    expect(chain).toHaveLength(ids.length);
    const production = new Set(environments.filter((e) => e.production).map((e) => e.name));
    const firstProduction = chain.findIndex((id) => production.has(id));
    if (firstProduction >= 0)
      expect(
        chain.slice(firstProduction).every((id) => production.has(id)),
        chain.join(' → '),
      ).toBe(true);
  });

  it.for(environmentNames)('%s runs from main only, queued in its own concurrency group, in its GitHub environment', (id) => {
    const job = deploy.jobs[id];
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(job.concurrency).toEqual({ group: `deploy-${id}`, 'cancel-in-progress': false });
    expect(job.uses).toBe('./.github/workflows/apply-environment.yml');
    expect(job.with!.environment).toBe(id);
    const config = environments.find((e) => e.name === id)!;
    expect(config.delivery.githubEnvironment ?? config.name, 'the apply role trusts delivery.githubEnvironment').toBe(id);
  });

  it('runs the deployment inside the VPC where the environment has runners there (the cluster API is private)', () => {
    const apply = workflow('apply-environment.yml').jobs.apply;
    expect(apply['runs-on']).toBe(
      "${{ inputs.vpc-runner != '' && format('codebuild-{0}-{1}-{2}', inputs.vpc-runner, github.run_id, github.run_attempt) || 'ubuntu-24.04' }}",
    );
    for (const environment of environmentNames) {
      expect(workflow('deploy.yml').jobs[environment].with!['vpc-runner']).toBe(
        `\${{ vars.MLOPS_${environment.toUpperCase()}_VPC_RUNNER }}`,
      );
    }
  });

  it('applies in the GitHub environment it is given', () => {
    expect(workflow('apply-environment.yml').jobs.apply.environment).toBe('${{ inputs.environment }}');
  });

  it('applies exactly the plan it saved and showed, without -auto-approve', () => {
    const script = step('apply-environment.yml', 'apply', 'apply').run!;
    const terraform = script.split('\n').filter((line) => /^\s*terraform /.test(line));
    expect(terraform.map((line) => line.trim())).toEqual([
      'terraform -chdir="$dir" init -input=false -no-color',
      'terraform -chdir="$dir" plan -input=false -detailed-exitcode -no-color -out=tfplan || code=$?',
      'terraform -chdir="$dir" show -no-color tfplan > "$dir/plan.txt"',
      'terraform -chdir="$dir" apply -input=false -no-color tfplan',
    ]);
    for (const text of texts.values()) expect(text).not.toContain('-auto-approve');
  });

  it('never applies from a pull request, and plans there without the state lock or a refresh', () => {
    expect(texts.get('pull-request.yml')).not.toMatch(/terraform[^\n]* apply/);
    expect(step('pull-request.yml', 'plan', 'plan').run).toMatch(
      /terraform -chdir="\$dir" plan -input=false -lock=false -refresh=false [^\n]*-out=tfplan/,
    );
  });
});

describe('toolchain', () => {
  const terraformSetups = allSteps.filter(({ step }) => step.uses?.startsWith('hashicorp/setup-terraform@'));

  it('pins Terraform to one 1.11 release, without the wrapper, in every job that runs it', () => {
    expect(terraformSetups.map(({ file, job }) => `${file}:${job}`).sort()).toEqual(
      ['apply-environment.yml:apply', 'pull-request.yml:plan', 'pull-request.yml:test'].sort(),
    );
    const versions = new Set(terraformSetups.map(({ step }) => step.with!.terraform_version));
    expect(versions.size).toBe(1);
    expect(String([...versions][0])).toMatch(/^1\.11\.\d+$/);
    for (const { step } of terraformSetups) expect(step.with!.terraform_wrapper).toBe(false);
  });

  it('pins every action to a full commit SHA with its version in a comment', () => {
    for (const [file, text] of texts) {
      const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)];
      expect(uses.length, file).toBeGreaterThan(0);
      for (const [line, ref, rest] of uses) {
        if (ref.startsWith('./')) continue;
        // owner/repository, or an action in a folder of it (infracost/actions/setup), at a commit.
        expect(ref, `${file}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*@[0-9a-f]{40}$/);
        expect(rest, `${file}: ${line.trim()}`).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it('runs the whole suite in CI with terraform required and the registry as provider source', () => {
    const test = workflow('pull-request.yml').jobs.test.steps!;
    expect(test.filter((s) => s.run).map((s) => s.run)).toEqual(['npm ci', 'npm run lint', 'npm run typecheck', 'npm test']);
    expect(test.find((s) => s.run === 'npm test')!.env).toEqual({ MLOPS_REQUIRE_TERRAFORM: 1 });
    const envs = [...allJobs.map(({ job }) => job.env), ...allSteps.map(({ step }) => step.env)];
    for (const env of envs) expect(Object.keys(env ?? {})).not.toContain('TF_PLUGIN_DIR');
  });

  it("runs the Python tier's tests on the pipeline image's own Python and libraries", () => {
    const job = workflow('pull-request.yml').jobs['pipeline-libraries'];
    const image = readFileSync(join(ROOT, 'pipelines/Dockerfile'), 'utf8');
    // The image's Python is Debian 12's 3.11; so is the job's.
    expect(image).toMatch(/^FROM docker\.io\/library\/debian:12-slim$/m);
    expect(job.container).toBe('docker.io/library/python:3.11-slim-bookworm');
    const runs = job.steps!.filter((s) => s.run).map((s) => s.run!);
    expect(runs[0]).toMatch(/^pip install --no-cache-dir -r pipelines\/requirements\.txt pytest==\S+$/);
    expect(image).toContain('/opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt');
    expect(runs[1]).toBe(`python -m pytest -q -p no:cacheprovider ${PYTHON_TEST_PATHS.join(' ')}`);
  });

  it('passes values to shell steps through env, never by expanding expressions inside scripts', () => {
    for (const { file, job, step } of allSteps) expect(step.run ?? '', `${file}: job ${job}`).not.toContain('${{');
  });
});

describe('renovate.json', () => {
  const config = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as {
    extends: string[];
    enabledManagers: string[];
    packageRules: Record<string, unknown>[];
    customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[]; [key: string]: unknown }[];
  };

  it('updates npm packages, GitHub Actions pinned by digest, and Helm charts pinned in code', () => {
    expect(config.enabledManagers.sort()).toEqual(['custom.regex', 'github-actions', 'npm']);
    expect(config.extends).toContain('helpers:pinGitHubActionDigests');
  });

  it('groups the cdktf packages and holds @cdktf/provider-aws to the mirrored AWS provider', () => {
    expect(config.packageRules).toContainEqual(
      expect.objectContaining({ matchPackageNames: ['cdktf', 'cdktf-cli', '@cdktf/**'], groupName: 'cdktf' }),
    );
    expect(config.packageRules).toContainEqual(
      expect.objectContaining({ matchPackageNames: ['@cdktf/provider-aws'], matchUpdateTypes: ['major', 'minor'], enabled: false }),
    );
  });

  it('tells a chart bump to vendor the new archive with the project script', () => {
    const rule = config.packageRules.find((r) => (r.matchManagers as string[] | undefined)?.includes('custom.regex'));
    expect((rule?.prBodyNotes as string[] | undefined)?.join(' ')).toMatch(
      /npm run charts:pull -- \{\{\{depName\}\}\} \{\{\{newVersion\}\}\}/,
    );
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['charts:pull']).toBe('tsx scripts/charts/pull.ts');
  });

  /** Every `{ …chart: '…', version: '…' }` pin in constructs/, found without Renovate's patterns. */
  function chartPins(): { file: string; chart: string; version: string }[] {
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sources(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : [],
      );
    return sources('constructs').flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/chart: '([^']+)',\s*version: '([^']+)'/g)].map(([, chart, version]) => ({
        file,
        chart,
        version,
      })),
    );
  }

  it('finds every Helm chart pinned in constructs/ with the right datasource and registry', () => {
    const pins = chartPins();
    expect(pins.map((p) => p.chart)).toEqual(
      expect.arrayContaining(['airflow', 'external-secrets', 'mlflow', 'spark-operator', 'strimzi-kafka-operator']),
    );
    const found = pins.map(({ file, chart }) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const matches = config.customManagers.flatMap((manager) => {
        const fileMatches = manager.managerFilePatterns.some((pattern) => new RegExp(pattern.slice(1, -1)).test(file));
        if (!fileMatches) return [];
        return manager.matchStrings.flatMap((source) =>
          [...text.matchAll(new RegExp(source, 'g'))]
            .filter((m) => m.groups!.depName === chart)
            .map((m) => {
              const groups = m.groups!;
              const template = (name: string) =>
                (manager[`${name}Template`] as string | undefined)?.replace(/\{\{\{(\w+)\}\}\}/g, (_, key: string) => groups[key]);
              return {
                datasource: template('datasource'),
                depName: groups.depName,
                packageName: template('packageName') ?? groups.depName,
                registryUrl: groups.registryUrl,
                currentValue: groups.currentValue,
              };
            }),
        );
      });
      expect(matches, `${file}: ${chart}`).toHaveLength(1);
      return matches[0];
    });
    expect(found).toContainEqual({
      datasource: 'helm',
      depName: 'airflow',
      packageName: 'airflow',
      registryUrl: 'https://airflow.apache.org',
      currentValue: pins.find((p) => p.chart === 'airflow')!.version,
    });
    expect(found).toContainEqual({
      datasource: 'docker',
      depName: 'strimzi-kafka-operator',
      packageName: 'quay.io/strimzi-helm/strimzi-kafka-operator',
      registryUrl: undefined,
      currentValue: pins.find((p) => p.chart === 'strimzi-kafka-operator')!.version,
    });
  });
});

describe('the plan and apply scripts, against a fake terraform', () => {
  const manifest: StackManifest = {
    stacks: {
      'mlops-dev-app': { dependencies: ['mlops-dev-data', 'mlops-dev-cluster'] },
      'mlops-dev-platform': { dependencies: ['mlops-dev-cluster'] },
      'mlops-dev-cluster': { dependencies: ['mlops-dev-network'] },
      'mlops-dev-data': { dependencies: ['mlops-dev-network'] },
      'mlops-dev-network': { dependencies: [] },
      'mlops-dev-bootstrap': { dependencies: [] },
      'mlops-prod-network': { dependencies: [] },
    },
  };
  // The bootstrap stack keeps its state locally: CI must never touch it.
  const order = stackOrder(manifest, 'dev', { exclude: ['mlops-dev-bootstrap'] });
  // Replacements count once as added and once as destroyed, like Terraform's own "Plan:" line.
  const planJson = {
    resource_changes: [['create'], ['create'], ['update'], ['delete', 'create'], ['delete'], ['no-op'], ['read']].map((actions) => ({
      change: { actions },
    })),
  };
  const fakeTerraform = `#!/usr/bin/env bash
set -eu
case "$1" in -chdir=*) dir=\${1#-chdir=} ;; *) echo "fake terraform: -chdir= must come first" >&2; exit 64 ;; esac
shift
stack=$(basename "$dir")
echo "$stack $*" >> "$FAKE_LOG"
[ -d "$dir" ] || { echo "fake terraform: no directory $dir" >&2; exit 65; }
last=\${!#}
case "$1" in
  init) ;;
  plan)
    code=0
    for entry in $FAKE_PLAN_CODES; do if [ "\${entry%%=*}" = "$stack" ]; then code=\${entry#*=}; fi; done
    if [ "$code" = 1 ]; then echo 'Error: Unsupported attribute' >&2; exit 1; fi
    for arg in "$@"; do case "$arg" in -out=*) echo "plan of $stack" > "$dir/\${arg#-out=}" ;; esac; done
    exit "$code" ;;
  show|apply)
    [ -f "$dir/$last" ] || { echo "fake terraform: no plan file $last" >&2; exit 66; }
    if [ "$1 $2" = "show -json" ]; then cat "$FAKE_PLAN_JSON"; elif [ "$1" = show ]; then echo 'Plan: 3 to add, 1 to change, 2 to destroy.'; fi ;;
  *) echo "fake terraform: unexpected $*" >&2; exit 64 ;;
esac
`;
  // Infracost's CLI as the cost step calls it: `diff` needs the plan JSON it is given and writes its output file.
  const fakeInfracost = `#!/usr/bin/env bash
set -eu
echo "infracost $*" >> "$FAKE_LOG"
command=$1 path='' out=''
while [ $# -gt 0 ]; do case "$1" in --path) path=$2; shift ;; --out-file) out=$2; shift ;; esac; shift; done
case "$command" in
  diff) [ -s "$path" ] || { echo "fake infracost: no plan JSON at $path" >&2; exit 65; }; echo '{"projects":[]}' > "$out" ;;
  output) echo '| Project | Monthly cost change |' ;;
  *) echo "fake infracost: unexpected call" >&2; exit 64 ;;
esac
`;
  const root = mkdtempSync(join(tmpdir(), 'mlops-delivery-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let runs = 0;

  /** Runs a workflow step's script as GitHub does (bash -eo pipefail) in a fresh workspace. */
  /** The stacks a run without a runner inside the VPC handles: all but the platform stack. */
  const outsideVpc = () => order.filter((s) => s !== 'mlops-dev-platform');

  function runScript(script: string, planCodes: Record<string, number>, extraEnv: Record<string, string> = {}) {
    const dir = join(root, `run-${++runs}`);
    const bin = join(dir, 'bin');
    const work = join(dir, 'work');
    mkdirSync(bin, { recursive: true });
    for (const stack of Object.keys(manifest.stacks)) {
      const backend = stack.endsWith('-bootstrap') ? { local: { path: 'bootstrap.tfstate' } } : { s3: { bucket: 'state', key: stack } };
      mkdirSync(join(work, 'cdktf.out', 'stacks', stack), { recursive: true });
      writeFileSync(join(work, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), JSON.stringify({ terraform: { backend } }));
    }
    writeFileSync(join(work, 'cdktf.out', 'manifest.json'), JSON.stringify(manifest));
    symlinkSync(join(ROOT, 'scripts'), join(work, 'scripts'));
    writeFileSync(join(bin, 'terraform'), fakeTerraform);
    writeFileSync(join(bin, 'infracost'), fakeInfracost);
    chmodSync(join(bin, 'infracost'), 0o755);
    // npx tsx, without npm: runs the script compiled once, on plain Node.
    writeFileSync(
      join(bin, 'npx'),
      `#!/usr/bin/env bash\n[ "$1 $2" = "tsx scripts/stack-order.ts" ] || exit 64\nshift 2\nexec "${process.execPath}" "${compiledScript(join(ROOT, 'scripts', 'stack-order.ts'))}" "$@"\n`,
    );
    chmodSync(join(bin, 'terraform'), 0o755);
    chmodSync(join(bin, 'npx'), 0o755);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(planJson));
    writeFileSync(join(dir, 'script.sh'), script);
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      ENVIRONMENT: 'dev',
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_OUTPUT: join(dir, 'output'),
      FAKE_LOG: join(dir, 'terraform.log'),
      FAKE_PLAN_JSON: join(dir, 'plan.json'),
      FAKE_PLAN_CODES: Object.entries(planCodes)
        .map(([stack, code]) => `mlops-dev-${stack}=${code}`)
        .join(' '),
      ...extraEnv,
    };
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'script.sh')], {
      cwd: work,
      env,
      encoding: 'utf8',
    });
    const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    return {
      status: result.status,
      output: result.stdout + result.stderr,
      summary: read(env.GITHUB_STEP_SUMMARY),
      calls: read(env.FAKE_LOG).trim().split('\n').filter(Boolean),
      planText: (stack: string) => read(join(work, 'cdktf.out', 'stacks', stack, 'plan.txt')),
      outputs: read(env.GITHUB_OUTPUT),
      leftIn: (stack: string) => readdirSync(join(work, 'cdktf.out', 'stacks', stack)),
    };
  }

  describe('pull-request.yml plan', () => {
    const script = step('pull-request.yml', 'plan', 'plan').run!;

    it('plans every stack in order without the lock, and reports counts or what a stack waits for', () => {
      const run = runScript(script, { network: 2, data: 1, cluster: 0, app: 1 });
      expect(run.status, run.output).toBe(0);
      expect(run.calls.filter((c) => c.split(' ')[1] === 'plan').map((c) => c.split(' ')[0])).toEqual(outsideVpc());
      // The plan role cannot reach the private cluster API: the platform stack is left to the deployment.
      expect(run.summary).toContain(
        '| mlops-dev-platform | | | | skipped: the cluster API is private; the deployment plans it from inside the VPC |',
      );
      for (const call of run.calls.filter((c) => c.split(' ')[1] === 'plan'))
        expect(call).toMatch(/ -lock=false -refresh=false .*-out=tfplan$/);
      expect(run.calls.some((c) => c.split(' ')[1] === 'apply')).toBe(false);
      expect(run.summary).toContain('| mlops-dev-network | 3 | 1 | 2 | |');
      expect(run.summary).toContain('| mlops-dev-data | | | | waits for mlops-dev-network to be applied |');
      expect(run.summary).toContain('| mlops-dev-cluster | 3 | 1 | 2 | |');
      expect(run.summary).toContain('| mlops-dev-app | | | | waits for mlops-dev-data to be applied |');
      expect(run.planText('mlops-dev-network')).toContain('Plan: 3 to add');
    });

    it('fails when a stack whose dependencies are all applied cannot plan, after planning the rest', () => {
      const run = runScript(script, { network: 0, data: 1, cluster: 2, app: 1 });
      expect(run.status).toBe(1);
      expect(run.output).toContain('::error::terraform plan of mlops-dev-data failed');
      expect(run.summary).toContain('| mlops-dev-data | | | | **plan failed** |');
      expect(run.summary).toContain('| mlops-dev-app | | | | waits for mlops-dev-data to be applied |');
    });
  });

  describe('pull-request.yml cost difference', () => {
    const plan = step('pull-request.yml', 'plan', 'plan').run!;
    const check = step('pull-request.yml', 'plan', 'cost').run!;
    const difference = step('pull-request.yml', 'plan', 'cost-difference');

    it('prices the saved plan of every stack that planned, deletes each plan JSON and adds the difference to the summary', () => {
      const codes = { network: 2, data: 1, cluster: 0, app: 1 };
      // The plan step ends with `exit`: a subshell keeps the next step's script running, as the next step.
      const run = runScript(`(\n${plan}\n)\n${difference.run!}`, codes);
      expect(run.status, run.output).toBe(0);
      const planned = outsideVpc().filter((stack) => codes[stack.replace('mlops-dev-', '') as keyof typeof codes] !== 1);
      const priced = run.calls
        .filter((c) => c.startsWith('infracost diff'))
        .map((c) => /--path cdktf\.out\/stacks\/([\w-]+)\/plan\.json/.exec(c)![1]);
      expect(priced.sort()).toEqual([...planned].sort());
      for (const stack of planned) expect(run.leftIn(stack)).not.toContain('plan.json');
      expect(run.summary).toContain('### Cost difference (monthly, list prices)\n\n| Project | Monthly cost change |');
    });

    it('says how to turn it on without a key, runs only with one, and shows the key to no other step', () => {
      const without = runScript(check, {}, { INFRACOST_API_KEY: '' });
      expect(without.status, without.output).toBe(0);
      expect(without.outputs).toBe('');
      expect(without.summary).toContain('Cost difference skipped: set the repository secret INFRACOST_API_KEY');
      const withKey = runScript(check, {}, { INFRACOST_API_KEY: 'ico-test' });
      expect(withKey.outputs).toBe('enabled=true\n');
      expect(withKey.summary).toBe('');
      const job = workflow('pull-request.yml').jobs.plan;
      const seeing = job.steps!.filter((s) => JSON.stringify(s).includes('secrets.INFRACOST_API_KEY')).map((s) => s.id ?? s.uses);
      expect(seeing).toEqual(['cost', expect.stringMatching(/^infracost\/actions\/setup@/)]);
      expect(difference.if).toBe("steps.cost.outputs.enabled == 'true'");
    });
  });

  describe('apply-environment.yml apply', () => {
    const script = step('apply-environment.yml', 'apply', 'apply').run!;

    it('plans, shows and applies the saved plan of each stack in order, skipping stacks without changes', () => {
      const run = runScript(script, { network: 2, data: 2, cluster: 0, app: 2, platform: 2 }, { VPC_RUNNER: 'mlops-dev-runner' });
      expect(run.status, run.output).toBe(0);
      const expected = order.flatMap((stack) => [
        `${stack} init -input=false -no-color`,
        `${stack} plan -input=false -detailed-exitcode -no-color -out=tfplan`,
        `${stack} show -no-color tfplan`,
        ...(stack === 'mlops-dev-cluster' ? [] : [`${stack} apply -input=false -no-color tfplan`]),
      ]);
      expect(run.calls).toEqual(expected);
      expect(run.summary).toContain('<summary>mlops-dev-network: Plan: 3 to add, 1 to change, 2 to destroy.</summary>');
      expect(run.summary).toContain('- mlops-dev-cluster: no changes');
    });

    it('leaves the platform stack, with the reason, where there is no runner inside the VPC', () => {
      const run = runScript(script, { network: 2, data: 2, cluster: 2, app: 2, platform: 2 });
      expect(run.status, run.output).toBe(0);
      expect(run.calls.map((c) => c.split(' ')[0])).not.toContain('mlops-dev-platform');
      expect(run.calls.filter((c) => c.split(' ')[1] === 'apply').map((c) => c.split(' ')[0])).toEqual(outsideVpc());
      expect(run.summary).toContain('- mlops-dev-platform: **not applied**: the cluster API is private');
      expect(run.output).toContain('::warning::mlops-dev-platform not applied');
    });

    it('stops at the first stack that cannot plan', () => {
      const run = runScript(script, { network: 2, data: 1, cluster: 2, app: 2, platform: 2 }, { VPC_RUNNER: 'mlops-dev-runner' });
      expect(run.status).toBe(1);
      const failedAt = order.indexOf('mlops-dev-data');
      expect(run.calls.map((c) => c.split(' ')[0])).not.toContain(order[failedAt + 1]);
      expect(run.calls.filter((c) => c.split(' ')[1] === 'apply').map((c) => c.split(' ')[0])).toEqual(order.slice(0, failedAt));
      expect(run.summary).toContain('- mlops-dev-data: **plan failed**');
    });
  });
});
