/**
 * The launch form, derived from RunConfigSchema (via its JSON Schema): one field per config leaf
 * with its kind, one-line help (.describe), default and bounds, grouped as the config nests. Also
 * the round trip between form values (raw text, so bad input reaches the validator and gets its
 * message) and a config input, and the mapping of validator messages ("path: ...") to fields.
 * Pure data and functions; LaunchState holds the values.
 */
import { z } from 'zod';
import { objectiveKnobProblems, resolveObjective, type ObjectiveInput, type ObjectivePreset } from '../../src-shared/objective-config.js';
import { DEFAULT_RUN_CONFIG, RunConfigSchema, type RunConfigInput } from '../../src-shared/run-config.js';

export type FieldKind = 'text' | 'integer' | 'number' | 'boolean' | 'enum';

export interface ConfigField {
  readonly node: 'field';
  readonly kind: FieldKind;
  /** Dotted config path, e.g. `optimizer.learningRate`. */
  readonly path: string;
  readonly key: string;
  readonly help: string;
  /** The schema default; undefined for objective knobs, whose default depends on the preset. */
  readonly defaultValue: unknown;
  readonly options: readonly string[];
  /** null is a valid value ("off"). */
  readonly nullable: boolean;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** The bound itself is not allowed (e.g. "> 0"). */
  readonly minExclusive: boolean;
  readonly maxExclusive: boolean;
}

export interface ConfigGroup {
  readonly node: 'group';
  readonly path: string;
  readonly key: string;
  readonly help: string;
  readonly children: readonly ConfigNode[];
}

export type ConfigNode = ConfigField | ConfigGroup;

/** What an input holds: raw text (numbers too), a checkbox, or null for "off". */
export type FieldValue = string | boolean | null;
export type FormValues = Readonly<Record<string, FieldValue>>;

interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

function buildNode(key: string, path: string, schema: JsonSchema, inheritedDefault: unknown): ConfigNode {
  const nonNull = schema.anyOf?.find((s) => s.type !== 'null');
  const nullable = schema.anyOf?.some((s) => s.type === 'null') ?? false;
  const core = nonNull ?? schema;
  const defaultValue = 'default' in schema ? schema.default : inheritedDefault;
  const help = schema.description ?? core.description ?? '';
  if (core.type === 'object' && core.properties) {
    const groupDefault = (typeof defaultValue === 'object' && defaultValue !== null ? defaultValue : {}) as Record<string, unknown>;
    const children = Object.entries(core.properties).map(([childKey, child]) => buildNode(childKey, path === '' ? childKey : `${path}.${childKey}`, child, groupDefault[childKey]));
    return { node: 'group', path, key, help, children };
  }
  const kind: FieldKind = core.enum ? 'enum' : core.type === 'boolean' ? 'boolean' : core.type === 'integer' ? 'integer' : core.type === 'number' ? 'number' : 'text';
  return {
    node: 'field',
    kind,
    path,
    key,
    help,
    defaultValue,
    options: (core.enum ?? []).map(String),
    nullable,
    min: core.minimum ?? core.exclusiveMinimum,
    max: core.maximum ?? core.exclusiveMaximum,
    minExclusive: core.minimum === undefined && core.exclusiveMinimum !== undefined,
    maxExclusive: core.maximum === undefined && core.exclusiveMaximum !== undefined,
  };
}

/** "[1, 64]", "(0, 1]", "> 0" (no upper bound worth showing), or '' without bounds. */
export function rangeText(field: ConfigField): string {
  const lower = field.min === undefined ? null : `${field.minExclusive ? '(' : '['}${field.min}`;
  const upper = field.max === undefined || field.max >= Number.MAX_SAFE_INTEGER ? null : `${field.max}${field.maxExclusive ? ')' : ']'}`;
  if (lower !== null && upper !== null) return `${lower}, ${upper}`;
  if (lower !== null) return `${field.minExclusive ? '>' : '>='} ${field.min}`;
  if (upper !== null) return `${field.maxExclusive ? '<' : '<='} ${field.max}`;
  return '';
}

/**
 * A validator message as shown under its own field: without the field's help and default, which
 * the validator appends for readers of the summary but which sit right beside the input here.
 */
