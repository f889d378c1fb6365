/** One broken rule in one environment file. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted field path, e.g. `cluster.nodePools.compute.minSize`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when environment files are invalid; its message has one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}
