import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { existsSync } from 'node:fs';
import type { Construct } from 'constructs';
import { projectPath } from '../project-path';
import type { HelmChart } from './helm-release';

/** Where the packaged archives of pinned upstream charts live (see `charts/vendor/SOURCES.md`). */
export const VENDOR_DIR = projectPath('charts', 'vendor');

/**
 * The archive a pinned upstream chart installs from: `charts/vendor/<chart>-<version>.tgz`, the name
 * `helm pull` gives it. Releases never fetch from a repository, so an apply works without internet egress and
 * a re-tagged or deleted upstream chart cannot change a deploy.
 */
export function vendoredArchive(chart: HelmChart): string {
  return chart.archive ?? projectPath('charts', 'vendor', `${chart.chart}-${chart.version}.tgz`);
}

/**
 * The vendored archive of `chart` as a file asset of the stack (copied into its output once, however many
 * releases use it), for `helm_release.chart`. Fails synthesis when the archive is missing.
 */
export function vendoredChartAsset(scope: Construct, chart: HelmChart): TerraformAsset {
  const archive = vendoredArchive(chart);
  if (!existsSync(archive)) {
    throw new Error(
      `${scope.node.path}: chart ${chart.chart} ${chart.version} has no archive at ${archive}; ` +
        `vendor it with 'npm run charts:pull -- ${chart.chart} ${chart.version} ${chart.repository ?? '<repository>'}' (README: Add a Helm chart)`,
    );
  }
  const stack = TerraformStack.of(scope);
  const id = `VendoredChart-${chart.chart}-${chart.version}`;
  const existing = stack.node.tryFindChild(id);
  return existing instanceof TerraformAsset ? existing : new TerraformAsset(stack, id, { path: archive, type: AssetType.FILE });
}
