import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { InvocationSummary } from '../../../api/plugins';
import { json, problem, session, TENANT, user, type RecordedRequest } from '../../../test/mockFetch';
import { installation, invocation, version } from '../../../test/pluginFixtures';
import { renderApp } from '../../../test/renderApp';

function summary(n: number, overrides: Partial<InvocationSummary> = {}): InvocationSummary {
  return {
    id: `inv_${n}`,
    installation_id: 'pin_01',
    plugin: 'ivr-menu',
    version: '1.0.0',
    world: 'ivr',
    function: 'on-event',
    outcome: 'returned',
    detail: null,
    duration_us: 90 + n,
    created_at: '2026-01-02T10:00:00Z',
    ...overrides,
  };
}

function server(extra: (req: RecordedRequest) => Response | undefined = () => undefined) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user({ role: 'admin' }) }));
    if (req.method === 'GET' && req.path === '/api/v1/plugin-versions') return json(200, { items: [version()] });
    if (req.method === 'GET' && req.path === '/api/v1/plugin-installations') {
      return json(200, { items: [installation(), installation({ id: 'pin_02', name: 'vip-router' })] });
    }
    return problem(404, 'not-found', 'Not found');
  };
}

const query = (req: RecordedRequest) => Object.fromEntries(new URL(req.url, 'http://x').searchParams);

describe('invocation log', () => {
  it('filters by installation and outcome, and pages with the cursor', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugin-log',
      server((req) => {
        if (req.path !== '/api/v1/plugin-invocations') return undefined;
        const q = query(req);
        if (q.before === 'cur_2') return json(200, { items: [summary(3)], next: null });
        if (q.outcome === 'trapped') {
          return json(200, { items: [summary(9, { outcome: 'trapped', detail: 'cpu_limit' })], next: null });
        }
        return json(200, { items: [summary(1), summary(2)], next: 'cur_2' });
      }),
      { refreshToken: 'stored' },
    );
    await waitFor(() => expect(screen.getAllByTestId('plugin-log-row')).toHaveLength(2));
    await u.click(screen.getByTestId('plugin-log-more'));
    await waitFor(() => expect(screen.getAllByTestId('plugin-log-row')).toHaveLength(3));
    expect(screen.queryByTestId('plugin-log-more')).toBeNull();

    await waitFor(() => expect(screen.getByLabelText('Installation').querySelectorAll('option')).toHaveLength(3));
    await u.selectOptions(screen.getByLabelText('Installation'), 'pin_01');
    await u.selectOptions(screen.getByLabelText('Outcome'), 'trapped');
    await waitFor(() => expect(screen.getAllByTestId('plugin-log-row')).toHaveLength(1));
    expect(screen.getByTestId('plugin-log-row').textContent).toContain('Trapped: cpu_limit');

    const lists = calls.filter((c) => c.path === '/api/v1/plugin-invocations').map(query);
    expect(lists[0]).toEqual({ limit: '50' });
    expect(lists[1]).toEqual({ limit: '50', before: 'cur_2' });
    expect(lists[lists.length - 1]).toEqual({ installation_id: 'pin_01', outcome: 'trapped', limit: '50' });
    expect(screen.getByTestId('location').textContent).toBe('/admin/plugin-log');
  });

  it('shows input, outcome, host calls and logs, and a replay that came out identical', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugin-log/inv_7',
      server((req) => {
        if (req.method === 'GET' && req.path === '/api/v1/plugin-invocations/inv_7') {
          return json(200, { id: 'inv_7', installation_id: 'pin_01', created_at: '2026-01-02T10:00:00Z', invocation: invocation() });
        }
        if (req.method === 'POST' && req.path === '/api/v1/plugin-invocations/inv_7/replay') {
          return json(200, { identical: true, invocation: invocation() });
        }
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    const recorded = await screen.findByTestId('recorded');
    expect(JSON.parse(within(recorded).getByTestId('recorded-input').textContent!)).toEqual(invocation().input);
    expect(JSON.parse(within(recorded).getByTestId('recorded-outcome').textContent!)).toEqual({ Ok: ['Answer'] });
    expect(within(recorded).getByTestId('recorded-host-calls').textContent).toContain('config.get');
    expect(within(recorded).getByTestId('recorded-logs').textContent).toContain('menu main');
    await u.click(screen.getByTestId('replay'));
    expect((await screen.findByTestId('replay-identical')).textContent).toMatch(/^Identical/);
    expect(calls.filter((c) => c.method === 'POST' && c.path.endsWith('/replay'))).toHaveLength(1);
  });

  it('shows the new outcome when a replay differs', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/plugin-log/inv_8',
      server((req) => {
        if (req.method === 'GET' && req.path === '/api/v1/plugin-invocations/inv_8') {
          return json(200, { id: 'inv_8', installation_id: null, created_at: '2026-01-02T10:00:00Z', invocation: invocation() });
        }
        if (req.method === 'POST' && req.path.endsWith('/replay')) {
          return json(200, { identical: false, invocation: invocation({ outcome: { kind: 'trapped', detail: { kind: 'cpu_limit' } } }) });
        }
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('recorded');
    await u.click(screen.getByTestId('replay'));
    expect((await screen.findByTestId('replay-different')).textContent).toContain('Trapped: cpu_limit');
    expect(within(screen.getByTestId('replayed')).getByTestId('outcome').textContent).toBe('Trapped: cpu_limit');
  });
});

