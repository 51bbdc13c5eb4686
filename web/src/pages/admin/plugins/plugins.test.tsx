import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Installation, PluginVersion } from '../../../api/plugins';
import { json, problem, session, user, type RecordedRequest } from '../../../test/mockFetch';
import { installation, OTHER_TENANT, version } from '../../../test/pluginFixtures';
import { renderApp } from '../../../test/renderApp';

const CRM_SCHEMA = {
  type: 'object',
  required: ['endpoint'],
  properties: {
    endpoint: { type: 'string', title: 'CRM endpoint' },
    timeout_ms: { type: 'integer', title: 'Timeout', default: 800 },
    tier: { enum: ['gold', 'silver'], title: 'Tier' },
    pop_card: { type: 'boolean', title: 'Show a card', default: true },
    fields: { type: 'array', title: 'Fields' },
  },
};
const CRM = version({
  name: 'crm-http',
  world: 'crm',
  publisher: OTHER_TENANT,
  public: true,
  manifest: { name: 'crm-http', version: '1.0.0', world: 'crm', config_schema: CRM_SCHEMA, secrets: ['api_token'] },
});
const IVR_1 = version();
const IVR_110 = version({ version: '1.10.0', created_at: '2026-01-05T00:00:00Z' });
const IVR_12 = version({ version: '1.2.0', created_at: '2026-01-03T00:00:00Z' });

function server(
  state: { versions?: PluginVersion[]; installations?: Installation[] } = {},
  extra: (req: RecordedRequest) => Response | undefined = () => undefined,
) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user({ role: 'admin' }) }));
    if (req.method === 'GET' && req.path === '/api/v1/plugin-versions') return json(200, { items: state.versions ?? [IVR_1, IVR_12, IVR_110, CRM] });
    if (req.method === 'GET' && req.path === '/api/v1/plugin-installations') return json(200, { items: state.installations ?? [] });
    return problem(404, 'not-found', 'Not found');
  };
}

const isPost = (req: RecordedRequest) => req.method === 'POST' && req.path === '/api/v1/plugin-installations';

describe('catalog and install dialog', () => {
  it('generates the form from config_schema and sends typed config and secrets', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugins',
      server({}, (req) => (isPost(req) ? json(201, installation({ name: 'crm-http', publisher: OTHER_TENANT, secret_keys: ['api_token'] })) : undefined)),
      { refreshToken: 'stored' },
    );
    const row = await screen.findByTestId('catalog-row-crm-http');
    expect(row.textContent).toContain(`Public, from ${OTHER_TENANT}`);
    expect(screen.getByTestId('catalog-row-ivr-menu').textContent).toContain('Your company');
    expect((screen.getByTestId('catalog-version-ivr-menu') as HTMLSelectElement).value).toBe('1.10.0');
    await u.click(within(row).getByTestId('catalog-install-crm-http'));

    const dialog = await screen.findByRole('dialog', { name: 'Install crm-http@1.0.0' });
    expect(within(dialog).getByLabelText('CRM endpoint')).toBe(document.activeElement);
    expect((within(dialog).getByLabelText('Timeout (optional)') as HTMLInputElement).value).toBe('800');
    expect(within(dialog).getByLabelText('Show a card')).toBeTruthy();
    expect(within(dialog).getByLabelText('Fields (optional)').tagName).toBe('TEXTAREA');
    expect(within(dialog).getByLabelText('api_token').getAttribute('type')).toBe('password');

    await u.type(within(dialog).getByLabelText('CRM endpoint'), 'https://crm.test/api');
    await u.selectOptions(within(dialog).getByLabelText('Tier (optional)'), 'silver');
    await u.click(within(dialog).getByLabelText('Show a card'));
    await u.click(within(dialog).getByLabelText('Fields (optional)'));
    await u.paste('["name", "tier"]');
    await u.type(within(dialog).getByLabelText('api_token'), 's3cret');
    await u.click(within(dialog).getByTestId('config-save'));

    await screen.findByTestId('installation-row-crm-http');
    expect(screen.getByTestId('plugins-success').textContent).toBe('crm-http@1.0.0 installed.');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.find(isPost)!.body).toEqual({
      publisher: OTHER_TENANT,
      name: 'crm-http',
      version: '1.0.0',
      config: { endpoint: 'https://crm.test/api', timeout_ms: 800, tier: 'silver', pop_card: false, fields: ['name', 'tier'] },
      secrets: { api_token: 's3cret' },
    });
  });

  it('puts each failing path of a 422 next to its input and keeps the dialog open', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/plugins',
      server({}, (req) =>
        isPost(req)
          ? problem(422, 'invalid-config', 'The configuration does not match the plugin’s schema', {
              errors: [
                { field: 'config.timeout_ms', message: 'must be at most 5000' },
                { field: 'config.endpoint', message: 'must be an https URL' },
                { field: 'config.unknown', message: 'unexpected property' },
              ],
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('catalog-install-crm-http'));
    const dialog = await screen.findByRole('dialog');
    await u.type(within(dialog).getByLabelText('CRM endpoint'), 'ftp://crm');
    await u.clear(within(dialog).getByLabelText('Timeout (optional)'));
    await u.type(within(dialog).getByLabelText('Timeout (optional)'), '9000');
    await u.click(within(dialog).getByTestId('config-save'));

    expect((await within(dialog).findByTestId('error-config.timeout_ms')).textContent).toBe('Must be at most 5000');
    expect(within(dialog).getByTestId('error-config.endpoint').textContent).toBe('Must be an https URL');
    expect(within(dialog).getByTestId('config-error').textContent).toBe('config.unknown: Unexpected property');
    expect(within(dialog).getByTestId('config-summary').textContent).toMatch(/2 fields need attention/);
  });

  it('refuses a missing required value without asking the server', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/admin/plugins', server(), { refreshToken: 'stored' });
    await u.click(await screen.findByTestId('catalog-install-crm-http'));
    await u.click(within(await screen.findByRole('dialog')).getByTestId('config-save'));
    expect((await screen.findByTestId('error-config.endpoint')).textContent).toBe('Required');
    expect(calls.some(isPost)).toBe(false);
    await u.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('offers a JSON editor when the manifest has no schema, with server errors listed in it', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugins',
      server({}, (req) =>
        isPost(req)
          ? problem(422, 'invalid-config', 'Invalid configuration', { errors: [{ field: 'config.menu', message: 'start menu `x` is not defined' }] })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('catalog-install-ivr-menu'));
    const dialog = await screen.findByRole('dialog', { name: 'Install ivr-menu@1.10.0' });
    const editor = within(dialog).getByLabelText('Configuration (JSON)');
    await u.clear(editor);
    await u.click(editor);
    await u.paste('{"menu": {"start": "x", "menus": {}}}');
    await u.click(within(dialog).getByTestId('config-save'));
    expect((await within(dialog).findByTestId('error-config')).textContent).toBe('config.menu: Start menu “x” is not defined');
    expect(calls.find(isPost)!.body).toEqual({ publisher: IVR_110.publisher, name: 'ivr-menu', version: '1.10.0', config: { menu: { start: 'x', menus: {} } } });
  });
});

