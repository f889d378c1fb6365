// Trims a Kubernetes OpenAPI v2 document (`swagger.json` of a release branch) to the definitions the render
// checks validate objects against, without descriptions, plus the kinds that live in a namespace: `tsx scripts/render/trim-openapi.ts <in> <out>`.
import { readFileSync, writeFileSync } from 'node:fs';

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === 'object') {
    // A documentation string goes; a property named `description` (JSONSchemaProps has one) stays.
    const entries = Object.entries(node).filter(([key, value]) => !(key === 'description' && typeof value === 'string'));
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => [key, strip(value)]));
  }
  return node;
}

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: tsx scripts/render/trim-openapi.ts <swagger.json> <out.json>');
type Operation = { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string } };
const swagger = JSON.parse(readFileSync(input, 'utf8')) as { definitions: unknown; paths: Record<string, Record<string, Operation>> };
// Which kinds live in a namespace: those served under a `/namespaces/{namespace}/` path.
const namespaced = new Set<string>();
for (const [path, operations] of Object.entries(swagger.paths)) {
  if (!path.includes('/namespaces/{namespace}/')) continue;
  for (const operation of Object.values(operations)) {
    const gvk = operation['x-kubernetes-group-version-kind'];
    if (gvk) namespaced.add(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`);
  }
}
const trimmed = { definitions: strip(swagger.definitions), namespaced: [...namespaced].sort() };
writeFileSync(output, `${JSON.stringify(trimmed, null, 1)}\n`);
