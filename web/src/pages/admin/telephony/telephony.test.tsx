import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { InboundTrunk, PhoneNumber } from '../../../api/telephony';
import { json, problem, session, user, type RecordedRequest } from '../../../test/mockFetch';
import { renderApp } from '../../../test/renderApp';

const QUEUE = { id: 'que_01M81BRE4MVNHCKBJQATWW3DJE', name: 'Sales' };
const CARRIER: InboundTrunk = {
  id: 'trk_01M81BRE6SRSBNMT9ZRVCWY27M',
  name: 'Carrier A',
  enabled: true,
  sources: ['203.0.113.7/32'],
  digest_username: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const SALES_LINE: PhoneNumber = {
  id: 'did_01M81BRVPEQQ7TCMVB34NSN1WV',
  number: '+15555550100',
  label: 'Sales line',
  entry: { kind: 'queue', queue: QUEUE.id },
  trunks: [CARRIER.id],
  fallback_queue: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const PUBLISHER = 'ten_01M81BRVPEQQ7TCMVB34NSN1WA';
const VERSIONS = [
  { publisher: PUBLISHER, name: 'ivr-menu', version: '1.2.0', world: 'ivr' },
  { publisher: PUBLISHER, name: 'crm-card', version: '1.0.0', world: 'crm' },
];
const INSTALLS = [
  { id: 'ins_01M81BRVPEQQ7TCMVB34NSN1W1', publisher: PUBLISHER, name: 'ivr-menu', version: '1.2.0' },
  { id: 'ins_01M81BRVPEQQ7TCMVB34NSN1W2', publisher: PUBLISHER, name: 'crm-card', version: '1.0.0' },
];

function server(extra: (req: RecordedRequest) => Response | undefined = () => undefined) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user() }));
    if (req.method !== 'GET') return problem(404, 'not-found', 'Not found');
    const lists: Record<string, unknown[]> = {
      '/api/v1/numbers': [SALES_LINE],
      '/api/v1/inbound-trunks': [CARRIER],
      '/api/v1/outbound-trunks': [],
      '/api/v1/queues': [QUEUE],
      '/api/v1/plugin-installations': INSTALLS,
      '/api/v1/plugin-versions': VERSIONS,
    };
    const items = lists[req.path];
    return items ? json(200, { items }) : problem(404, 'not-found', 'Not found');
  };
}

