import { expect } from 'vitest';

/** Matches `helm_release.chart` of a release installed from the vendored archive of `chart` at `version`. */
export function vendoredChart(chart: string, version: string): unknown {
  const escaped = `${chart}-${version}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return expect.stringMatching(new RegExp(`^assets/VendoredChart-[^/]+/[0-9A-F]+/${escaped}\\.tgz$`));
}
