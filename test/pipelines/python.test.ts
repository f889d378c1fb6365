import { describe, expect, inject, it } from 'vitest';
import { REQUIRE_PYTHON, skipWithoutPython } from '../support/python';

// Python tier: the pipeline steps' logic (pipelines/tests) and the DAGs' helpers (dags/tests), with pytest on
// Debian's packages, run by the global setup while the app synthesizes (test/support/python.ts). Skips with the
// reason where Python or a package is missing; MLOPS_REQUIRE_PYTHON=1 (CI) makes that a failure.
const run = inject('pythonTier');

describe('Python tier', () => {
  it('passes pytest over the pipeline steps and the DAG helpers', (context) => {
    skipWithoutPython(run.python, context);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/\d+ passed/);
    // A check pytest skips (one needs Debian's dpkg) is one CI must run.
    if (process.env[REQUIRE_PYTHON] === '1') expect(run.output).not.toMatch(/skipped/);
  });
});