export function problemAtField(problem: string, field: ConfigField): string {
  let text = problem;
  if (field.help !== '') text = text.replace(` ${field.help}`, '');
  return text.replace(/ Default: [^\n]*\.$/, '');
}

/** The whole form: the root group's children are the top-level fields and the nested groups. */
export const RUN_CONFIG_FORM = buildNode('', '', z.toJSONSchema(RunConfigSchema, { io: 'input' }) as JsonSchema, undefined) as ConfigGroup;

export function fieldsOf(group: ConfigGroup): ConfigField[] {
  return group.children.flatMap((child) => (child.node === 'field' ? [child] : fieldsOf(child)));
}

function groupsOf(group: ConfigGroup): ConfigGroup[] {
  return [group, ...group.children.flatMap((child) => (child.node === 'group' ? groupsOf(child) : []))];
}

export const FORM_FIELDS: readonly ConfigField[] = fieldsOf(RUN_CONFIG_FORM);
const FIELD_PATHS = new Set(FORM_FIELDS.map((f) => f.path));
const GROUP_PATHS = new Set(groupsOf(RUN_CONFIG_FORM).map((g) => g.path));

/** Objective knobs are `objective.*` fields other than the preset itself. */
export function isObjectiveKnob(field: ConfigField): boolean {
  return field.path.startsWith('objective.') && field.key !== 'preset';
}

/**
 * Whether a preset reads a knob. Asked of the validator itself (a knob set where its preset
 * ignores it is refused with "applies only to" / "does not apply to"), so the form cannot drift.
 */
export function knobApplies(preset: ObjectivePreset, key: string): boolean {
  const probe = { preset, [key]: key === 'aggregation' ? 'token-mean' : 0.5 } as ObjectiveInput;
  return !objectiveKnobProblems(probe).some((p) => p.key === key && /applies only to|does not apply to/.test(p.message));
}

/** What a preset uses for a knob the user leaves empty ("off" for null). */
export function presetDefault(preset: ObjectivePreset, key: string): string {
  const resolved = resolveObjective({ preset });
  if (key === 'p') return resolved.mean.kind === 'power' ? String(resolved.mean.p) : '';
  const value = (resolved as unknown as Record<string, unknown>)[key];
  return value === null ? 'off' : value === undefined ? '' : String(value);
}

function valueAt(config: unknown, path: string): unknown {
  let current = config;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function toFieldValue(value: unknown): FieldValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value === undefined) return '';
  return String(value);
}

/** Form values showing `config` (missing fields show their defaults; unset knobs stay empty). */
export function valuesFromConfig(config: RunConfigInput): FormValues {
  const values: Record<string, FieldValue> = {};
  for (const field of FORM_FIELDS) {
    const value = valueAt(config, field.path);
    values[field.path] = toFieldValue(value === undefined ? field.defaultValue : value);
  }
  return values;
}

export const DEFAULT_FORM_VALUES: FormValues = valuesFromConfig(DEFAULT_RUN_CONFIG);

/** Text to a number when it is one; otherwise the text itself, so the validator names the problem. */
function parseNumber(text: string): number | string {
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

/**
 * The config the form describes. Empty number inputs fall back to their default (omitted), knobs
 * the chosen preset does not read are left out, and unparseable text is passed on as text.
 */
export function configFromValues(values: FormValues): RunConfigInput {
  const config: Record<string, unknown> = {};
  const preset = values['objective.preset'];
  for (const field of FORM_FIELDS) {
    const raw = values[field.path];
    if (raw === undefined) continue;
    if (isObjectiveKnob(field) && typeof preset === 'string' && !knobApplies(preset as ObjectivePreset, field.key)) continue;
    let value: unknown;
    if (raw === null) value = field.nullable ? null : undefined;
    else if (typeof raw === 'boolean') value = raw;
    else if (field.kind === 'integer' || field.kind === 'number') value = raw.trim() === '' ? undefined : parseNumber(raw);
    else if (field.kind === 'enum') value = raw === '' ? undefined : raw;
    else value = raw;
    if (value === undefined) continue;
    const keys = field.path.split('.');
    let target = config;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = value;
  }
  return config as RunConfigInput;
}

export interface FormProblems {
  /** Messages by the field (or group) they belong to; the path prefix is kept. */
  readonly byPath: ReadonlyMap<string, readonly string[]>;
  /** Every message, in order, for the summary. */
  readonly all: readonly string[];
}

export const NO_PROBLEMS: FormProblems = { byPath: new Map(), all: [] };

/** The form field or group a dotted path belongs to: itself, or its nearest ancestor group. */
export function ownerOfPath(path: string): string | null {
  if (FIELD_PATHS.has(path)) return path;
  const parts = path.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const ancestor = parts.slice(0, n).join('.');
    if (FIELD_PATHS.has(ancestor) || GROUP_PATHS.has(ancestor)) return ancestor;
  }
  return null;
}

