import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findPython, PYTHON_PACKAGES, PYTHON_TEST_PATHS, REQUIRE_PYTHON, skipWithoutPython } from '../support/python';

// Python tier: the pipeline steps' logic (pipelines/tests) and the DAGs' helpers (dags/tests), with pytest on
// Debian's packages. Skips with the reason where Python or a package is missing; MLOPS_REQUIRE_PYTHON=1 (CI)
// makes that a failure.
const python = findPython(Object.keys(PYTHON_PACKAGES));

describe('Python tier', () => {
  it('passes pytest over the pipeline steps and the DAG helpers', (context) => {
    skipWithoutPython(python, context);
    const run = spawnSync(python.path!, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...PYTHON_TEST_PATHS], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/\d+ passed/);
    // A check pytest skips (one needs Debian's dpkg) is one CI must run.
    if (process.env[REQUIRE_PYTHON] === '1') expect(run.stdout).not.toMatch(/skipped/);
  }, 60_000);
});
