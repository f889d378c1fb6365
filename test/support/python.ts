import { spawn, spawnSync } from 'node:child_process';

/** Set to 1 (CI) to make a missing Python or missing packages a failure instead of a skip. */
export const REQUIRE_PYTHON = 'MLOPS_REQUIRE_PYTHON';

/** The Debian packages the Python tier needs, by the module each provides (`.ci/run` installs them). */
export const PYTHON_PACKAGES: Readonly<Record<string, string>> = {
  pytest: 'python3-pytest',
  pandas: 'python3-pandas',
  sklearn: 'python3-sklearn',
  avro: 'python3-avro',
  yaml: 'python3-yaml',
};

/** The Python tier's tests: the pipeline steps' and the DAG helpers'. */
export const PYTHON_TEST_PATHS = ['pipelines/tests', 'dags/tests'] as const;

export type PythonLookup = { readonly path: string; readonly reason?: undefined } | { readonly path?: undefined; readonly reason: string };

/**
 * The first Python 3 that imports `modules`: `$MLOPS_PYTHON`, then `python3` on the PATH, then Debian's
 * `/usr/bin/python3` (a pyenv or venv `python3` first on the PATH does not see Debian's packages).
 */
export function findPython(modules: readonly string[] = []): PythonLookup {
  const candidates = [process.env.MLOPS_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  // Finds the modules without importing them: scikit-learn alone takes a second to import.
  const probe = `import importlib.util, sys; print(",".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))`;
  let missing = '';
  for (const candidate of new Set(candidates)) {
    const run = spawnSync(candidate, ['-c', probe, ...modules], { encoding: 'utf8' });
    if (run.error || run.status !== 0) continue;
    if (run.stdout.trim() === '') return { path: candidate };
    missing = run.stdout.trim().split(',')[0];
  }
  if (!missing) return { reason: 'no python3 on this machine' };
  return { reason: `python3 lacks the module ${missing} (Debian package ${PYTHON_PACKAGES[missing] ?? 'unknown'})` };
}

/** Skips the test with the reason where Python is missing; a failure where {@link REQUIRE_PYTHON} is 1. */
export function skipWithoutPython(python: PythonLookup, context: { skip: (note?: string) => void }): void {
  if (python.path !== undefined) return;
  if (process.env[REQUIRE_PYTHON] === '1') throw new Error(`${REQUIRE_PYTHON}=1 but ${python.reason}`);
  console.warn(`skipped Python checks: ${python.reason}`);
  context.skip(python.reason);
}

/** What a run of the Python tier's pytest printed, or why it could not run. */
export type PythonTierRun = { readonly python: PythonLookup; readonly status?: number | null; readonly output?: string };

/**
 * Runs pytest over {@link PYTHON_TEST_PATHS} in the background: the global setup starts it before synthesizing,
 * so it takes the core synthesis leaves idle instead of a test worker's time.
 */
export function startPythonTier(): Promise<PythonTierRun> {
  const python = findPython(Object.keys(PYTHON_PACKAGES));
  if (python.path === undefined) return Promise.resolve({ python });
  return new Promise((resolve) => {
    const child = spawn(python.path, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...PYTHON_TEST_PATHS], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ python, status: null, output: String(error) }));
    child.on('close', (status) => resolve({ python, status, output }));
  });
}
