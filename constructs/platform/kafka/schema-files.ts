import { Type } from 'avsc';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Compatibility checked when a new version of a subject's schema is registered. */
export type SchemaCompatibility =
  'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

/** How a topic's value schema is named in the registry (Confluent's serializers' `value.subject.name.strategy`). */
export type SubjectNameStrategy = 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy';

/** One version of a topic's value schema, as kept in the repository: `schemas/<topic>/<version>.avsc`. */
export interface SchemaVersion {
  readonly version: number;
  /** Relative to the schemas folder, for messages. */
  readonly file: string;
  readonly text: string;
}

/**
 * The versions of `topic`'s value schema in `dir` (`<dir>/<topic>/1.avsc`, `2.avsc`, …), oldest first.
 * Throws, naming the file, when the folder is missing or empty, a version is skipped, or a file is not an
 * Avro schema.
 */
export function readSchemaVersions(dir: string, topic: string): SchemaVersion[] {
  const folder = join(dir, topic);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`schemas/${topic}/ holds no schema (add 1.avsc)`);
  const files = readdirSync(folder).filter((f) => f.endsWith('.avsc'));
  const versions = files
    .map((file) => ({ file, version: /^[1-9]\d*\.avsc$/.test(file) ? Number(file.slice(0, -5)) : NaN }))
    .sort((a, b) => a.version - b.version);
  if (versions.length === 0) throw new Error(`schemas/${topic}/ holds no schema (add 1.avsc)`);
  versions.forEach(({ file, version }, index) => {
    if (version !== index + 1) throw new Error(`schemas/${topic}/${file}: versions are named 1.avsc, 2.avsc, … without gaps`);
  });
  return versions.map(({ file, version }) => {
    const text = readFileSync(join(folder, file), 'utf8');
    try {
      Type.forSchema(JSON.parse(text) as never);
    } catch (error) {
      throw new Error(`schemas/${topic}/${file}: not an Avro schema: ${(error as Error).message}`);
    }
    return { version, file: `${topic}/${file}`, text };
  });
}

/**
 * Where a version breaks the compatibility the subject declares with the versions before it, as the registry
 * would refuse it: BACKWARD (readers of the new version read data of the previous one), FORWARD (readers of
 * the previous one read new data), FULL (both); the _TRANSITIVE levels against every earlier version.
 */
export function compatibilityProblems(versions: readonly SchemaVersion[], level: SchemaCompatibility): string[] {
  if (level === 'NONE') return [];
  const types = versions.map((v) => Type.forSchema(JSON.parse(v.text) as never));
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const transitive = level.endsWith('_TRANSITIVE');
  const problems: string[] = [];
  types.forEach((type, index) => {
    const earlier = transitive ? types.slice(0, index) : types.slice(Math.max(0, index - 1), index);
    earlier.forEach((previous, at) => {
      const against = versions[transitive ? at : index - 1].file;
      for (const [reader, writer, direction] of [
        ...(backward ? [[type, previous, 'read data written with'] as const] : []),
        ...(forward ? [[previous, type, 'be read by readers of'] as const] : []),
      ]) {
        try {
          reader.createResolver(writer);
        } catch (error) {
          problems.push(`${versions[index].file} cannot ${direction} ${against} (${level}): ${(error as Error).message}`);
        }
      }
    });
  });
  return problems;
}

/** The registry subject of a topic's value schema under `strategy`. */
export function valueSubject(topic: string, strategy: SubjectNameStrategy, latest: SchemaVersion): string {
  if (strategy === 'TopicNameStrategy') return `${topic}-value`;
  const { name, namespace } = JSON.parse(latest.text) as { name: string; namespace?: string };
  const record = name.includes('.') || !namespace ? name : `${namespace}.${name}`;
  return strategy === 'RecordNameStrategy' ? record : `${topic}-${record}`;
}
