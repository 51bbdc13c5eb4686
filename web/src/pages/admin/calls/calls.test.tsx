import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDuration, type CallRecord, type Voicemail } from '../../../api/calls';
import { json, problem, session, user, type RecordedRequest } from '../../../test/mockFetch';
import { renderApp } from '../../../test/renderApp';

function record(n: number, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: `cal_${n}`,
    direction: 'inbound',
    caller: `+861380000000${n}`,
    dialled: '+862150000000',
    did_id: null,
    trunk_id: null,
    entry: null,
    sip_call_id: `sip-${n}@carrier`,
    started_at: '2026-11-22T09:00:00Z',
    answered_at: '2026-11-22T09:00:02Z',
    ended_at: '2026-11-22T09:01:37Z',
    duration_ms: 97_000,
    disposition: 'completed',
    hangup_by: 'caller',
    ivr_path: ['main', 'sales'],
    queue: 'que_sales',
    queue_wait_ms: 12_000,
    call_data: { order: 'A-17' },
    media: { codec: 'PCMU' },
    agents: [],
    talk_ms: null,
    hold_ms: null,
    holds: 0,
    reason: null,
    ...overrides,
  };
}

function voicemail(n: number, overrides: Partial<Voicemail> = {}): Voicemail {
  return {
    id: `vm_${n}`,
    call_id: `cal_${n}`,
    mailbox: 'sales',
    caller: `+861380000000${n}`,
    dialled: '+862150000000',
    duration_ms: 4_200,
    size_bytes: 67_244,
    heard: false,
    created_at: '2026-11-22T09:00:00Z',
    audio_url: `/api/v1/voicemails/vm_${n}/audio`,
    ...overrides,
  };
}

function server(extra: (req: RecordedRequest) => Response | undefined) {
  return (req: RecordedRequest): Response => {
    const answered = extra(req);
    if (answered) return answered;
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: user({ role: 'admin' }) }));
    return problem(404, 'not-found', 'Not found');
  };
}

const query = (req: RecordedRequest) => Object.fromEntries(new URL(req.url, 'http://x').searchParams);

describe('formatDuration', () => {
  it('shows minutes and seconds, and hours when there are any', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(97_000)).toBe('1:37');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });
});

describe('calls page', () => {
  it('lists calls, pages with the cursor, filters, and opens a call', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin/calls',
      server((req) => {
        if (req.path !== '/api/v1/calls') return undefined;
        const q = query(req);
        if (q.before === 'cal_2') return json(200, { items: [record(3)], next: null });
        if (q.disposition === 'abandoned') {
          return json(200, { items: [record(9, { disposition: 'abandoned', queue: null, queue_wait_ms: null })], next: null });
        }
        const answered = record(1, { disposition: 'answered', agents: ['agt_1'], talk_ms: 65_000 });
        return json(200, { items: [answered, record(2)], next: 'cal_2' });
      }),
      { refreshToken: 'stored' },
    );
    await waitFor(() => expect(screen.getAllByTestId('call-row')).toHaveLength(2));
    expect(screen.getByTestId('nav-calls')).toBeTruthy();
    const first = screen.getAllByTestId('call-row')[0]!;
    expect(first.textContent).toContain('+8613800000001');
    expect(first.textContent).toContain('1:37');
    expect(first.textContent).toContain('que_sales (waited 0:12)');

    await u.click(screen.getByTestId('calls-more'));
    await waitFor(() => expect(screen.getAllByTestId('call-row')).toHaveLength(3));
    expect(screen.queryByTestId('calls-more')).toBeNull();

    await u.click(screen.getByTestId('call-details-cal_1'));
    const detail = screen.getByTestId('call-detail-cal_1');
    expect(detail.textContent).toContain('main → sales');
    expect(detail.textContent).toContain('order: A-17');
    expect(screen.getByTestId('call-agents').textContent).toBe('agt_1 (talked 1:05)');

    await u.type(screen.getByTestId('input-disposition'), 'abandoned');
    await u.type(screen.getByTestId('input-caller'), ' +8613800000009 ');
    await u.click(screen.getByTestId('calls-filter'));
    await waitFor(() => expect(screen.getAllByTestId('call-row')).toHaveLength(1));
    expect(screen.getByTestId('call-row').textContent).toContain('abandoned');

    const lists = calls.filter((c) => c.path === '/api/v1/calls').map(query);
    expect(lists[0]).toEqual({ limit: '50' });
    expect(lists[1]).toEqual({ limit: '50', before: 'cal_2' });
    expect(lists[lists.length - 1]).toEqual({ disposition: 'abandoned', caller: '+8613800000009', limit: '50' });
  });

  it('says why when the calls cannot be read', async () => {
    renderApp(
      '/admin/calls',
      server((req) =>
        req.path === '/api/v1/calls' ? problem(403, 'forbidden', 'Not allowed', { detail: 'your role may not read call records' }) : undefined,
      ),
      { refreshToken: 'stored' },
    );
    expect((await screen.findByTestId('calls-error')).textContent).toContain('Your role may not read call records');
  });
});