describe('installations', () => {
  it('upgrades to a newer version and rolls back to the previous one', async () => {
    const u = userEvent.setup();
    const installed = installation({ version: '1.2.0', previous_version: '1.0.0' });
    const { calls } = renderApp(
      '/admin/plugins',
      server({ installations: [installed] }, (req) => {
        if (req.method !== 'PATCH') return undefined;
        const to = (req.body as { version: string }).version;
        return json(200, { ...installed, version: to, previous_version: installed.version });
      }),
      { refreshToken: 'stored' },
    );
    const row = await screen.findByTestId('installation-row-ivr-menu');
    const target = within(row).getByTestId('installation-target-ivr-menu') as HTMLSelectElement;
    expect([...target.options].map((o) => o.textContent)).toEqual(['1.10.0 (newer)', '1.0.0']);
    await u.click(within(row).getByTestId('installation-upgrade-ivr-menu'));
    await waitFor(() => expect(screen.getByTestId('installation-version-ivr-menu').textContent).toBe('1.10.0'));
    expect(screen.getByTestId('plugins-success').textContent).toBe('Upgraded ivr-menu to 1.10.0.');

    await u.click(screen.getByTestId('installation-rollback-ivr-menu'));
    await waitFor(() => expect(screen.getByTestId('installation-version-ivr-menu').textContent).toBe('1.2.0'));
    const patches = calls.filter((c) => c.method === 'PATCH');
    expect(patches.map((c) => [c.path, c.body])).toEqual([
      ['/api/v1/plugin-installations/pin_01', { version: '1.10.0' }],
      ['/api/v1/plugin-installations/pin_01', { version: '1.2.0' }],
    ]);
  });

  it('shows why an installation in use cannot be uninstalled, and keeps it', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/plugins',
      server({ installations: [installation()] }, (req) =>
        req.method === 'DELETE'
          ? problem(409, 'installation-in-use', 'The installation is in use', { detail: 'phone number +861088880000 uses this installation' })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('installation-uninstall-ivr-menu'));
    await u.click(screen.getByTestId('installation-uninstall-ivr-menu-yes'));
    expect((await screen.findByTestId('plugins-error')).textContent).toBe(
      'Could not uninstall ivr-menu: Phone number +861088880000 uses this installation',
    );
    expect(screen.getByTestId('installation-row-ivr-menu')).toBeTruthy();
  });

  it('reconfigures with the current values, replacing one secret and deleting another', async () => {
    const u = userEvent.setup();
    const installed = installation({
      name: 'crm-http',
      publisher: OTHER_TENANT,
      config: { endpoint: 'https://old.test', legacy: 'kept' },
      secret_keys: ['api_token', 'old_key'],
    });
    const { calls } = renderApp(
      '/admin/plugins',
      server({ installations: [installed] }, (req) => (req.method === 'PATCH' ? json(200, installed) : undefined)),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('installation-configure-crm-http'));
    const dialog = await screen.findByRole('dialog', { name: 'Configure crm-http' });
    const endpoint = within(dialog).getByLabelText('CRM endpoint') as HTMLInputElement;
    expect(endpoint.value).toBe('https://old.test');
    await u.clear(endpoint);
    await u.type(endpoint, 'https://new.test');
    await u.type(within(dialog).getByLabelText('api_token (set; leave empty to keep)'), 'rotated');
    expect(within(dialog).getByText(/No longer declared by this version/)).toBeTruthy();
    await u.click(within(dialog).getByTestId('remove-secret-old_key'));
    await u.click(within(dialog).getByTestId('config-save'));
    await screen.findByTestId('plugins-success');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({
      config: { legacy: 'kept', endpoint: 'https://new.test', timeout_ms: 800, pop_card: true },
      secrets: { api_token: 'rotated', old_key: null },
    });
  });
});
