import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Terraform reads every string of a configuration as a template: a literal `${` or `%{` that is not
 * escaped (`$${`, `%%{`) fails `terraform plan` ("Unclosed template interpolation sequence", "Invalid
 * reference"). A stack whose providers are not at hand cannot be validated, so its strings are checked on
 * their own: each becomes a local of a module that needs no provider, with the references to the stack's
 * resources and data sources turned into input variables (unknown during validation, so any attribute of
 * them is accepted). Validating that module with terraform parses every string exactly as a plan would.
 */

/** Suffix of the module directory that holds a stack's strings, beside the stack's own in the harness. */
export const TEMPLATES_SUFFIX = '-templates';

interface StackJson {
  resource?: Record<string, Record<string, unknown>>;
  data?: Record<string, Record<string, unknown>>;
  locals?: Record<string, unknown>;
  output?: Record<string, unknown>;
  variable?: Record<string, unknown>;
}

/** One string of the stack: where it is (`helm_release.airflow_Release_….values[0]`) and its text. */
export interface TemplateString {
  readonly where: string;
  readonly text: string;
  /** Line of the template module where its local starts (set by {@link writeTemplateModule}). */
  readonly line?: number;
}

/** Every string in the resources, data sources, locals and outputs of a synthesized stack. */
export function templateStrings(json: StackJson): TemplateString[] {
  const found: TemplateString[] = [];
  const walk = (node: unknown, where: string) => {
    if (typeof node === 'string') found.push({ where, text: node });
    else if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${where}[${i}]`));
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) walk(value, where ? `${where}.${key}` : key);
  };
  for (const [type, blocks] of Object.entries(json.resource ?? {})) walk(blocks, type);
  for (const [type, blocks] of Object.entries(json.data ?? {})) walk(blocks, `data.${type}`);
  walk(json.locals ?? {}, 'local');
  walk(json.output ?? {}, 'output');
  return found;
}

/**
 * Writes the module for the stack whose `cdk.tf.json` is in `stackDir` into `moduleDir`. Returns the
 * strings with the line where each starts, so a diagnostic's line names its string.
 */
export function writeTemplateModule(stackDir: string, moduleDir: string): TemplateString[] {
  const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as StackJson;
  const addresses = [
    ...Object.entries(json.resource ?? {}).flatMap(([type, blocks]) => Object.keys(blocks).map((name) => `${type}.${name}`)),
    ...Object.entries(json.data ?? {}).flatMap(([type, blocks]) => Object.keys(blocks).map((name) => `data.${type}.${name}`)),
    ...Object.keys(json.variable ?? {}).map((name) => `var.${name}`),
  ];
  // Longest first, so an address is never replaced inside a longer one that starts the same way.
  const variables = new Map([...addresses].sort((a, b) => b.length - a.length).map((address, i) => [address, `r${i}`]));
  const pattern = new RegExp([...variables.keys()].map(escapeRegExp).join('|') || '(?!)', 'g');

  const variable = Object.fromEntries([...variables.values()].map((name) => [name, { default: null }]));
  // Terraform counts a diagnostic's line from where the string starts, adding the newlines of the text
  // before the error. Each local is followed by as many blank lines as its text has newlines, so the lines
  // of one string never overlap the next and a line number names one string.
  const lines = ['{', ` "variable": ${JSON.stringify(variable)},`, ' "locals": {'];
  const placed = templateStrings(json).map((s, i, all) => {
    const line = lines.length + 1;
    const text = s.text.replace(pattern, (address) => `var.${variables.get(address)}`);
    lines.push(`  "s${i}": ${JSON.stringify(text)}${i < all.length - 1 ? ',' : ''}`, ...Array<string>(newlines(s.text)).fill(''));
    return { ...s, line };
  });
  lines.push(' }', '}', '');
  mkdirSync(moduleDir, { recursive: true });
  writeFileSync(join(moduleDir, 'strings.tf.json'), lines.join('\n'));
  return placed;
}

function newlines(text: string): number {
  return text.split('\n').length - 1;
}

/**
 * The strings a failed validation of a template module blames, one line each: where the string is,
 * Terraform's messages and the suspect text.
 */
export function blamedStrings(output: string, moduleName: string, strings: TemplateString[]): string[] {
  const blocks = output.split(/\n(?=Error: )/).filter((b) => b.startsWith('Error: '));
  const blamed = new Map<string, Set<string>>();
  for (const block of blocks) {
    const at = new RegExp(`on stacks/${escapeRegExp(moduleName)}/strings\\.tf\\.json line (\\d+)`).exec(block);
    if (!at) continue;
    const line = Number(at[1]);
    const string = [...strings].reverse().find((s) => s.line !== undefined && s.line <= line);
    const key = string ? `${string.where}: ${suspects(string.text).join(' … ') || excerpt(string.text)}` : `${moduleName} line ${line}`;
    if (!blamed.has(key)) blamed.set(key, new Set());
    blamed.get(key)!.add(block.split('\n')[0].replace(/^Error: /, ''));
  }
  return [...blamed].map(([key, titles]) => `${key} (${[...titles].join('; ')})`);
}

/** The `${…` and `%{…` sequences of a text that are neither escaped nor references: where the fault usually is. */
function suspects(text: string): string[] {
  const reference = /^\$\{(data\.)?[a-z][a-z0-9_]*\.[\w-]+[.[}]/;
  return [...text.matchAll(/(?<![$%])[$%]\{[^}\n]{0,200}\}?/g)]
    .map((m) => m[0])
    .filter((s) => !reference.test(s))
    .map((s) => (s.length > 60 ? `${s.slice(0, 60)}…` : s));
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