describe('numbers page', () => {
  it('lists numbers by their entry and trunk names, and offers only IVR installations and queues', async () => {
    renderApp('/admin/numbers', server(), { refreshToken: 'stored' });
    const row = await screen.findByTestId('number-row-+15555550100');
    expect(within(row).getByText('Queue: Sales')).toBeTruthy();
    expect(within(row).getByText('Carrier A')).toBeTruthy();
    const options = Array.from((screen.getByTestId('input-entry') as HTMLSelectElement).options).map((o) => o.text);
    expect(options).toEqual(['Choose an IVR or a queue…', 'IVR: ivr-menu 1.2.0', 'Queue: Sales']);
  });

  it('sends the number compacted with the chosen entry and shows a refused number beside its input', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/numbers',
      server((req) =>
        req.method === 'POST' && req.path === '/api/v1/numbers'
          ? problem(422, 'invalid-field', 'A field is invalid', {
              field: 'number',
              detail: 'number: a phone number must be + then 8 to 15 digits, the first not 0 (like +15555550100)',
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('number-form');
    await u.type(screen.getByTestId('input-number'), '+1 555 01');
    await u.type(screen.getByTestId('input-label'), 'Support');
    await u.selectOptions(screen.getByTestId('input-entry'), 'IVR: ivr-menu 1.2.0');
    await u.click(screen.getByTestId('number-trunk-Carrier A'));
    await u.click(screen.getByTestId('number-save'));
    expect((await screen.findByTestId('error-number')).textContent).toBe(
      'A phone number must be + then 8 to 15 digits, the first not 0 (like +15555550100)',
    );
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/numbers')!;
    expect(post.body).toEqual({
      number: '+155501',
      label: 'Support',
      entry: { kind: 'ivr', installation: INSTALLS[0]!.id },
      trunks: [CARRIER.id],
      fallback_queue: null,
    });
  });

  it('offers a fallback queue only for an IVR entry and sends the chosen one', async () => {
    const u = userEvent.setup();
    const saved: PhoneNumber = {
      id: 'did_01M81BRVPEQQ7TCMVB34NSN1WX',
      number: '+15555550101',
      label: 'Menu line',
      entry: { kind: 'ivr', installation: INSTALLS[0]!.id },
      trunks: [],
      fallback_queue: QUEUE.id,
      created_at: '2026-01-02T00:00:00Z',
      updated_at: '2026-01-02T00:00:00Z',
    };
    const { calls } = renderApp(
      '/admin/numbers',
      server((req) => (req.method === 'POST' && req.path === '/api/v1/numbers' ? json(201, saved) : undefined)),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('number-form');
    await u.selectOptions(screen.getByTestId('input-entry'), 'Queue: Sales');
    expect(screen.queryByTestId('input-fallback_queue')).toBeNull();
    await u.selectOptions(screen.getByTestId('input-entry'), 'IVR: ivr-menu 1.2.0');
    const fallback = screen.getByTestId('input-fallback_queue') as HTMLSelectElement;
    expect(Array.from(fallback.options).map((o) => o.text)).toEqual(['Hang up after an apology', 'Sales']);
    await u.selectOptions(fallback, 'Sales');
    await u.type(screen.getByTestId('input-number'), '+15555550101');
    await u.click(screen.getByTestId('number-save'));
    expect((await screen.findByTestId('number-fallback-+15555550101')).textContent).toBe('if the IVR fails: queue Sales');
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/numbers')!;
    expect(post.body).toMatchObject({ entry: { kind: 'ivr', installation: INSTALLS[0]!.id }, fallback_queue: QUEUE.id });
  });

  it('asks before releasing a number', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/numbers',
      server((req) => (req.method === 'DELETE' ? json(204, null) : undefined)),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('number-delete-+15555550100'));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await u.click(screen.getByTestId('number-delete-+15555550100-yes'));
    expect((await screen.findByTestId('numbers-success')).textContent).toContain('+15555550100 released');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([`/api/v1/numbers/${SALES_LINE.id}`]);
    expect(screen.queryByTestId('number-row-+15555550100')).toBeNull();
  });
});

describe('trunks page', () => {
  it('empties the add form after a trunk is added, password included', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/trunks',
      server((req) =>
        req.method === 'POST' && req.path === '/api/v1/inbound-trunks'
          ? json(201, { ...CARRIER, id: 'trk_01M81BRE6SRSBNMT9ZRVCWY27N', name: 'Carrier B', digest_username: 'carrier-b' })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('inbound-row-Carrier A');
    await u.type(screen.getByTestId('input-inbound-name'), 'Carrier B');
    await u.type(screen.getByTestId('input-inbound-digest_username'), 'carrier-b');
    await u.type(screen.getByTestId('input-inbound-digest_password'), 'a long trunk secret');
    await u.click(screen.getByTestId('inbound-save'));
    await screen.findByTestId('inbound-row-Carrier B');
    expect((screen.getByTestId('input-inbound-name') as HTMLInputElement).value).toBe('');
    expect((screen.getByTestId('input-inbound-digest_password') as HTMLInputElement).value).toBe('');
  });

  it('sends sources one per line and the password, and places a refused source beside the sources', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/trunks',
      server((req) =>
        req.method === 'POST' && req.path === '/api/v1/inbound-trunks'
          ? problem(422, 'invalid-field', 'A field is invalid', {
              field: 'sources[1]',
              detail: 'sources[1]: nope is not an IP address or CIDR like 203.0.113.0/24',
            })
          : undefined,
      ),
      { refreshToken: 'stored' },
    );
    await screen.findByTestId('inbound-row-Carrier A');
    await u.type(screen.getByTestId('input-inbound-name'), 'Carrier B');
    await u.type(screen.getByTestId('input-inbound-sources'), '198.51.100.0/24{enter}nope');
    await u.type(screen.getByTestId('input-inbound-digest_username'), 'carrier-b');
    await u.type(screen.getByTestId('input-inbound-digest_password'), 'a long trunk secret');
    await u.click(screen.getByTestId('inbound-save'));
    expect((await screen.findByTestId('error-inbound-sources')).textContent).toBe(
      'Nope is not an IP address or CIDR like 203.0.113.0/24',
    );
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/inbound-trunks')!;
    expect(post.body).toEqual({
      name: 'Carrier B',
      enabled: true,
      sources: ['198.51.100.0/24', 'nope'],
      digest_username: 'carrier-b',
      digest_password: 'a long trunk secret',
    });
  });

  it('edits a trunk without resending a password, and shows a refused delete', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/trunks',
      server((req) => {
        if (req.method === 'PUT') return json(200, { ...CARRIER, ...(req.body as object) });
        if (req.method === 'DELETE')
          return problem(409, 'in-use', 'In use', {
            field: 'id',
            detail: 'numbers +15555550100 accept calls only through this trunk; change them first',
          });
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    await u.click(await screen.findByTestId('inbound-edit-Carrier A'));
    const name = screen.getByTestId('input-inbound-name') as HTMLInputElement;
    expect(name.value).toBe('Carrier A');
    await u.clear(name);
    await u.type(name, 'Carrier A1');
    await u.click(screen.getByTestId('inbound-save'));
    await screen.findByTestId('inbound-row-Carrier A1');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe(`/api/v1/inbound-trunks/${CARRIER.id}`);
    expect(put.body).not.toHaveProperty('digest_password');
    await u.click(screen.getByTestId('inbound-delete-Carrier A1'));
    await u.click(screen.getByTestId('inbound-delete-Carrier A1-yes'));
    await waitFor(() =>
      expect(screen.getByTestId('trunks-error').textContent).toContain('accept calls only through this trunk'),
    );
    expect(screen.getByTestId('inbound-row-Carrier A1')).toBeTruthy();
  });
});
