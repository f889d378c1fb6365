import { describe, expect, it } from 'vitest';
import { synthesizedStackNames, synthesizedText } from '../support/synthesized';

// One reviewed snapshot per stack per environment: review a diff here as you would a plan.
describe('synthesized stacks', () => {
  it('are the bootstrap and the five layers of each shipped environment', () => {
    expect(synthesizedStackNames().sort()).toEqual(
      ['dev', 'prod', 'staging'].flatMap((env) =>
        ['bootstrap', 'cluster', 'data', 'identity', 'network', 'platform'].map((layer) => `mlops-${env}-${layer}`),
      ),
    );
  });

  it.each(synthesizedStackNames())('%s matches its snapshot', async (stack) => {
    await expect(synthesizedText(stack)).toMatchFileSnapshot(`__snapshots__/${stack}.tf.json`);
  });
});
