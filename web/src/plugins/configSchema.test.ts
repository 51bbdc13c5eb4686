import { describe, expect, it } from 'vitest';
import { buildConfig, configForm, errorKey, initialValues, RAW_KEY } from './configSchema';

const MANIFEST = {
  name: 'crm-http',
  version: '1.0.0',
  world: 'crm',
  secrets: ['api_token', 'signing_key', 'api_token', 7],
  config_schema: {
    type: 'object',
    required: ['endpoint', 'tier'],
    properties: {
      endpoint: { type: 'string', title: 'CRM endpoint', description: 'https://…' },
      timeout_ms: { type: 'integer', default: 800 },
      weight: { type: ['number', 'null'] },
      enabled: { type: 'boolean', default: true },
      tier: { enum: ['gold', 'silver', 3] },
      fields: { type: 'array', items: { type: 'string' } },
    },
  },
};

describe('config form from a schema', () => {
  it('makes one input per simple property, JSON for the rest, and the declared secrets apart', () => {
    const form = configForm(MANIFEST);
    expect(form.generated).toBe(true);
    expect(form.fields.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['endpoint', 'string', true],
      ['timeout_ms', 'integer', false],
      ['weight', 'number', false],
      ['enabled', 'boolean', false],
      ['tier', 'enum', true],
      ['fields', 'json', false],
    ]);
    expect(form.fields[0]).toMatchObject({ label: 'CRM endpoint', description: 'https://…' });
    expect(form.fields[4]!.options).toEqual([
      { value: '"gold"', label: 'gold' },
      { value: '"silver"', label: 'silver' },
      { value: '3', label: '3' },
    ]);
    expect(form.secrets).toEqual([
      { key: 'api_token', label: 'api_token' },
      { key: 'signing_key', label: 'signing_key' },
    ]);
  });

  it('falls back to one JSON editor when the schema names no properties', () => {
    for (const manifest of [{}, { config_schema: null }, { config_schema: { type: 'object' } }, 'not a manifest']) {
      const form = configForm(manifest);
      expect(form.generated).toBe(false);
      expect(initialValues(form)).toEqual({ [RAW_KEY]: '{}' });
    }
    expect(configForm({ secrets: ['token'] }).secrets).toEqual([{ key: 'token', label: 'token' }]);
  });

  it('starts from defaults, or from the current configuration when reconfiguring', () => {
    const form = configForm(MANIFEST);
    expect(initialValues(form)).toEqual({
      endpoint: '',
      timeout_ms: '800',
      weight: '',
      enabled: true,
      tier: '"gold"',
      fields: '',
    });
    const current = initialValues(form, { endpoint: 'https://crm.test', tier: 3, enabled: false, fields: ['a'] });
    expect(current).toMatchObject({ endpoint: 'https://crm.test', tier: '3', enabled: false, fields: '[\n  "a"\n]', timeout_ms: '800' });
  });

  it('builds typed values, leaves out empty optional ones and keeps keys the form does not show', () => {
    const form = configForm(MANIFEST);
    const values = { ...initialValues(form), endpoint: 'https://crm.test', weight: '0.5', tier: '3', fields: '["name", "tier"]' };
    expect(buildConfig(form, values, { legacy: 1, endpoint: 'old' })).toEqual({
      config: { legacy: 1, endpoint: 'https://crm.test', timeout_ms: 800, weight: 0.5, enabled: true, tier: 3, fields: ['name', 'tier'] },
      errors: {},
    });
  });

  it('refuses what cannot be sent, naming each input', () => {
    const form = configForm(MANIFEST);
    const { errors } = buildConfig(form, { endpoint: ' ', timeout_ms: '1.5', weight: 'heavy', enabled: false, tier: '', fields: '[oops' });
    expect(errors).toEqual({
      endpoint: 'Required',
      timeout_ms: 'Enter a whole number',
      weight: 'Enter a number',
      tier: 'Required',
      fields: expect.stringMatching(/^Not valid JSON/),
    });
  });

  it('checks the whole-configuration JSON is an object', () => {
    const form = configForm({});
    expect(buildConfig(form, { [RAW_KEY]: '{"menu": {"start": "main"}}' })).toEqual({ config: { menu: { start: 'main' } }, errors: {} });
    expect(buildConfig(form, { [RAW_KEY]: '[1]' }).errors[RAW_KEY]).toMatch(/JSON object/);
    expect(buildConfig(form, { [RAW_KEY]: '{' }).errors[RAW_KEY]).toMatch(/^Not valid JSON/);
  });
});

describe('error paths to inputs', () => {
  it.each([
    ['config.menu.start', 'menu'],
    ['config/menu', 'menu'],
    ['/menu/start', 'menu'],
    ['menu[0]', 'menu'],
    ['config["a.b"]', 'a.b'],
    ['secrets.api_token', 'api_token'],
    ['/a~1b', 'a/b'],
    ['config', null],
  ])('%s → %s', (path, key) => {
    expect(errorKey(path)).toBe(key);
  });
});
