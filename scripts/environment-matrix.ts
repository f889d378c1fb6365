// `npx tsx scripts/environment-matrix.ts <plan|pipeline-image>`: the GitHub Actions matrix of a workflow, from the
// environment files, as JSON (`{"include":[{"environment":"dev","variables":"DEV"}, …]}`). `plan`: the environments
// pull requests plan (not production); `pipeline-image`: those with pipelines. A new environment file joins them
// with no workflow change.
import { loadEnvironments } from '../src/config/load';
import type { EnvironmentConfig } from '../src/config/schema';

const MATRICES: Record<string, (environment: EnvironmentConfig) => boolean> = {
  plan: (environment) => !environment.production,
  'pipeline-image': (environment) => Object.keys(environment.platform.pipelines).length > 0,
};

/** The matrix `name` selects, in the environment files' order. */
export function environmentMatrix(
  name: string,
  environments: readonly EnvironmentConfig[],
): { include: { environment: string; variables: string }[] } {
  const selects = MATRICES[name];
  if (!selects) throw new Error(`unknown matrix '${name}' (${Object.keys(MATRICES).join(', ')})`);
  return {
    include: environments.filter(selects).map(({ name: environment }) => ({ environment, variables: environment.toUpperCase() })),
  };
}

function main(argv: string[]): number {
  if (argv.length !== 1) {
    process.stderr.write(`usage: tsx scripts/environment-matrix.ts <${Object.keys(MATRICES).join('|')}>\n`);
    return 2;
  }
  try {
    process.stdout.write(`${JSON.stringify(environmentMatrix(argv[0], loadEnvironments()))}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`environment-matrix: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
