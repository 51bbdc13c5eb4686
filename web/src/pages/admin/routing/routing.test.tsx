import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Agent, Calendar, Queue, Skill } from '../../../api/routing';
import { json, problem, session, user, type RecordedRequest } from '../../../test/mockFetch';
import { renderApp } from '../../../test/renderApp';

const MANDARIN: Skill = { id: 'skl_01M81BRDY6WFGGNA244MN6Q3CK', name: 'Mandarin', description: '' };
const BILLING: Skill = { id: 'skl_01M81BRDYGN606SQV1N7ZVGQE3', name: 'Billing', description: 'Invoices' };
const SALES: Queue = {
  id: 'que_01M81BRE4MVNHCKBJQATWW3DJE',
  name: 'Sales',
  strategy: 'longest_idle',
  required_skills: [],
  default_priority: 5,
  priority_rules: [],
  skill_rules: [],
  aging: null,
  max_wait: null,
  service_level: { percent: 80, within: 20000 },
  ring_timeout: 15000,
  after_call_work: 30000,
  expected_handle_time: 180000,
  overflow: [],
  sticky: null,
  backup: null,
  router_plugin: null,
};
const SUPPORT: Queue = {
  ...SALES,
  id: 'que_01M81BRE6SRSBNMT9ZRVCWY27M',
  name: 'Support',
  required_skills: [{ skill: MANDARIN.id, min_level: 5 }],
  overflow: [{ after: 60000, action: 'add_queue', queue: SALES.id }],
};
const ANN: Agent = {
  user_id: 'usr_01M81BRVPEQQ7TCMVB34NSN1WV',
  agent_id: 'agt_01M81BRVPEQQ7TCMVB34NSN1WV',
  name: 'Ann Agent',
  email: 'ann@acme.test',
  role: 'agent',
  skills: [{ skill: MANDARIN.id, level: 8 }],
};

/** A fake server for the routing pages; `extra` answers first. */
function server(extra: (req: RecordedRequest) => Response | undefined = () => undefined) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user() }));
    if (req.method === 'GET' && req.path === '/api/v1/skills') return json(200, { items: [MANDARIN, BILLING] });
    if (req.method === 'GET' && req.path === '/api/v1/queues') return json(200, { items: [SALES, SUPPORT] });
    if (req.method === 'GET' && req.path === '/api/v1/agents') return json(200, { items: [ANN] });
    return problem(404, 'not-found', 'Not found');
  };
}

