import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { poolPlacement, poolTaints } from '../../../constructs/cluster/node-pool';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { NvidiaDevicePlugin } from '../../../constructs/platform/gpu';
import { unknownKeys } from '../../support/chart-values';
import { resources, synthScope } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const GPU = poolPlacement('gpu', poolTaints('gpu', true, [], 'nvidia'));
const TRAINING = poolPlacement('training', poolTaints('training', true, [], 'nvidia'));

function plugin(gpuPools = [GPU]) {
  let created: NvidiaDevicePlugin | undefined;
  const json = synthScope((scope) => {
    created = new NvidiaDevicePlugin(scope, 'Plugin', {
      namespace: 'nvidia-device-plugin',
      values: loadValuesFiles('nvidia-device-plugin', 'dev'),
      gpuPools,
    });
  });
  const [release] = Object.values(resources(json, 'helm_release'));
  return { plugin: created!, release, values: parse((release.values as string[])[0]) as Record<string, unknown> };
}

describe('NvidiaDevicePlugin', () => {
  it('installs the vendored chart on GPU nodes only, tolerating every GPU pool once', () => {
    const { release, values } = plugin([GPU, TRAINING, GPU]);
    expect(release).toMatchObject({ chart: vendoredChart('nvidia-device-plugin', '0.20.0'), namespace: 'nvidia-device-plugin' });
    expect(values.tolerations).toEqual([
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { key: 'mlops-platform/node-pool', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
      { key: 'mlops-platform/node-pool', operator: 'Equal', value: 'training', effect: 'NoSchedule' },
    ]);
    // One term, on the label GPU pools carry (the chart's other terms need node feature discovery, which is off).
    expect(values.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.present', operator: 'In', values: ['true'] }] }],
        },
      },
    });
    expect(values).toMatchObject({ gfd: { enabled: false }, nfd: { enabled: false } });
  });

  it('runs the plugin with requests and limits, no privilege, no capability and a read-only root', () => {
    const { values } = plugin();
    expect(values.resources).toMatchObject({
      requests: { cpu: expect.any(String), memory: expect.any(String) },
      limits: { memory: expect.any(String) },
    });
    expect(values.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    expect(unknownKeys('nvidia-device-plugin', values, ['podSecurityContext', 'securityContext', 'nfd'])).toEqual([]);
  });

  it('needs a GPU pool to run on', () => {
    expect(() => plugin([])).toThrow(/gpuPools must name at least one GPU pool/);
  });
});
