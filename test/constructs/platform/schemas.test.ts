import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestsRelease } from '../../../constructs/helm/manifests-release';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import {
  compatibilityProblems,
  readSchemaVersions,
  SchemaRegistrations,
  valueSubject,
  type SchemaVersion,
} from '../../../constructs/platform/kafka';
import { loadEnvironments } from '../../../src/config/load';
import { synthScope } from '../../support/synth';

const record = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Trip', namespace: 'taxi', fields });
const version = (n: number, fields: object[]): SchemaVersion => ({ version: n, file: `trips/${n}.avsc`, text: record(fields) });
const id = { name: 'id', type: 'string' };
const v1 = version(1, [id]);
const withDefault = version(2, [id, { name: 'fare', type: 'double', default: 0 }]);
const withoutDefault = version(2, [id, { name: 'fare', type: 'double' }]);

describe('schema compatibility', () => {
  it('BACKWARD: a new version may add a field with a default, not one without', () => {
    expect(compatibilityProblems([v1, withDefault], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems([v1, withoutDefault], 'BACKWARD')).toEqual([
      expect.stringMatching(/^trips\/2\.avsc cannot read data written with trips\/1\.avsc \(BACKWARD\)/),
    ]);
  });

  it('FORWARD: readers of the previous version must read the new one (removing a field without a default breaks it)', () => {
    const removed = version(2, [{ name: 'other', type: 'string', default: '' }]);
    expect(compatibilityProblems([v1, withoutDefault], 'FORWARD')).toEqual([]);
    expect(compatibilityProblems([v1, removed], 'FORWARD')).toEqual([
      expect.stringMatching(/cannot be read by readers of trips\/1\.avsc \(FORWARD\)/),
    ]);
    expect(compatibilityProblems([v1, removed], 'FULL')).toHaveLength(1);
  });

  it('checks against every earlier version only where transitive', () => {
    // 2 adds `fare` with a default, 3 drops the default: 3 reads 2's data, not 1's.
    const three = version(3, [id, { name: 'fare', type: 'double' }]);
    expect(compatibilityProblems([v1, withDefault, three], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems([v1, withDefault, three], 'BACKWARD_TRANSITIVE')).toEqual([
      expect.stringMatching(/^trips\/3\.avsc cannot read data written with trips\/1\.avsc/),
    ]);
    expect(compatibilityProblems([v1, withoutDefault], 'NONE')).toEqual([]);
  });

  it('names subjects as Confluent serializers do', () => {
    expect(valueSubject('trips', 'TopicNameStrategy', v1)).toBe('trips-value');
    expect(valueSubject('trips', 'RecordNameStrategy', v1)).toBe('taxi.Trip');
    expect(valueSubject('trips', 'TopicRecordNameStrategy', v1)).toBe('trips-taxi.Trip');
  });
});

describe('schema files', () => {
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
    mkdirSync(join(dir, 'trips'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'trips', name), text);
    return dir;
  };

  it('are read oldest first, named by version', () => {
    const versions = readSchemaVersions(folder({ '2.avsc': withDefault.text, '1.avsc': v1.text }), 'trips');
    expect(versions.map((v) => [v.version, v.file])).toEqual([
      [1, 'trips/1.avsc'],
      [2, 'trips/2.avsc'],
    ]);
  });

  it('refuse a missing folder, a gap between versions and a file that is not an Avro schema', () => {
    expect(() => readSchemaVersions(folder({}), 'rides')).toThrow('schemas/rides/ holds no schema (add 1.avsc)');
    expect(() => readSchemaVersions(folder({ '1.avsc': v1.text, '3.avsc': v1.text }), 'trips')).toThrow(
      /trips\/3\.avsc: versions are named/,
    );
    expect(() => readSchemaVersions(folder({ '1.avsc': '{"type": "recrod"}' }), 'trips')).toThrow(/trips\/1\.avsc: not an Avro schema/);
  });

  it('of the shipped environments all parse and keep their declared compatibility', () => {
    const checked = loadEnvironments().flatMap((env) =>
      Object.entries(env.topicSchemas).map(([topic, versions]) => {
        expect(compatibilityProblems(versions, env.platform.kafka.topics[topic].schema!.compatibility)).toEqual([]);
        return topic;
      }),
    );
    expect(checked.length).toBeGreaterThan(0);
  });
});

describe('SchemaRegistrations', () => {
  const registry = {
    url: 'http://schema-registry.kafka.svc:8081',
    namespace: 'kafka',
    loginSecretNames: { admin: 'schema-registry-login-admin' },
  };
  function build(versions: SchemaVersion[]): KubernetesObject[] {
    let manifests: KubernetesObject[] = [];
    synthScope((scope) => {
      const release = new ManifestsRelease(scope, 'Registry', { releaseName: 'schema-registry', namespace: 'kafka', manifests: [] });
      manifests = new SchemaRegistrations(scope, 'Schemas', {
        registry: { ...registry, release },
        subjects: { 'trips-value': { compatibility: 'BACKWARD', versions } },
        placement: { nodeSelector: { pool: 'general' }, tolerations: [] },
      }).release.manifests;
    });
    return manifests;
  }

  it('hands the Job every version in order, with the compatibility, and the admin login from its Secret', () => {
    const [config, job] = build([v1, withDefault]);
    expect(JSON.parse((config.data as Record<string, string>)['subjects.json'])).toEqual({
      'trips-value': { compatibility: 'BACKWARD', files: ['trips__1.avsc', 'trips__2.avsc'] },
    });
    expect((config.data as Record<string, string>)['trips__2.avsc']).toBe(withDefault.text);
    const container = (job.spec as { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } }).template.spec
      .containers[0];
    expect(container.env).toContainEqual({
      name: 'REGISTRY_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'schema-registry-login-admin', key: 'password' } },
    });
  });

  it('runs a new Job when a schema changes, and the same one when nothing does', () => {
    const name = (versions: SchemaVersion[]) => build(versions)[1].metadata.name;
    expect(name([v1])).toBe(name([v1]));
    expect(name([v1, withDefault])).not.toBe(name([v1]));
  });
});
