import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/config/load';
import { resources, type StackJson } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';

// Producers outside the cluster, as each environment file declares them: expectations come from the config.

type Manifest = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

function manifests(stack: StackJson, release: string): Manifest[] {
  const found = Object.values(resources(stack, 'helm_release')).find((r) => r.name === release)!;
  return (parse((found.values as string[])[0]) as { manifests: Manifest[] }).manifests;
}

const environments = loadEnvironments().filter((e) => e.platform.kafka.external);

describe.for(environments.map((e) => [e.name, e] as const))('%s external listener', ([, env]) => {
  const platform = synthesizedStack(`mlops-${env.name}-platform`);
  const identity = synthesizedStack(`mlops-${env.name}-identity`);
  const kafka = manifests(platform, 'kafka-cluster');

  it('listens on 9094 through internal load balancers only the allowed networks reach, with TLS and SCRAM', () => {
    const cluster = kafka.find((m) => m.kind === 'Kafka')!;
    const listeners = (cluster.spec!.kafka as { listeners: Record<string, unknown>[] }).listeners;
    expect(listeners.find((l) => l.name === 'external')).toMatchObject({
      port: 9094,
      type: 'loadbalancer',
      tls: true,
      authentication: { type: 'scram-sha-512' },
      configuration: {
        loadBalancerSourceRanges: env.platform.kafka.external!.allowedCidrs,
        bootstrap: { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' } },
      },
    });
  });

  it.for(Object.entries(env.platform.kafka.producers))(
    '%s writes its topics only, with the login kept in Secrets Manager',
    ([name, producer]) => {
      const secret = Object.values(resources(identity, 'aws_secretsmanager_secret')).find(
        (s) => s.name === `mlops-${env.name}/producers/${name}`,
      );
      expect(secret, 'its login is generated into Secrets Manager').toBeDefined();
      const user = kafka.find((m) => m.kind === 'KafkaUser' && m.metadata.name === name)!;
      const spec = user.spec as {
        authentication: { password: { valueFrom: { secretKeyRef: { name: string; key: string } } } };
        authorization: { acls: { resource: { type: string; name: string }; operations: string[] }[] };
      };
      const copy = manifests(platform, 'kafka-producers').find(
        (m) => m.metadata.name === spec.authentication.password.valueFrom.secretKeyRef.name,
      );
      expect(copy?.kind).toBe('ExternalSecret');
      const topics = spec.authorization.acls.filter((a) => a.resource.type === 'topic');
      expect(topics.map((a) => a.resource.name).sort()).toEqual([...producer.topics].sort());
      for (const acl of topics) expect(acl.operations).toEqual(['Write', 'Describe']);
    },
  );
});

describe('external listeners in the shipped environments', () => {
  it('are configured somewhere, so the wiring above is exercised', () => {
    expect(environments.length).toBeGreaterThan(0);
  });
});
