import { App } from 'cdktf';
import { addEnvironment } from './app';
import { ConfigError } from './config/config-error';
import { loadEnvironments } from './config/load';

/**
 * Validates every environment file, then builds and synthesizes all their stacks into `outdir`.
 * Config errors are printed one per line and exit non-zero before anything is written.
 */
export function synthesizeAll(outdir?: string): void {
  let environments;
  try {
    environments = loadEnvironments();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}):\n${error.message}\n`);
    process.exit(1);
  }
  const app = new App(outdir ? { outdir } : {});
  for (const environment of environments) addEnvironment(app, environment);
  app.synth();
}
