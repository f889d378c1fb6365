import { App, Testing } from 'cdktf';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addEnvironment } from '../../src/app';
import { environment, resources } from '../support/synth';

describe('served models', () => {
  it('each get an InferenceService and a host on the internal load balancer', () => {
    const config = environment({
      backend: { type: 's3', bucket: 'mlops-tfstate-123456789012-eu-west-1' },
      platform: {
        airflow: { dags: { repository: 'https://github.com/example-org/dags.git' } },
        serving: {
          models: {
            churn: {
              artifactPath: 'mlflow/1/abc/artifacts/model',
              resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
            },
          },
        },
      },
    });
    const { platform } = addEnvironment(new App({ outdir: mkdtempSync(join(tmpdir(), 'models-')) }), config);
    const releases = Object.values(resources(JSON.parse(Testing.synth(platform)), 'helm_release'));
    const manifests = (name: string) =>
      parse((releases.find((r) => r.name === name)!.values as string[])[0]).manifests as {
        kind: string;
        metadata: { name: string };
        spec: Record<string, unknown>;
      }[];
    expect(manifests('model-serving').some((m) => m.kind === 'InferenceService' && m.metadata.name === 'churn')).toBe(true);
    const route = manifests('mlops-platform-ingress').find((m) => m.kind === 'Ingress' && m.metadata.name.includes('churn'))!;
    expect(JSON.stringify(route.spec)).toMatch(/"host":"churn\.models\.test\.mlops\.internal".*"name":"churn-predictor"/);
  });
});
