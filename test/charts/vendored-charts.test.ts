import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { VENDOR_DIR } from '../../constructs/helm/vendored-chart';
import { readArchive } from '../../scripts/charts/archive';
import { resources } from '../support/synth';
import { synthesizedOutdir, synthesizedStack, synthesizedStackNames } from '../support/synthesized';

// Every upstream chart a release pins is in charts/vendor, as SOURCES.md says where it came from, with the
// sums SHA256SUMS records; releases install from those archives and from nothing else.
const archives = readdirSync(VENDOR_DIR)
  .filter((f) => f.endsWith('.tgz'))
  .sort();
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface ChartYaml {
  name: string;
  version: string;
  dependencies?: { name: string; alias?: string }[];
}

/** The archive's own Chart.yaml and the charts inside its `charts/` folder. */
function chartOf(archive: string): { chart: ChartYaml; bundled: string[] } {
  const files = readArchive(join(VENDOR_DIR, archive));
  const top = [...files.keys()].find((f) => /^[^/]+\/Chart\.yaml$/.test(f))!;
  const root = top.split('/')[0];
  // A dependency is unpacked (`charts/<name>/Chart.yaml`) or an archive as `helm dependency update` leaves it
  // (`charts/<name>-<version>.tgz`).
  const bundled = [...files.keys()].flatMap((f) => {
    const m = new RegExp(`^${root}/charts/([^/]+)/Chart\\.yaml$`).exec(f);
    if (m) return [(load(files.get(f)!.toString('utf8')) as ChartYaml).name];
    const archived = new RegExp(`^${root}/charts/(.+)-\\d[^/]*\\.tgz$`).exec(f);
    return archived ? [archived[1]] : [];
  });
  return { chart: load(files.get(top)!.toString('utf8')) as ChartYaml, bundled };
}

/** Every helm_release of the synthesized stacks that installs a vendored archive. */
const vendoredReleases = synthesizedStackNames().flatMap((stack) =>
  Object.entries(resources(synthesizedStack(stack), 'helm_release')).flatMap(([id, release]) => {
    const chart = String(release.chart);
    return chart.includes('/VendoredChart-') ? [{ stack, id, chart, version: String(release.version) }] : [];
  }),
);

describe('vendored charts', () => {
  it('records the SHA-256 of every archive, and every archive matches it', () => {
    const sums = new Map(
      readFileSync(join(VENDOR_DIR, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).reverse() as [string, string]),
    );
    expect([...sums.keys()].sort()).toEqual(archives);
    for (const archive of archives) expect(sha256(join(VENDOR_DIR, archive)), archive).toBe(sums.get(archive));
  });

  it('says in SOURCES.md where each archive comes from', () => {
    const sources = readFileSync(join(VENDOR_DIR, 'SOURCES.md'), 'utf8');
    // The first cell of a row names the archives it describes.
    const described = sources
      .split('\n')
      .flatMap((line) => (line.startsWith('| `') ? [...line.split('|')[1].matchAll(/`([^`]+\.tgz)`/g)].map((m) => m[1]) : []));
    expect(archives.filter((a) => !described.includes(a))).toEqual([]);
  });

  it.each(archives)('%s is named after its Chart.yaml and holds the charts it depends on', (archive) => {
    const { chart, bundled } = chartOf(archive);
    expect(archive).toBe(`${chart.name}-${chart.version}.tgz`);
    for (const dependency of chart.dependencies ?? []) expect(bundled, `${archive} lacks ${dependency.name}`).toContain(dependency.name);
  });

  it('installs every upstream chart from its archive, never from a repository, at the version the archive holds', () => {
    expect(vendoredReleases.length).toBeGreaterThan(0);
    for (const { stack, id, chart, version } of vendoredReleases) {
      const archive = basename(chart);
      expect(archives, `${stack} ${id}: no charts/vendor/${archive}`).toContain(archive);
      expect(chartOf(archive).chart.version, `${stack} ${id}`).toBe(version);
      // The stack's copy is the vendored file itself.
      expect(sha256(join(synthesizedOutdir(), 'stacks', stack, chart)), `${stack} ${id}`).toBe(sha256(join(VENDOR_DIR, archive)));
    }
    const fromRepositories = synthesizedStackNames().flatMap((stack) =>
      Object.entries(resources(synthesizedStack(stack), 'helm_release'))
        .filter(([, r]) => r.repository !== undefined)
        .map(([id]) => `${stack} ${id}`),
    );
    expect(fromRepositories).toEqual([]);
  });

  it('keeps no archive that no release installs', () => {
    const used = new Set(vendoredReleases.map((r) => basename(r.chart)));
    expect(archives.filter((a) => !used.has(a))).toEqual([]);
  });
});
