// `npm run bench`: what synthesis of every stack of every environment costs (the compiled app in dist/,
// as `npm run synth` and the cdktf CLI run it), against the cost of merely
// loading @cdktf/provider-aws's package index (the reason provider classes are imported from submodules).
// Budget on a 2-core machine: synthesis at most half the index load's time, and under 500 MB peak.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = join(__dirname, '..');
const REPORT = join(__dirname, 'bench', 'report-usage.cjs');
/** Loaded on purpose, in a child process, as the yardstick; sources never import it (test/imports.test.ts). */
const PROVIDER_INDEX = '@cdktf/provider-aws';

interface Sample {
  readonly seconds: number;
  readonly peakMiB: number;
}

/** Runs node with `args` in a fresh process; returns wall time and the child's own peak RSS. */
function measure(args: string[]): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', REPORT, ...args], { cwd: ROOT, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${result.stderr}`);
  const kb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr)?.[1]);
  return { seconds, peakMiB: kb / 1024 };
}

function median(samples: Sample[]): Sample {
  const by = (key: keyof Sample) => [...samples].sort((a, b) => a[key] - b[key])[Math.floor(samples.length / 2)][key];
  return { seconds: by('seconds'), peakMiB: by('peakMiB') };
}

function sampleOf(label: string, args: () => string[]): Sample {
  const samples = Array.from({ length: RUNS }, () => measure(args()));
  const result = median(samples);
  process.stdout.write(
    `${label.padEnd(44)} ${result.seconds.toFixed(2).padStart(6)} s  ${result.peakMiB.toFixed(0).padStart(5)} MiB  (median of ${RUNS})\n`,
  );
  return result;
}

const workdir = mkdtempSync(join(tmpdir(), 'mlops-bench-'));
try {
  let run = 0;
  const index = sampleOf("load @cdktf/provider-aws's package index", () => ['-e', `require(${JSON.stringify(PROVIDER_INDEX)})`]);
  const build = sampleOf('compile the app to dist/ (npm run build)', () => ['scripts/build.mjs']);
  const synth = sampleOf('synthesize all stacks of all environments', () => ['dist/src/synth.js', join(workdir, `out-${run++}`)]);
  const timeRatio = synth.seconds / index.seconds;
  const memoryRatio = synth.peakMiB / index.peakMiB;
  process.stdout.write(`\nsynthesis / index load: time ${timeRatio.toFixed(2)}, memory ${memoryRatio.toFixed(2)}\n`);
  process.stdout.write(
    `build + synthesis (what npm run synth runs) / index load: time ${((build.seconds + synth.seconds) / index.seconds).toFixed(2)}\n`,
  );
  const withinTime = timeRatio <= 0.5;
  const withinMemory = synth.peakMiB < 500;
  process.stdout.write(`budget: time ratio ≤ 0.50 ${withinTime ? 'met' : 'MISSED'}; peak < 500 MiB ${withinMemory ? 'met' : 'MISSED'}\n`);
  process.exitCode = withinTime && withinMemory ? 0 : 1;
} finally {
  rmSync(workdir, { recursive: true, force: true });
}
