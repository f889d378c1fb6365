import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HelmRelease, type HelmReleaseProps } from '../../constructs/helm/helm-release';
import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { mergeValues, renderValues } from '../../constructs/helm/values';
import { onlyResource, resources, synthScope } from '../support/synth';
import { vendoredChart } from '../support/vendored';

// A chart the project vendors: an upstream release installs from its archive in charts/vendor.
const chart = { repository: 'https://airflow.apache.org', chart: 'airflow', version: '1.20.0' };

function release(props: Partial<HelmReleaseProps> = {}) {
  return synthScope(
    (scope) => void new HelmRelease(scope, 'Thing', { releaseName: 'thing', namespace: 'things', chart, values: {}, ...props }),
  );
}

describe('mergeValues', () => {
  it('merges mappings key by key, later layers winning, and replaces lists whole', () => {
    const merged = mergeValues({ a: { b: 1, c: [1, 2] }, d: 'x' }, undefined, { a: { c: [3] }, d: 'y' }, { a: { e: true } });
    expect(merged).toEqual({ a: { b: 1, c: [3], e: true }, d: 'y' });
  });

  it('never modifies its layers', () => {
    const file = { a: { b: 1 } };
    mergeValues(file, { a: { b: 2 } });
    expect(file).toEqual({ a: { b: 1 } });
  });
});

describe('HelmRelease', () => {
  it('pins the chart, installs atomically and waits, with the layers rendered as one YAML document', () => {
    const json = release({
      values: {
        file: { replicas: 1, image: { tag: 'a' } },
        environment: { replicas: 2 },
        computed: { image: { tag: 'b' } },
        overrides: { extra: true },
      },
    });
    const helm = onlyResource(json, 'helm_release');
    expect(helm).toMatchObject({
      name: 'thing',
      namespace: 'things',
      chart: vendoredChart('airflow', '1.20.0'),
      version: '1.20.0',
      atomic: true,
      wait: true,
      cleanup_on_fail: true,
      create_namespace: false,
      timeout: 600,
    });
    expect(parse((helm.values as string[])[0])).toEqual({ replicas: 2, image: { tag: 'b' }, extra: true });
    expect(helm).not.toHaveProperty('repository');
  });

  it('refuses an upstream chart that has no vendored archive, saying how to vendor it', () => {
    expect(() => release({ chart: { repository: 'https://charts.example.org', chart: 'thing', version: '1.2.3' } })).toThrow(
      /chart thing 1\.2\.3 has no archive at .*charts\/vendor\/thing-1\.2\.3\.tgz; vendor it with 'npm run charts:pull -- thing 1\.2\.3 https:\/\/charts\.example\.org'/,
    );
  });

  it('escapes literal ${ and %{ for Terraform, leaving references to other resources alone', () => {
    const json = synthScope((scope) => {
      const other = new HelmRelease(scope, 'Other', { releaseName: 'other', namespace: 'things', chart, values: {} });
      new HelmRelease(scope, 'Thing', {
        releaseName: 'thing',
        namespace: 'things',
        chart,
        values: { file: { script: 'jar="${url##*/}"; echo %{x} $${y}', ref: other.release.name } },
      });
    });
    const thing = Object.values(resources(json, 'helm_release')).find((r) => r.name === 'thing')!;
    const text = (thing.values as string[])[0];
    expect(text).toContain('jar="$${url##*/}"; echo %%{x} $$${y}');
    expect(text).toMatch(/ref: \$\{helm_release\.Other_Release_[0-9A-F]+\.name\}/);
  });

  it.each([
    [{ chart: { ...chart, version: '^1.2' } }, /chart version '\^1.2' must be an exact version/],
    [{ releaseName: 'Thing' }, /releaseName 'Thing' must be a lower-case DNS label/],
    [{ timeoutSeconds: 10 }, /timeoutSeconds must be from 60 to 3600 \(got 10\)/],
  ])('rejects %o', (props, message) => {
    expect(() => release(props)).toThrow(message);
  });

  it('renders YAML that reads back to the same values', () => {
    const values = { s: 'yes', n: '010', list: [{ k: 'v' }], empty: {} };
    expect(parse(renderValues(values))).toEqual(values);
  });
});

describe('ManifestsRelease', () => {
  const object = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { a: 'b' } });

  it('installs the objects through the project chart, copied into the stack once', () => {
    const json = synthScope((scope) => {
      new ManifestsRelease(scope, 'One', { releaseName: 'one', namespace: 'ns', manifests: [object('a')] });
      new ManifestsRelease(scope, 'Two', { releaseName: 'two', namespace: 'ns', manifests: [object('b')] });
    });
    const releases = Object.values(resources(json, 'helm_release'));
    expect(new Set(releases.map((r) => r.chart)).size).toBe(1);
    expect(releases[0].chart).toMatch(/^assets\/ManifestsChart\//);
    expect(parse((releases[0].values as string[])[0])).toEqual({ manifests: [object('a')] });
  });

  it('refuses the same object twice', () => {
    expect(() =>
      synthScope(
        (scope) => void new ManifestsRelease(scope, 'R', { releaseName: 'r', namespace: 'ns', manifests: [object('a'), object('a')] }),
      ),
    ).toThrow(/ConfigMap\/ns\/a appears twice/);
  });
});
