import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/config/load';
import { synthesizedStackNames, synthesizedText } from '../support/synthesized';

// One reviewed snapshot per stack per environment: review a diff here as you would a plan.
describe('synthesized stacks', () => {
  it('are the five layers and the bootstrap of each shipped environment', () => {
    const layers = ['network', 'data', 'cluster', 'identity', 'platform'];
    const expected = loadEnvironments().flatMap(({ name: env, backend }) => [
      ...(backend.type === 's3' ? [`mlops-bootstrap-${env}`] : []),
      ...layers.map((layer) => `mlops-${env}-${layer}`),
    ]);
    expect(synthesizedStackNames().sort()).toEqual(expected.sort());
  });

  it.each(synthesizedStackNames())('%s matches its snapshot', async (stack) => {
    await expect(synthesizedText(stack)).toMatchFileSnapshot(`__snapshots__/${stack}.tf.json`);
  });
});
