import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../api/client';
import { AppRoutes } from '../../App';
import { LANG_KEY } from '../../agent/i18n';
import { ChannelDepsContext } from '../../agent/useAgentDesk';
import { AuthProvider } from '../../auth/AuthContext';
import { fakeDesk, settle, type FakeDesk } from '../../test/fakeDesk';
import { json, memoryStorage, mockFetch, session, user } from '../../test/mockFetch';

const agent = user({ id: 'usr_2', role: 'agent', name: 'Ben Agent', email: 'ben@acme.test' });

function renderDesk(fake: FakeDesk) {
  const storage = memoryStorage();
  storage.setItem('kefu.refresh_token', 'stored');
  const { fetch } = mockFetch((req) => {
    if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: agent }));
    if (req.path === '/api/v1/reason-codes') return json(200, { items: [{ code: 'lunch', label: 'Lunch' }] });
    return json(404, { title: 'Not found', status: 404 });
  });
  const api = new ApiClient({ fetch, storage });
  return render(
    <MemoryRouter initialEntries={['/agent']}>
      <AuthProvider api={api}>
        <ChannelDepsContext.Provider value={fake.make}>
          <AppRoutes />
        </ChannelDepsContext.Provider>
      </AuthProvider>
    </MemoryRouter>,
  );
}

/** Renders the desk and plays the server's greeting: the agent is logged out. */
async function onlineDesk(fake: FakeDesk) {
  renderDesk(fake);
  await screen.findByTestId('page-agent-workspace');
  await act(async () => {
    await settle();
  });
  const s = fake.socket();
  act(() => {
    s.open();
    s.receive({ type: 'ready', agent: 'agt_1' });
    s.receive({ type: 'state', seq: 1, state: { state: 'logged_out' } });
  });
  return s;
}