/**
 * Splits a validator message (one problem per line, each starting with its dotted path, e.g.
 * "model.dModel: dModel 60 is not divisible...") into per-field messages and the full list.
 */
export function problemsFromMessage(message: string): FormProblems {
  const all = message.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  const byPath = new Map<string, string[]>();
  for (const line of all) {
    const owner = problemPath(line);
    if (owner === null) continue;
    const list = byPath.get(owner);
    if (list) list.push(line);
    else byPath.set(owner, [line]);
  }
  return { byPath, all };
}

/** The DOM id of a field's input in the launch form (ProblemSummary links problems to it). */
export function fieldElementId(path: string): string {
  return `field-${path.replaceAll('.', '-')}`;
}

/** The form field a problem line is about ("model.dModel: ..." -> "model.dModel"), or null. */
export function problemPath(problem: string): string | null {
  const match = /^([A-Za-z][\w]*(?:\.[\w]+)*): /.exec(problem);
  return match ? ownerOfPath(match[1]!) : null;
}

/**
 * The fields most runs change, in the order the launch form shows them first; every other field is
 * in an advanced section (launchSections), collapsed until the user opens it or a problem needs it.
 */
export const COMMON_FIELD_PATHS: readonly string[] = ['objective.preset', 'task', 'totalSteps', 'seed', 'groupSize', 'optimizer.name', 'optimizer.learningRate', 'qkClip.enabled', 'name'];

export interface LaunchSection {
  readonly group: ConfigGroup;
  readonly legend: string;
}

/** The advanced sections, in order, by the group they come from ('' = the top-level fields). */
const ADVANCED_SECTIONS: readonly { readonly path: string; readonly legend: string }[] = [
  { path: 'objective', legend: 'Objective knobs' },
  { path: '', legend: 'Rollout, evaluation and run' },
  { path: 'model', legend: 'Model' },
  { path: 'advantage', legend: 'Advantage' },
  { path: 'optimizer', legend: 'Optimizer' },
  { path: 'qkClip', legend: 'QK-clip' },
  { path: 'controller', legend: 'AGM controller' },
];

function withoutCommon(group: ConfigGroup): ConfigGroup {
  return { ...group, children: group.children.filter((child) => child.node === 'field' && !COMMON_FIELD_PATHS.includes(child.path)) };
}

/**
 * The launch form's layout: the common fields as one group, then each config group minus those
 * fields as an advanced section (groups left empty are dropped). Every form field is in exactly one.
 */
export function launchSections(form: ConfigGroup = RUN_CONFIG_FORM): { readonly common: ConfigGroup; readonly advanced: readonly LaunchSection[] } {
  const fields = fieldsOf(form);
  const common: ConfigGroup = { node: 'group', path: '', key: '', help: '', children: COMMON_FIELD_PATHS.map((path) => fields.find((f) => f.path === path)).filter((f): f is ConfigField => f !== undefined) };
  const groupAt = (path: string): ConfigGroup | undefined => (path === '' ? form : form.children.find((child): child is ConfigGroup => child.node === 'group' && child.path === path));
  const advanced = ADVANCED_SECTIONS.flatMap(({ path, legend }) => {
    const group = groupAt(path);
    return group ? [{ group: withoutCommon(group), legend }] : [];
  }).filter((section) => section.group.children.length > 0);
  return { common, advanced };
}

/** Whether a problem's path (field or group, see problemPath) is shown in an advanced section. */
export function isAdvancedPath(path: string): boolean {
  return !COMMON_FIELD_PATHS.includes(path);
}

/** How many of these problems are about fields in the advanced sections (shown on its closed summary). */
export function advancedProblemCount(problems: FormProblems): number {
  let count = 0;
  for (const [path, messages] of problems.byPath) if (isAdvancedPath(path)) count += messages.length;
  return count;
}
