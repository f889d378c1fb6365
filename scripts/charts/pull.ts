// `npm run charts:pull -- <chart> <version> <repository>`: vendors an upstream chart where the network allows.
// Runs `helm pull` (the packaged archive, dependencies inside), checks its Chart.yaml, stores it as
// charts/vendor/<chart>-<version>.tgz and rewrites SHA256SUMS. Then add its row to charts/vendor/SOURCES.md
// and pin the version in the chart's construct; remove the archive of a version nothing pins any more.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { VENDOR_DIR } from '../../constructs/helm/vendored-chart';
import { locateHelm } from '../render/helm';
import { readArchive } from './archive';

function main(): void {
  const [chart, version, repository] = process.argv.slice(2);
  if (!chart || !version || !repository)
    throw new Error('usage: npm run charts:pull -- <chart> <version> <https://… or oci://… repository>');
  const helm = locateHelm();
  if (helm.path === undefined) throw new Error(helm.reason);
  const work = mkdtempSync(join(tmpdir(), 'mlops-pull-'));
  try {
    const source = repository.startsWith('oci://') ? [`${repository.replace(/\/$/, '')}/${chart}`] : [chart, '--repo', repository];
    execFileSync(helm.path, ['pull', ...source, '--version', version, '--destination', work], { stdio: 'inherit' });
    const [pulled] = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    const files = readArchive(join(work, pulled));
    const chartYaml = [...files.keys()].find((f) => /^[^/]+\/Chart\.yaml$/.test(f));
    const meta = load(files.get(chartYaml!)!.toString('utf8')) as { name: string; version: string };
    if (meta.name !== chart || meta.version !== version) throw new Error(`pulled ${meta.name} ${meta.version}, not ${chart} ${version}`);
    copyFileSync(join(work, pulled), join(VENDOR_DIR, `${chart}-${version}.tgz`));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const sums = readdirSync(VENDOR_DIR)
    .filter((f) => f.endsWith('.tgz'))
    .sort()
    .map(
      (f) =>
        `${createHash('sha256')
          .update(readFileSync(join(VENDOR_DIR, f)))
          .digest('hex')}  ${f}`,
    );
  writeFileSync(join(VENDOR_DIR, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  process.stdout.write(`vendored charts/vendor/${chart}-${version}.tgz; now describe it in charts/vendor/SOURCES.md and pin ${version}\n`);
}

main();
