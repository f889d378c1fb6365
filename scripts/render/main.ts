// `npm run render [-- <environment>]`: renders every helm_release of the synthesized stacks (`npm run synth`
// first) through its chart, as Helm will install it, into rendered/<stack>/<release>.yaml under cdktf.out,
// to read or diff what a deploy would apply. Exits non-zero when a release does not render.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { locateHelm } from './helm';
import { readReleases } from './releases';
import { renderReleases } from './render';

async function main(): Promise<number> {
  const environment = process.argv[2];
  const outdir = resolve('cdktf.out');
  const helm = locateHelm();
  if (helm.path === undefined) throw new Error(helm.reason);
  const releases = readReleases(outdir).filter((r) => !environment || r.stack.startsWith(`mlops-${environment}-`));
  if (releases.length === 0)
    throw new Error(`no helm_release in ${outdir}${environment ? ` for ${environment}` : ''}: run npm run synth first`);
  let failed = 0;
  for (const { release, objects, error } of await renderReleases(releases, { helm: helm.path })) {
    const dir = join(outdir, 'rendered', release.stack);
    mkdirSync(dir, { recursive: true });
    if (error !== undefined) {
      failed++;
      process.stderr.write(`${release.stack} ${release.name}: ${error}\n`);
      continue;
    }
    writeFileSync(join(dir, `${release.name}.yaml`), objects.map((o) => `---\n${dump(o, { lineWidth: -1, noRefs: true })}`).join(''));
  }
  process.stdout.write(
    `rendered ${releases.length - failed} of ${releases.length} releases with Helm ${helm.version} into ${join(outdir, 'rendered')}\n`,
  );
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
