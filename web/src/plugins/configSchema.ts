// The installation form generated from a plugin manifest's `config_schema`: one input per
// top-level property of simple type (string, number, integer, boolean, enum), a JSON editor for
// anything else, password inputs for the manifest's declared `secrets`; the whole configuration as one JSON editor when the
// schema describes no properties. This module only maps between schema, form values and the API
// body; it never decides what the server accepts (the server validates against the schema).

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export interface EnumOption {
  /** The option's value as JSON text (the select's value). */
  value: string;
  label: string;
}

export interface ConfigField {
  key: string;
  label: string;
  description?: string;
  kind: FieldKind;
  required: boolean;
  options?: EnumOption[];
  default?: unknown;
}

export interface SecretField {
  key: string;
  label: string;
  description?: string;
}

export interface ConfigForm {
  /** False when the schema names no properties: the whole configuration is one JSON editor. */
  generated: boolean;
  fields: ConfigField[];
  secrets: SecretField[];
}

/** Form state: text (or JSON text) per field, booleans for checkboxes. */
export type ConfigValues = Record<string, string | boolean>;

/** The key of the whole-configuration JSON editor in values and errors. */
export const RAW_KEY = '$config';

type Json = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function simpleType(schema: Json): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every(scalar)) return 'enum';
  const types = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  if (types.length !== 1) return 'json';
  const t = types[0];
  return t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' ? t : 'json';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

/** The secrets a manifest declares (`secrets: ["api_key"]`); installations may set only these. */
function manifestSecrets(manifest: Json): SecretField[] {
  const list = Array.isArray(manifest.secrets) ? manifest.secrets : [];
  return [...new Set(list.filter((s): s is string => typeof s === 'string' && s !== ''))].map((key) => ({ key, label: key }));
}

/** The form for a manifest (as published: `manifest.config_schema`, `manifest.secrets`). */
export function configForm(manifest: unknown): ConfigForm {
  const m = isObject(manifest) ? manifest : {};
  const schema = isObject(m.config_schema) ? m.config_schema : {};
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  const fields: ConfigField[] = [];
  const secrets = manifestSecrets(m);
  for (const [key, raw] of Object.entries(props)) {
    const prop = isObject(raw) ? raw : {};
    const label = text(prop.title) ?? key;
    const description = text(prop.description);
    const kind = simpleType(prop);
    const field: ConfigField = { key, label, description, kind, required: required.has(key) };
    if (kind === 'enum') {
      const titles = Array.isArray(prop.enumTitles) ? prop.enumTitles : [];
      field.options = (prop.enum as unknown[]).map((v, i) => ({
        value: JSON.stringify(v),
        label: text(titles[i]) ?? (typeof v === 'string' ? v : JSON.stringify(v)),
      }));
    }
    if ('default' in prop) field.default = prop.default;
    fields.push(field);
  }
  return { generated: fields.length > 0, fields, secrets };
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Form values for a configuration (an existing one when reconfiguring, else the defaults). */
export function initialValues(form: ConfigForm, config?: Json): ConfigValues {
  if (!form.generated) return { [RAW_KEY]: pretty(config ?? {}) };
  const values: ConfigValues = {};
  for (const f of form.fields) {
    const v = config && f.key in config ? config[f.key] : f.default;
    if (f.kind === 'boolean') values[f.key] = v === true;
    // A required choice shows its first option; the form state must say the same.
    else if (v === undefined) values[f.key] = f.kind === 'enum' && f.required ? (f.options?.[0]?.value ?? '') : '';
    else if (f.kind === 'enum') values[f.key] = JSON.stringify(v);
    else if (f.kind === 'json') values[f.key] = pretty(v);
    else values[f.key] = String(v);
  }
  return values;
}

export interface BuiltConfig {
  config: Json;
  /** Messages by field key (or RAW_KEY); empty when the configuration can be sent. */
  errors: Record<string, string>;
}

function parseJson(source: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The configuration to send. Empty optional inputs are left out; keys of `base` (the current
 * configuration) the form does not show are kept, so reconfiguring never drops them. Only what
 * cannot be sent at all is refused here (a missing required value, text in a number, bad JSON):
 * the server checks the rest against the schema.
 */
export function buildConfig(form: ConfigForm, values: ConfigValues, base: Json = {}): BuiltConfig {
  const errors: Record<string, string> = {};
  if (!form.generated) {
    const parsed = parseJson(String(values[RAW_KEY] ?? '{}'));
    if (!parsed.ok) return { config: {}, errors: { [RAW_KEY]: parsed.message } };
    if (!isObject(parsed.value)) return { config: {}, errors: { [RAW_KEY]: 'The configuration must be a JSON object ({…})' } };
    return { config: parsed.value, errors };
  }
  const shown = new Set(form.fields.map((f) => f.key));
  const config: Json = Object.fromEntries(Object.entries(base).filter(([k]) => !shown.has(k)));
  for (const f of form.fields) {
    const raw = values[f.key];
    if (f.kind === 'boolean') {
      config[f.key] = raw === true;
      continue;
    }
    const source = typeof raw === 'string' ? raw : '';
    if (source.trim() === '') {
      if (f.required) errors[f.key] = 'Required';
      continue;
    }
    switch (f.kind) {
      case 'string':
        config[f.key] = source;
        break;
      case 'integer':
        if (!/^-?\d+$/.test(source.trim())) errors[f.key] = 'Enter a whole number';
        else config[f.key] = Number(source.trim());
        break;
      case 'number': {
        const n = Number(source.trim());
        if (!Number.isFinite(n)) errors[f.key] = 'Enter a number';
        else config[f.key] = n;
        break;
      }
      case 'enum':
      case 'json': {
        const parsed = parseJson(source);
        if (parsed.ok) config[f.key] = parsed.value;
        else errors[f.key] = parsed.message;
        break;
      }
    }
  }
  return { config, errors };
}

/**
 * The top-level key a server error path is about, so its message lands next to that input:
 * `config.menu.start`, `config/menu`, `/menu/start`, `menu[0]`, `secrets.api_key` → `menu` /
 * `api_key`; null when the path names no key.
 */
export function errorKey(path: string): string | null {
  let p = path.trim();
  p = p.replace(/^(config|secrets)(?=$|[./[])/, '').replace(/^[./]+/, '');
  if (p.startsWith('[')) {
    const m = /^\[["']?([^\]"']+)["']?\]/.exec(p);
    return m ? m[1]! : null;
  }
  const key = p.split(/[./[]/)[0] ?? '';
  return key ? key.replace(/~1/g, '/').replace(/~0/g, '~') : null;
}
