import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, problem, session, TENANT, user, type RecordedRequest } from '../../test/mockFetch';
import { OTHER_TENANT, version } from '../../test/pluginFixtures';
import { renderApp } from '../../test/renderApp';

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0xff]);
const MANIFEST = '{"name": "ivr-menu", "version": "1.1.0", "world": "ivr", "capabilities": {"config": true}}';

function server(role: 'developer' | 'admin', extra: (req: RecordedRequest) => Response | undefined = () => undefined) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user({ role }) }));
    if (req.method === 'GET' && req.path === '/api/v1/plugin-versions') {
      return json(200, {
        items: [
          version({ version: '1.0.0', created_at: '2026-01-01T10:00:00Z' }),
          version({ name: 'vip-router', world: 'router', version: '0.2.0', created_at: '2026-01-04T10:00:00Z', public: true }),
          version({ version: '1.10.0', created_at: '2026-01-03T10:00:00Z' }),
          version({ version: '1.2.0', created_at: '2026-01-02T10:00:00Z' }),
          version({ name: 'someone-elses', publisher: OTHER_TENANT, public: true }),
        ],
      });
    }
    return problem(404, 'not-found', 'Not found');
  };
}

async function fillForm(u: ReturnType<typeof userEvent.setup>, manifest = MANIFEST) {
  await screen.findByTestId('publish-form');
  await u.upload(screen.getByLabelText('Component (.wasm)'), new File([WASM], 'ivr_menu.wasm', { type: 'application/wasm' }));
  const editor = screen.getByLabelText('Manifest (JSON)');
  await u.clear(editor);
  await u.click(editor);
  await u.paste(manifest);
}

describe('publish a version', () => {
  it('sends the manifest as JSON and the component as base64, then shows name@version and sha256', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/developer/publish',
      server('developer', (req) =>
        req.method === 'POST' && req.path === '/api/v1/plugin-versions'
          ? json(201, version({ version: '1.1.0', public: true, sha256: 'b'.repeat(64), size: WASM.length }))
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await fillForm(u);
    await u.click(screen.getByTestId('input-public'));
    await u.click(screen.getByTestId('publish-submit'));

    const success = await screen.findByTestId('publish-success');
    expect(within(success).getByTestId('published-name').textContent).toBe('ivr-menu@1.1.0');
    expect(within(success).getByTestId('published-sha256').textContent).toBe('b'.repeat(64));
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/plugin-versions')!;
    expect(post.body).toEqual({
      manifest: { name: 'ivr-menu', version: '1.1.0', world: 'ivr', capabilities: { config: true } },
      component: Buffer.from(WASM).toString('base64'),
      public: true,
    });
  });

  it('shows the server’s manifest error beside the manifest, naming the field, and keeps the form', async () => {
    const u = userEvent.setup();
    renderApp(
      '/developer/publish',
      server('admin', (req) =>
        req.method === 'POST' && req.path === '/api/v1/plugin-versions'
          ? problem(400, 'invalid-plugin', 'Invalid plugin', {
              detail: 'the component implements `ivr`, not the manifest world `crm`',
              field: 'manifest.world',
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await fillForm(u, MANIFEST.replace('"ivr"', '"crm"'));
    await u.click(screen.getByTestId('publish-submit'));
    const error = await screen.findByTestId('error-manifest');
    expect(error.textContent).toBe('manifest.world: The component implements “ivr”, not the manifest world “crm”');
    expect(screen.getByTestId('input-manifest').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByTestId('input-manifest') as HTMLTextAreaElement).value).toContain('"crm"');
    expect(screen.queryByTestId('publish-success')).toBeNull();
  });

  it('puts a component error under the file input and refuses bad JSON without a request', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/developer/publish',
      server('developer', (req) =>
        req.method === 'POST' && req.path === '/api/v1/plugin-versions' ? problem(400, 'invalid-plugin', 'Invalid plugin', { detail: 'not a component: bad magic', field: 'component' }) : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await fillForm(u, '{"name": "ivr-menu",');
    await u.click(screen.getByTestId('publish-submit'));
    expect((await screen.findByTestId('error-manifest')).textContent).toMatch(/^manifest: Not valid JSON/);
    expect(calls.some((c) => c.path === '/api/v1/plugin-versions' && c.method === 'POST')).toBe(false);

    await u.clear(screen.getByLabelText('Manifest (JSON)'));
    await u.click(screen.getByLabelText('Manifest (JSON)'));
    await u.paste(MANIFEST);
    await u.click(screen.getByTestId('publish-submit'));
    expect((await screen.findByTestId('error-component')).textContent).toBe('Not a component: bad magic');
    expect(screen.queryByTestId('error-manifest')).toBeNull();
  });
});

describe('my plugins', () => {
  it('lists only this company’s versions, grouped by plugin, newest first', async () => {
    renderApp('/developer', server('developer'), { refreshToken: 'stored' });
    const ivr = await screen.findByTestId('my-plugin-ivr-menu');
    const rows = within(ivr).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
    const groups = screen.getAllByTestId(/^my-plugin-/).map((g) => g.getAttribute('data-testid'));
    expect(groups).toEqual(['my-plugin-vip-router', 'my-plugin-ivr-menu']);
    expect(screen.queryByTestId('my-plugin-someone-elses')).toBeNull();
    expect(within(screen.getByTestId('my-plugin-vip-router')).getByText('Every company')).toBeTruthy();
  });

  it('lets an admin into the developer portal with a way back', async () => {
    renderApp('/developer', server('admin'), { refreshToken: 'stored' });
    await screen.findByTestId('shell-developer');
    await waitFor(() => expect(screen.getByTestId('nav-administration')).toBeTruthy());
    expect(screen.getByTestId('current-company').textContent).toBe(TENANT.name);
  });
});
