import { Testing, type TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { parseEnvironment } from '../../src/config/load';
import type { EnvironmentConfig } from '../../src/config/schema';

/** Synthesized Terraform JSON of one stack. */
export type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, unknown[]>;
  terraform?: Record<string, unknown>;
  output?: Record<string, unknown>;
};

/** Synthesizes one stack to parsed JSON. */
export function synthStack(stack: TerraformStack): StackJson {
  return JSON.parse(Testing.synth(stack)) as StackJson;
}

/** Builds constructs inside a throwaway stack and returns its JSON. */
export function synthScope(build: (scope: Construct) => void): StackJson {
  return JSON.parse(Testing.synthScope(build)) as StackJson;
}

/** All resources of `type` in a stack, keyed by logical id. */
export function resources(json: StackJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The single resource of `type`; fails the test when there is not exactly one. */
export function onlyResource(json: StackJson, type: string): Record<string, unknown> {
  const all = Object.values(resources(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** All data sources of `type`, keyed by logical id. */
export function dataSources(json: StackJson, type: string): Record<string, Record<string, unknown>> {
  return json.data?.[type] ?? {};
}

/** A valid environment to start fixtures from; `overrides` are deep-merged into it. */
export function environment(overrides: Record<string, unknown> = {}, name = 'test'): EnvironmentConfig {
  const base = {
    aws: { accountId: '123456789012', region: 'eu-west-1' },
    owner: 'team',
    costCenter: 'cc',
    delivery: { githubRepository: 'example-org/mlops-platform' },
    network: { vpcCidr: '10.0.0.0/16', azCount: 2 },
    cluster: {
      kubernetesVersion: '1.35',
      adminPrincipalArns: ['arn:aws:iam::123456789012:role/admin'],
      nodePools: {
        general: { instanceTypes: ['m7i.large'], minSize: 1, desiredSize: 1, maxSize: 2 },
        compute: { instanceTypes: ['m7i.xlarge'], minSize: 0, desiredSize: 0, maxSize: 2 },
        storage: { instanceTypes: ['r7i.large'], minSize: 1, desiredSize: 1, maxSize: 2 },
      },
    },
    database: { instanceClass: 'db.t4g.medium' },
    cache: { nodeType: 'cache.t4g.small' },
    platform: { airflow: { dags: { repository: 'https://github.com/example-org/dags.git' } } },
  };
  return parseEnvironment(`${name}.yaml`, JSON.stringify(deepMerge(base, overrides)));
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const result = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const current = result[key];
    result[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return result;
}
