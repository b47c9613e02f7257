/**
 * Turns zod issues into the one-line-per-problem messages users see in the form, the CLI and IPC
 * errors: "path: what is wrong (got value). What the field is; its default." Unknown keys get a
 * did-you-mean. This file formats only; the schemas live in run-config.ts and objective-config.ts.
 */
import type { z } from 'zod';

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  shape?: Record<string, AnySchema>;
  defaultValue?: unknown;
  entries?: Record<string, unknown>;
}
const defOf = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/nullable wrappers, remembering the outermost description and default. */
function unwrap(schema: AnySchema): { core: AnySchema; description?: string; defaultValue?: unknown } {
  let description = schema.description;
  let defaultValue: unknown;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault') defaultValue ??= def.defaultValue;
    if (!def.innerType) break;
    current = def.innerType;
    description ??= current.description;
  }
  return { core: current, description, defaultValue };
}

function childSchema(schema: AnySchema, key: PropertyKey): AnySchema | undefined {
  const { core } = unwrap(schema);
  const def = defOf(core);
  return def.type === 'object' && def.shape ? def.shape[String(key)] : undefined;
}

function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let current: AnySchema | undefined = root;
  for (const key of path) {
    if (!current) return undefined;
    current = childSchema(current, key);
  }
  return current;
}

function knownKeys(schema: AnySchema | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema).core);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Every key nested below `schema`, as dotted paths relative to it (for "it lives elsewhere" hints). */
function nestedKeyPaths(schema: AnySchema | undefined, prefix = ''): string[] {
  const paths: string[] = [];
  for (const key of knownKeys(schema)) {
    const child = childSchema(schema!, key);
    for (const nested of knownKeys(child)) paths.push(`${prefix}${key}.${nested}`);
    paths.push(...nestedKeyPaths(child, `${prefix}${key}.`).filter((p) => p.split('.').length > 2));
  }
  return paths;
}

/** Levenshtein distance, small inputs only (config keys). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest known key, if it is close enough to be a likely typo. */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(key.replace(/[_-]/g, ''), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function describeField(schema: AnySchema | undefined): string {
  if (!schema) return '';
  const { description, defaultValue } = unwrap(schema);
  const parts: string[] = [];
  if (description) parts.push(description);
  if (defaultValue !== undefined && typeof defaultValue !== 'object') parts.push(`Default: ${show(defaultValue)}.`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function formatOne(issue: z.core.$ZodIssue, root: AnySchema): string {
  const path = issue.path.map(String).join('.');
  const where = path === '' ? 'config' : path;
  const input = (issue as { input?: unknown }).input;
  const field = schemaAt(root, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const here = schemaAt(root, issue.path);
      const candidates = knownKeys(here);
      const nested = nestedKeyPaths(here);
      return issue.keys
        .map((key) => {
          const guess = closestKey(key, candidates);
          const leaf = closestKey(key, nested.map((p) => p.slice(p.lastIndexOf('.') + 1)));
          const deeper = leaf === undefined ? undefined : nested.find((p) => p.endsWith(`.${leaf}`));
          const hint = guess
            ? `did you mean '${guess}'?`
            : deeper
              ? `did you mean '${path === '' ? '' : `${path}.`}${deeper}'? (it is nested there)`
              : `known keys: ${candidates.join(', ')}`;
          return `${path === '' ? '' : `${path}.`}${key}: unknown key; ${hint}`;
        })
        .join('\n');
    }
    case 'invalid_value':
      return `${where}: ${show(input)} is not one of ${issue.values.map((v) => String(v)).join(', ')}.${describeField(field)}`;
    case 'invalid_type':
      return `${where}: expected ${issue.expected}, got ${input === undefined ? 'nothing' : `${show(input)}`}.${describeField(field)}`;
    default:
      return `${where}: ${issue.message} (got ${show(input)}).${describeField(field)}`;
  }
}

/** One line per problem, in the order zod found them. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root: AnySchema): string {
  return issues.map((issue) => formatOne(issue, root)).join('\n');
}