describe('voicemail page', () => {
  const created: Blob[] = [];
  // jsdom has no object URLs; record what the page hands to the player.
  const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  beforeEach(() => {
    created.length = 0;
    URL.createObjectURL = (b: Blob) => {
      created.push(b);
      return `blob:vm-${created.length}`;
    };
    URL.revokeObjectURL = () => undefined;
  });
  afterEach(() => {
    URL.createObjectURL = original.create;
    URL.revokeObjectURL = original.revoke;
  });

  it('filters, plays (marking heard), marks unheard and deletes', async () => {
    const u = userEvent.setup();
    const state = new Map([
      ['vm_1', voicemail(1)],
      ['vm_2', voicemail(2, { mailbox: 'support', heard: true })],
    ]);
    const { calls } = renderApp(
      '/admin/voicemail',
      server((req) => {
        if (req.method === 'GET' && req.path === '/api/v1/voicemails') {
          const q = query(req);
          const items = [...state.values()].filter(
            (v) => (!q.mailbox || v.mailbox === q.mailbox) && (q.heard === undefined || String(v.heard) === q.heard),
          );
          return json(200, { items, next: null });
        }
        if (req.method === 'GET' && req.path === '/api/v1/voicemails/vm_1/audio') {
          return new Response(new Uint8Array([82, 73, 70, 70]), { status: 200, headers: { 'Content-Type': 'audio/wav' } });
        }
        const m = /^\/api\/v1\/voicemails\/(vm_\d)$/.exec(req.path);
        if (m && req.method === 'PATCH') {
          const vm = { ...state.get(m[1]!)!, heard: (req.body as { heard: boolean }).heard };
          state.set(vm.id, vm);
          return json(200, vm);
        }
        if (m && req.method === 'DELETE') {
          state.delete(m[1]!);
          return json(204, null);
        }
        return undefined;
      }),
      { refreshToken: 'stored' },
    );
    await waitFor(() => expect(screen.getAllByTestId('voicemail-row')).toHaveLength(2));
    expect(screen.getByTestId('voicemail-status-vm_1').textContent).toBe('New');

    // Playing fetches the audio with the session and marks the message heard.
    await u.click(screen.getByTestId('voicemail-play-vm_1'));
    await waitFor(() => expect(screen.getByTestId('voicemail-status-vm_1').textContent).toBe('Heard'));
    const player = within(screen.getByTestId('voicemail-player')).getByLabelText('Voicemail message');
    expect(player.getAttribute('src')).toBe('blob:vm-1');
    expect(created).toHaveLength(1);
    expect(new Uint8Array(await created[0]!.arrayBuffer())).toEqual(new Uint8Array([82, 73, 70, 70]));
    const audio = calls.find((c) => c.path === '/api/v1/voicemails/vm_1/audio')!;
    expect(audio.headers.authorization).toBe('Bearer access-1');
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ heard: true });

    await u.click(screen.getByTestId('voicemail-heard-vm_2'));
    await waitFor(() => expect(screen.getByTestId('voicemail-status-vm_2').textContent).toBe('New'));

    await u.selectOptions(screen.getByTestId('input-heard'), 'true');
    await waitFor(() => expect(screen.getAllByTestId('voicemail-row')).toHaveLength(1));
    expect(screen.getByTestId('voicemail-status-vm_1')).toBeTruthy();

    await u.click(screen.getByTestId('voicemail-delete-vm_1'));
    await u.click(screen.getByTestId('voicemail-delete-vm_1-yes'));
    await waitFor(() => expect(screen.getByTestId('voicemail-success').textContent).toContain('deleted'));
    expect(screen.getByTestId('voicemail-empty')).toBeTruthy();
    expect(screen.queryByTestId('voicemail-player')).toBeNull();
    expect(state.has('vm_1')).toBe(false);

    await u.selectOptions(screen.getByTestId('input-heard'), '');
    await u.type(screen.getByTestId('input-mailbox'), 'support');
    await u.click(screen.getByTestId('voicemail-filter'));
    await waitFor(() => expect(screen.getAllByTestId('voicemail-row')).toHaveLength(1));
    const lists = calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/voicemails').map(query);
    expect(lists[lists.length - 1]).toEqual({ mailbox: 'support', limit: '50' });
  });
});