describe('queue editor', () => {
  it('sends seconds as milliseconds and shows a refused level next to its input', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/queues/new',
      server((req) =>
        req.method === 'POST' && req.path === '/api/v1/queues'
          ? problem(422, 'invalid-field', 'A field is invalid', {
              detail: 'required_skills[0].min_level: level 11 is outside 1–10',
              field: 'required_skills[0].min_level',
              errors: [{ field: 'required_skills[0].min_level', message: 'level 11 is outside 1–10' }],
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('queue-form');
    await u.type(screen.getByTestId('input-name'), 'Billing line');
    await u.clear(screen.getByTestId('input-ring_timeout'));
    await u.type(screen.getByTestId('input-ring_timeout'), '7.5');
    await u.click(screen.getByTestId('add-required_skills'));
    await u.selectOptions(screen.getByTestId('input-required_skills[0].skill'), 'Mandarin');
    await u.clear(screen.getByTestId('input-required_skills[0].min_level'));
    await u.type(screen.getByTestId('input-required_skills[0].min_level'), '11');
    await u.click(screen.getByTestId('add-overflow'));
    await u.selectOptions(screen.getByTestId('input-overflow[0].queue'), 'Support');
    await u.click(screen.getByTestId('queue-save'));

    expect((await screen.findByTestId('error-required_skills[0].min_level')).textContent).toBe('Level 11 is outside 1–10');
    expect(screen.getByTestId('input-required_skills[0].min_level').getAttribute('aria-invalid')).toBe('true');
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/queues')!;
    expect(post.body).toMatchObject({
      name: 'Billing line',
      ring_timeout: 7500,
      required_skills: [{ skill: MANDARIN.id, min_level: 11 }],
      overflow: [{ after: 60000, action: 'add_queue', queue: SUPPORT.id }],
    });
    expect(post.body).not.toHaveProperty('id');
  });

  it('names queues in an overflow-loop message, next to the step’s queue', async () => {
    const u = userEvent.setup();
    renderApp(
      `/admin/queues/${SALES.id}`,
      server((req) => {
        if (req.method === 'GET' && req.path === `/api/v1/queues/${SALES.id}`) {
          return json(200, { ...SALES, overflow: [{ after: 30000, action: 'add_queue', queue: SUPPORT.id }] });
        }
        if (req.method === 'PUT') {
          return problem(422, 'invalid-field', 'A field is invalid', {
            field: 'overflow[0].queue',
            errors: [{ field: 'overflow[0].queue', message: `overflow loop: ${SALES.id} → ${SUPPORT.id} → ${SALES.id}` }],
          });
        }
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('queue-form');
    expect((screen.getByTestId('input-overflow[0].after') as HTMLInputElement).value).toBe('30');
    await u.click(screen.getByTestId('queue-save'));
    expect((await screen.findByTestId('error-overflow[0].queue')).textContent).toBe(
      'Overflow loop: “Sales” → “Support” → “Sales”',
    );
  });
});

describe('skills page', () => {
  it('explains a refused delete with where the skill is used and the server detail', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/skills',
      server((req) =>
        req.method === 'DELETE'
          ? problem(409, 'config-conflict', 'The change conflicts with the rest of the configuration', {
              detail: `queues[1].required_skills[0].skill: unknown skill ${MANDARIN.id}`,
              field: 'queues[1].required_skills[0].skill',
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    const row = await screen.findByTestId('skill-row-Mandarin');
    expect(row.textContent).toContain('1 queue, 1 agent');
    await u.click(within(row).getByTestId('skill-delete-Mandarin'));
    await u.click(within(row).getByTestId('skill-delete-Mandarin-yes'));
    const banner = await screen.findByTestId('skills-error');
    expect(banner.textContent).toContain('“Mandarin” is still used by queue “Support”, agent Ann Agent.');
    expect(banner.textContent).toContain('unknown skill “Mandarin”');
    expect(screen.getByTestId('skill-row-Mandarin')).toBeTruthy();
  });

  it('sends the description along when renaming (PATCH would clear it otherwise)', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/skills',
      server((req) => (req.method === 'PATCH' ? json(200, { ...BILLING, name: 'Payments' }) : undefined)),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('skill-edit-Billing'));
    const name = screen.getByTestId('input-edit-name');
    await u.clear(name);
    await u.type(name, 'Payments');
    await u.click(screen.getByTestId('skill-save'));
    await screen.findByTestId('skill-row-Payments');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ name: 'Payments', description: 'Invoices' });
  });
});

describe('business hours editor', () => {
  it('puts a server error for weekly[2].close under Wednesday’s closing time', async () => {
    const u = userEvent.setup();
    const cal: Calendar = {
      id: 'hrs_01M81BRW04KCMFR7YV2WW1HDY3',
      name: 'Support hours',
      timezone: 'Asia/Shanghai',
      weekly: [
        { day: 'wed', open: '09:00', close: '17:00' },
        { day: 'mon', open: '09:00', close: '17:00' },
        { day: 'tue', open: '09:00', close: '17:00' },
      ],
      holidays: [],
      open_now: true,
    };
    const { calls } = renderApp(
      `/admin/hours/${cal.id}`,
      server((req) => {
        if (req.method === 'GET' && req.path === `/api/v1/calendars/${cal.id}`) return json(200, cal);
        if (req.method === 'PUT') {
          return problem(422, 'invalid-field', 'A field is invalid', {
            detail: '`weekly[2].close`: must be after `open`',
            field: 'weekly[2].close',
          });
        }
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('calendar-form');
    expect(screen.getByTestId('calendar-open-now').textContent).toBe('Open now');
    await u.click(screen.getByTestId('calendar-save'));
    const wednesday = screen.getByTestId('day-wed');
    expect((await within(wednesday).findByTestId('error-weekly[2].close')).textContent).toBe('Must be after “open”');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect((put.body as { weekly: { day: string }[] }).weekly.map((r) => r.day)).toEqual(['mon', 'tue', 'wed']);
  });
});

describe('admin navigation', () => {
  it('lists the routing pages and no longer shows the queues placeholder', async () => {
    renderApp('/admin/queues', server(), { refreshToken: 'stored' });
    await screen.findByTestId('queues-table');
    for (const id of ['nav-queues', 'nav-skills', 'nav-agents', 'nav-reason-codes', 'nav-business-hours']) {
      expect(screen.getByTestId(id)).toBeTruthy();
    }
    expect(screen.queryByTestId('placeholder-queues')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('queue-row-Support').textContent).toMatch(/Mandarin\s*≥ 5/));
  });
});