function setLanguage(tag: string) {
  vi.spyOn(window.navigator, 'language', 'get').mockReturnValue(tag);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the agent desk', () => {
  it('goes ready: the audio is negotiated first, then the state and the time in it show', async () => {
    setLanguage('en-US');
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    expect(screen.getByTestId('agent-state').textContent).toContain('Offline');
    await userEvent.click(screen.getByTestId('go-ready'));
    expect(s.types()).toEqual(['auth', 'media_offer', 'ready']);
    act(() => {
      fake.peer()?.become('connected');
      s.receive({ type: 'state', seq: 2, state: { state: 'available' } });
    });
    expect(screen.getByTestId('agent-state').textContent).toContain('Ready');
    expect(screen.getByTestId('state-since').textContent).toMatch(/for 00:0\d/);
    expect(screen.getByTestId('audio-status').textContent).toContain('Audio connected');
  });

  it('goes not ready with the chosen reason code', async () => {
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    await screen.findByRole('option', { name: 'Lunch' });
    await userEvent.click(screen.getByTestId('go-not-ready'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'not_ready', reason: 'lunch' });
    act(() => s.receive({ type: 'state', seq: 2, state: { state: 'not_ready', reason: 'lunch' } }));
    expect(screen.getByTestId('state-reason').textContent).toContain('Reason: Lunch');
  });

  it('rings, answers, mutes, holds, hangs up and wraps up — by button and by shortcut', async () => {
    setLanguage('en-US');
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    await userEvent.click(screen.getByTestId('go-ready'));
    act(() => {
      fake.peer()?.become('connected');
      s.receive({ type: 'state', seq: 2, state: { state: 'reserved', call: 'cal_7' } });
      s.receive({
        type: 'offered',
        seq: 3,
        call: 'cal_7',
        queue: 'Support',
        caller: '+8613800138000',
        data: [['order', 'A-42']],
        ring_ms: 15_000,
      });
    });
    const toast = screen.getByTestId('incoming-call');
    expect(within(toast).getByTestId('incoming-caller').textContent).toContain('+8613800138000');
    expect(within(toast).getByTestId('incoming-queue').textContent).toContain('Support');
    expect(within(toast).getByTestId('call-data').textContent).toContain('A-42');
    expect(within(toast).getByTestId('ring-countdown').textContent).toMatch(/Ringing, 1[45] s left/);

    fireEvent.keyDown(window, { code: 'KeyA', altKey: true });
    await act(async () => settle());
    expect(s.sent.at(-1)).toMatchObject({ type: 'accept', call: 'cal_7' });
    act(() => s.receive({ type: 'state', seq: 4, state: { state: 'on_call', call: 'cal_7' } }));
    expect(screen.queryByTestId('incoming-call')).toBeNull();
    expect(screen.getByTestId('call-caller').textContent).toContain('+8613800138000');
    expect(screen.getByTestId('call-timer').textContent).toContain('00:00');

    fireEvent.keyDown(window, { code: 'KeyM', altKey: true });
    expect(fake.tracks[0]?.enabled).toBe(false);
    expect(screen.getByTestId('mute').textContent).toContain('Unmute');
    expect(screen.queryByTestId('muted-notice')).not.toBeNull();
    await userEvent.click(screen.getByTestId('mute'));
    expect(fake.tracks[0]?.enabled).toBe(true);

    await userEvent.click(screen.getByTestId('hold'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'hold', call: 'cal_7' });
    await waitFor(() => expect(screen.getByTestId('hold').textContent).toContain('Resume'));
    expect(screen.queryByTestId('held-notice')).not.toBeNull();
    await userEvent.click(screen.getByTestId('hold'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'resume', call: 'cal_7' });
    await waitFor(() => expect(screen.queryByTestId('held-notice')).toBeNull());

    await userEvent.click(screen.getByTestId('hang-up'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'hang_up', call: 'cal_7' });
    act(() => s.receive({ type: 'state', seq: 5, state: { state: 'after_call_work', call: 'cal_7' } }));
    expect(screen.getByTestId('call-caller').textContent).toContain('+8613800138000');
    await userEvent.click(screen.getByTestId('wrap-up-done'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'wrap_up_done' });
  });

  it('declines an offer', async () => {
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    act(() =>
      s.receive({ type: 'offered', seq: 2, call: 'cal_8', queue: 'Support', caller: '+1', data: [], ring_ms: 15_000 }),
    );
    await userEvent.click(screen.getByTestId('decline'));
    expect(s.sent.at(-1)).toMatchObject({ type: 'decline', call: 'cal_8' });
  });

  it('says when the microphone is denied', async () => {
    setLanguage('en-US');
    const fake = fakeDesk();
    fake.micError = { name: 'NotAllowedError' };
    const s = await onlineDesk(fake);
    await userEvent.click(screen.getByTestId('go-ready'));
    expect((await screen.findByTestId('desk-audio-mic_denied')).textContent).toMatch(/Microphone access was denied/);
    expect(s.types()).toEqual(['auth']);
  });

  it('says the audio is not connected when ICE fails, and offers to reconnect it', async () => {
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    await userEvent.click(screen.getByTestId('go-ready'));
    act(() => fake.peer()?.become('failed'));
    expect(screen.getByTestId('desk-audio-failed').textContent).toMatch(/Audio is not connected/);
    await userEvent.click(screen.getByTestId('retry-audio'));
    expect(s.types().filter((t) => t === 'media_offer')).toHaveLength(2);
  });

  it('shows a refused command and lets it be dismissed', async () => {
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    s.refuse.ready = 'the call service is unavailable: no engine';
    await userEvent.click(screen.getByTestId('go-ready'));
    expect((await screen.findByTestId('desk-error')).textContent).toContain('The call service is unavailable: no engine');
    await userEvent.click(screen.getByTestId('dismiss-error'));
    expect(screen.queryByTestId('desk-error')).toBeNull();
  });

  it('says it is reconnecting after a dropped connection, and taken over after replaced', async () => {
    setLanguage('en-US');
    const fake = fakeDesk();
    const s = await onlineDesk(fake);
    act(() => s.serverClose(1006));
    expect(screen.getByTestId('desk-link-reconnecting').textContent).toMatch(/Reconnecting/);
    // The first retry comes after the 1 s backoff.
    await waitFor(() => expect(fake.sockets).toHaveLength(2), { timeout: 3_000 });
    const again = fake.socket();
    act(() => {
      again.open();
      again.receive({ type: 'ready', agent: 'agt_1' });
      again.receive({ type: 'replaced', seq: 1 });
      again.serverClose(4409);
    });
    expect(screen.queryByTestId('desk-link-reconnecting')).toBeNull();
    expect(screen.getByTestId('desk-link-replaced').textContent).toMatch(/taken over by another tab/);
    expect((screen.getByTestId('go-ready') as HTMLButtonElement).disabled).toBe(true);
  });

  it('speaks Chinese to a zh browser, and remembers a switch to English', async () => {
    setLanguage('zh-CN');
    const fake = fakeDesk();
    await onlineDesk(fake);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('工作台');
    expect(screen.getByTestId('agent-state').textContent).toContain('离线');
    expect(screen.getByTestId('go-ready').textContent).toContain('就绪');
    expect(screen.getByTestId('current-user-role').textContent).toBe('坐席');
    expect(screen.getByTestId('sign-out').textContent).toBe('退出登录');
    await userEvent.selectOptions(screen.getByTestId('lang-select'), 'en');
    expect(screen.getByTestId('agent-state').textContent).toContain('Offline');
    expect(window.localStorage.getItem(LANG_KEY)).toBe('en');
  });
});
