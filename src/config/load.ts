import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { compatibilityProblems, readSchemaVersions, type SchemaVersion } from '../../constructs/platform/kafka/schema-files';
import { projectPath } from '../../constructs/project-path';
import { checkEnvironmentsTogether } from './aws-rules';
import { ConfigError, type ConfigProblem } from './config-error';
import { environmentSchema, type EnvironmentConfig } from './schema';

/** Where the environment files live: `MLOPS_ENVIRONMENTS_DIR`, else the shipped `environments/`. */
export const ENVIRONMENTS_DIR = process.env.MLOPS_ENVIRONMENTS_DIR ?? projectPath('environments');

const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** The largest environment file read (characters). */
export const MAX_FILE_CHARACTERS = 262_144;

/** Where topics' schemas live: `schemas/` beside the environments folder. */
export const SCHEMAS_DIR = projectPath('schemas');

/**
 * Parses and validates one environment's YAML text; `file` names it in error messages. Topics' schemas are
 * read from `schemasDir` and checked: each version parses, and keeps the topic's compatibility.
 */
export function parseEnvironment(file: string, text: string, schemasDir: string = SCHEMAS_DIR): EnvironmentConfig {
  const name = basename(file, extname(file));
  // Bounded before parsing: the biggest shipped file is a few KiB, and the parser holds the whole document.
  if (text.length > MAX_FILE_CHARACTERS)
    throw new ConfigError([
      { file, path: '', message: `is ${text.length} characters; an environment file holds at most ${MAX_FILE_CHARACTERS}` },
    ]);
  const problems: ConfigProblem[] = [];
  if (name === 'bootstrap') {
    problems.push({
      file,
      path: '',
      message: `environment name 'bootstrap' (the file name) would collide with the bootstrap stacks (mlops-bootstrap-<env>)`,
    });
  } else if (!ENVIRONMENT_NAME.test(name)) {
    problems.push({
      file,
      path: '',
      message: `environment name '${name}' (the file name) must be 1-12 lower-case letters or digits, starting with a letter`,
    });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    // `prettyErrors: false` keeps messages to one line; the position says where to look.
    const at = (e: (typeof document.errors)[number]) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return ` (line ${line}, column ${col})`;
    };
    throw new ConfigError([
      ...problems,
      ...document.errors.map((e) => ({ file, path: '', message: `invalid YAML${at(e)}: ${e.message}` })),
    ]);
  }
  let data: unknown;
  try {
    // The parser refuses aliases that expand without bound (a "billion laughs" file) instead of exhausting memory.
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError([...problems, { file, path: '', message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const result = environmentSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) problems.push(...result.error.issues.map((issue) => toProblem(file, issue)));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const topicSchemas = readTopicSchemas(file, result.data.platform.kafka.topics, schemasDir);
  if (topicSchemas.problems.length > 0) throw new ConfigError(topicSchemas.problems);
  return { ...result.data, name, topicSchemas: topicSchemas.versions };
}

/** The schema versions of every topic that declares one, and what is wrong with them, at the topic's `schema`. */
function readTopicSchemas(
  file: string,
  topics: EnvironmentConfig['platform']['kafka']['topics'],
  dir: string,
): { versions: Record<string, SchemaVersion[]>; problems: ConfigProblem[] } {
  const versions: Record<string, SchemaVersion[]> = {};
  const problems: ConfigProblem[] = [];
  for (const [topic, { schema }] of Object.entries(topics)) {
    if (!schema) continue;
    const path = `platform.kafka.topics.${topic}.schema`;
    try {
      versions[topic] = readSchemaVersions(dir, topic);
      for (const message of compatibilityProblems(versions[topic], schema.compatibility)) problems.push({ file, path, message });
    } catch (error) {
      problems.push({ file, path, message: (error as Error).message });
    }
  }
  return { versions, problems };
}

/** Reads and validates `file`; paths in messages are relative to the working directory. */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
  return parseEnvironment(relative(process.cwd(), file) || file, readFileSync(file, 'utf8'), join(dirname(resolve(file)), '..', 'schemas'));
}

/**
 * Loads every `*.yaml` in `dir`, collecting the problems of all files before throwing,
 * so one run reports everything that needs fixing.
 */
export function loadEnvironments(dir: string = ENVIRONMENTS_DIR): EnvironmentConfig[] {
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  const files = entries
    .filter((e) => e.name.endsWith('.yaml'))
    .map((e) => e.name)
    .sort();
  // What looks like an environment but would be skipped is a mistake to report, not to ignore.
  const problems: ConfigProblem[] = entries
    .filter((e) => (e.name.endsWith('.yaml') && !isFile(join(dir, e.name))) || e.name.endsWith('.yml'))
    .map((e) => ({
      file: relative(process.cwd(), join(dir, e.name)),
      path: '',
      message: e.name.endsWith('.yml')
        ? `environment files end in .yaml: rename it to ${e.name.slice(0, -4)}.yaml`
        : 'must be a file (an environment is one YAML file)',
    }));
  if (files.length === 0 && problems.length === 0)
    throw new ConfigError([{ file: relative(process.cwd(), dir), path: '', message: 'no environment files (*.yaml) found' }]);
  const environments: EnvironmentConfig[] = [];
  for (const file of files.filter((f) => isFile(join(dir, f)))) {
    try {
      environments.push(loadEnvironmentFile(join(dir, file)));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const names = environments.map((e) => e.name);
  checkEnvironmentsTogether(environments, names, (index, path, message) =>
    problems.push({ file: relative(process.cwd(), join(dir, `${names[index]}.yaml`)), path: path.join('.'), message }),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return environments;
}

function toProblem(file: string, issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return { file, path: keys.join(', '), message: 'unknown key: check the spelling (unknown keys are rejected, not ignored)' };
  }
  if (issue.code === 'invalid_key') {
    // A map key broke its rule (a topic or pool name): report the key's own rule, not zod's summary.
    return { file, path, message: `${issue.issues.map((inner) => inner.message).join('; ')} (got ${JSON.stringify(issue.input)})` };
  }
  if (issue.input === undefined && issue.code === 'invalid_type') {
    return { file, path, message: `is required (${issue.message.replace(/, received undefined$/, '')})` };
  }
  const got = issue.input === undefined || typeof issue.input === 'object' ? '' : ` (got ${JSON.stringify(issue.input)})`;
  return { file, path, message: `${issue.message}${got}` };
}

/** A regular file, following links; false for a directory, a dangling link or anything unreadable. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
