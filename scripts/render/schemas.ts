import { existsSync, readFileSync } from 'node:fs';
import { projectPath } from '../../constructs/project-path';
import type { RenderedObject } from './render';

/**
 * Validates rendered objects the way the API server decodes them with strict field validation: built-in
 * kinds against the OpenAPI definitions of the cluster's Kubernetes version, custom resources against the
 * `openAPIV3Schema` of the CRDs the releases render. Unknown fields are errors (Helm's client-side apply
 * would drop them without a word), as are wrong types, missing required fields and, for custom resources,
 * enum, pattern, length and range violations. CEL rules (`x-kubernetes-validations`) are not evaluated.
 * The walk follows the object, not the schema, so a large schema costs nothing where an object is small.
 */

/** A node of an OpenAPI v2 definition or a CRD's structural schema. */
interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly format?: string;
  readonly properties?: Record<string, Schema>;
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema;
  readonly required?: string[];
  readonly enum?: unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly allOf?: Schema[];
  readonly anyOf?: Schema[];
  readonly oneOf?: Schema[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
}

interface KubernetesApi {
  readonly definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
  readonly namespaced: string[];
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const OBJECT_META = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** `group/version/Kind` of an object (`v1/Pod` for the core group). */
export function gvk(object: Pick<RenderedObject, 'apiVersion' | 'kind'>): string {
  return `${object.apiVersion}/${object.kind}`;
}

/** What the validator knows: the built-in API of one Kubernetes version and the CRDs rendered beside it. */
export class Schemas {
  private readonly api: KubernetesApi;
  private readonly builtins = new Map<string, string>();
  private readonly namespacedKinds: Set<string>;
  private readonly crds = new Map<string, { schema: Schema; namespaced: boolean }>();

  /** Loads `test/fixtures/kubernetes-api/v<version>.json`; throws when the version has no file. */
  constructor(kubernetesVersion: string, crdObjects: RenderedObject[]) {
    const file = projectPath('test', 'fixtures', 'kubernetes-api', `v${kubernetesVersion}.json`);
    if (!existsSync(file)) throw new Error(`no Kubernetes ${kubernetesVersion} API schema at ${file} (see SOURCES.md beside it)`);
    this.api = JSON.parse(readFileSync(file, 'utf8')) as KubernetesApi;
    for (const [name, definition] of Object.entries(this.api.definitions)) {
      for (const k of definition['x-kubernetes-group-version-kind'] ?? [])
        this.builtins.set(`${k.group ? `${k.group}/` : ''}${k.version}/${k.kind}`, name);
    }
    this.namespacedKinds = new Set(this.api.namespaced);
    for (const crd of crdObjects) {
      const spec = crd.spec as {
        group: string;
        scope: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[];
      };
      for (const version of spec.versions) {
        this.crds.set(`${spec.group}/${version.name}/${spec.names.kind}`, {
          schema: version.schema?.openAPIV3Schema ?? { 'x-kubernetes-preserve-unknown-fields': true },
          namespaced: spec.scope === 'Namespaced',
        });
      }
    }
  }

  /** Whether objects of this kind live in a namespace; undefined when the kind is unknown. */
  isNamespaced(object: Pick<RenderedObject, 'apiVersion' | 'kind'>): boolean | undefined {
    const key = gvk(object);
    if (this.builtins.has(key)) return this.namespacedKinds.has(key);
    return this.crds.get(key)?.namespaced;
  }

  /** Whether a schema exists for the object's kind. */
  knows(object: Pick<RenderedObject, 'apiVersion' | 'kind'>): boolean {
    return this.builtins.has(gvk(object)) || this.crds.has(gvk(object));
  }

  /** The problems of one object, each `path: what is wrong`; empty when it is valid. */
  validate(object: RenderedObject): string[] {
    const key = gvk(object);
    const builtin = this.builtins.get(key);
    const problems: string[] = [];
    if (builtin) {
      this.walk(withoutNulls(object), { $ref: `#/definitions/${builtin}` }, '', problems, true);
    } else {
      const crd = this.crds.get(key);
      if (!crd) return [`no schema for ${key}`];
      const value = withoutNulls(object) as Record<string, unknown>;
      // The API server validates a custom resource's metadata as ObjectMeta, whatever its schema says.
      this.walk(value.metadata, { $ref: OBJECT_META }, '.metadata', problems, true);
      const root = crd.schema;
      this.walk(
        value,
        { ...root, properties: { ...root.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: {} } },
        '',
        problems,
        true,
      );
    }
    return problems;
  }

  private walk(value: unknown, schema: Schema, path: string, problems: string[], strict: boolean, builtin = false): void {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/definitions/', '');
      // Quantities are written as strings or plain numbers; both decode.
      if (name === QUANTITY) {
        if (typeof value !== 'string' && typeof value !== 'number')
          problems.push(`${path || '.'}: must be a quantity (got ${describe(value)})`);
        return;
      }
      const target = this.api.definitions[name];
      if (!target) return void problems.push(`${path}: schema ${name} is missing`);
      return this.walk(value, target, path, problems, strict, true);
    }
    for (const sub of schema.allOf ?? []) this.walk(value, sub, path, problems, strict, builtin);
    for (const alternatives of [schema.anyOf, schema.oneOf]) {
      if (!alternatives) continue;
      const passes = alternatives.some((sub) => {
        const found: string[] = [];
        this.walk(value, sub, path, found, false, builtin);
        return found.length === 0;
      });
      if (!passes)
        problems.push(
          `${path || '.'}: matches none of ${alternatives.map((a) => a.type ?? (a.required ? `required ${a.required.join(',')}` : 'schema')).join(' | ')}`,
        );
    }
    if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') {
      if (!(typeof value === 'string' || Number.isInteger(value)))
        problems.push(`${path || '.'}: must be an integer or a string (got ${describe(value)})`);
      return;
    }
    if (!typeMatches(value, schema.type)) return void problems.push(`${path || '.'}: must be ${schema.type} (got ${describe(value)})`);
    if (schema.enum && !schema.enum.some((e) => e === value))
      problems.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${JSON.stringify(value)})`);
    if (typeof value === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
        problems.push(`${path}: must match /${schema.pattern}/ (got ${JSON.stringify(value)})`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (typeof value === 'number') {
      if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum} (got ${value})`);
      if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: above ${schema.maximum} (got ${value})`);
    }
    if (Array.isArray(value)) {
      if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((item, i) => this.walk(item, schema.items!, `${path}[${i}]`, problems, strict, builtin));
      return;
    }
    if (!isObject(value)) return;
    for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${path}.${name}: required`);
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    for (const [key, child] of Object.entries(value)) {
      const property = schema.properties?.[key];
      const childPath = `${path}.${key}`;
      if (property) this.walk(child, property, childPath, problems, strict, builtin);
      else if (typeof schema.additionalProperties === 'object')
        this.walk(child, schema.additionalProperties, childPath, problems, strict, builtin);
      else if (schema.additionalProperties === true || preserve) continue;
      // A built-in object with no properties is free-form (RawExtension, FieldsV1); a CRD's prunes them.
      else if (!schema.properties && (builtin || schema.type === undefined)) continue;
      else if (strict) problems.push(`${childPath}: unknown field`);
    }
  }
}

function typeMatches(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** The API server drops null fields before it validates, so the validator does too. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  return value;
}
