import { App } from 'cdktf';
import { addEnvironment } from './app';
import { ConfigError } from './config/config-error';
import { loadEnvironments } from './config/load';
import type { EnvironmentConfig } from './config/schema';

/** Loads every environment file, or prints one line per problem and exits non-zero. */
export function loadEnvironmentsOrExit(): EnvironmentConfig[] {
  try {
    return loadEnvironments();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const count = error.problems.length;
    process.stderr.write(`Invalid configuration (${count} problem${count === 1 ? '' : 's'}):\n${error.message}\n`);
    process.exit(1);
  }
}

/** Builds and synthesizes the stacks of all `environments` into `outdir` (cdktf's choice when omitted). */
export function synthesize(environments: EnvironmentConfig[], outdir?: string): void {
  // Stack traces in metadata cost a third of synthesis and help nobody reading a plan.
  const app = new App({ stackTraces: false, ...(outdir ? { outdir } : {}) });
  for (const environment of environments) addEnvironment(app, environment);
  app.synth();
}