describe('try it', () => {
  it('sends a call-started event for this company and shows the run', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugins/installations/pin_01/try',
      server((req) =>
        req.method === 'POST' && req.path === '/api/v1/plugin-installations/pin_01/test'
          ? json(200, { invocation: invocation({ id: 'inv_42', logs: [{ level: 'info', message: 'greeting played' }] }) })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    const editor = (await screen.findByLabelText('Input (JSON)')) as HTMLTextAreaElement;
    const sample = JSON.parse(editor.value);
    expect(sample.event).toBe('CallStarted');
    expect(sample.context).toMatchObject({ tenant_id: TENANT.id, language: 'Mandarin', data: [], ivr_path: [] });
    const edited = { ...sample, context: { ...sample.context, caller: '+8613911112222' } };
    await u.clear(editor);
    await u.click(editor);
    await u.paste(JSON.stringify(edited));
    await u.click(screen.getByTestId('try-send'));

    const result = await screen.findByTestId('try-result');
    expect(within(result).getByTestId('try-invocation-logs').textContent).toContain('greeting played');
    expect(within(result).getByTestId('try-log-link').getAttribute('href')).toBe('/admin/plugin-log/inv_42');
    const post = calls.find((c) => c.path === '/api/v1/plugin-installations/pin_01/test')!;
    expect(post.body).toEqual({ function: 'on-event', input: edited });
  });

  it('refuses input that is not a JSON object and shows a server error about the input next to it', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugins/installations/pin_01/try',
      server((req) =>
        req.method === 'POST' && req.path.endsWith('/test')
          ? problem(422, 'invalid-field', 'Invalid input', { field: 'input', detail: 'input: missing field `context`' })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    const editor = await screen.findByLabelText('Input (JSON)');
    await u.clear(editor);
    await u.type(editor, 'nope');
    await u.click(screen.getByTestId('try-send'));
    expect((await screen.findByTestId('error-input')).textContent).toMatch(/^Not valid JSON/);
    expect(calls.some((c) => c.path.endsWith('/test'))).toBe(false);
    await u.clear(editor);
    await u.click(editor);
    await u.paste('["CallStarted"]');
    await u.click(screen.getByTestId('try-send'));
    await waitFor(() => expect(screen.getByTestId('error-input').textContent).toMatch(/must be a JSON object/));
    expect(calls.some((c) => c.path.endsWith('/test'))).toBe(false);
    await u.clear(editor);
    await u.click(editor);
    await u.paste('{"event": "CallStarted"}');
    await u.click(screen.getByTestId('try-send'));
    await waitFor(() => expect(screen.getByTestId('error-input').textContent).toBe('Missing field “context”'));
  });
});

const DEFAULTS = { cpu_ms: 50, memory_mib: 64, wall_ms: 1000, max_output_kib: 256 };
const MAX = { cpu_ms: 200, memory_mib: 256, wall_ms: 5000, max_output_kib: 1024 };

describe('plugin limits', () => {
  it('shows the maxima, saves whole numbers and puts a refused value next to its input', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/plugin-limits',
      server((req) => {
        if (req.path !== '/api/v1/plugin-limits') return undefined;
        if (req.method === 'GET') {
          return json(200, { limits: { ...DEFAULTS, cpu_ms: 80 }, defaults: DEFAULTS, max: MAX });
        }
        const body = req.body as { cpu_ms: number };
        if (body.cpu_ms > 200) {
          return problem(422, 'invalid-field', 'Invalid limits', { errors: [{ field: 'cpu_ms', message: 'must be between 1 and 200' }] });
        }
        return json(200, { limits: req.body, defaults: DEFAULTS, max: MAX });
      }),
      { refreshToken: 'stored' },
    );
    const cpu = (await screen.findByLabelText('CPU time per invocation')) as HTMLInputElement;
    expect(cpu.value).toBe('80');
    expect(screen.getByText(/Default 50 ms, at most 200 ms\./)).toBeTruthy();
    await u.clear(cpu);
    await u.type(cpu, '500');
    await u.click(screen.getByTestId('limits-save'));
    expect((await screen.findByTestId('error-cpu_ms')).textContent).toBe('Must be between 1 and 200');

    await u.clear(cpu);
    await u.type(cpu, '120');
    await u.click(screen.getByTestId('limits-save'));
    await screen.findByTestId('limits-saved');
    await u.click(screen.getByTestId('limits-defaults'));
    expect(cpu.value).toBe('50');
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts[0]!.body).toEqual({ ...DEFAULTS, cpu_ms: 500 });
    expect(puts[1]!.body).toEqual({ ...DEFAULTS, cpu_ms: 120 });
  });
});
