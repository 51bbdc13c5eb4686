import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeDesk, settle, type FakeDesk } from '../test/fakeDesk';
import { AgentChannel, backoff, HEARTBEAT_MS, micFailure } from './channel';
import { deskReducer, initialDesk, type DeskEvent, type DeskState } from './desk';

let fake: FakeDesk;
let desk: DeskState;
let channel: AgentChannel;

function connect() {
  channel = new AgentChannel(fake.deps, (e: DeskEvent) => {
    desk = deskReducer(desk, e);
  });
  channel.start();
}

/** Opens the newest socket and plays the server's greeting. */
async function greet(state: Record<string, unknown> = { state: 'logged_out' }) {
  await settle();
  const s = fake.socket();
  s.open();
  s.receive({ type: 'ready', agent: 'agt_1' });
  s.receive({ type: 'state', seq: 1, state });
  await settle();
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
  fake = fakeDesk(() => 0);
  desk = initialDesk(0);
});

afterEach(() => {
  channel?.stop();
  vi.useRealTimers();
});

describe('the agent channel driver', () => {
  it('authenticates with the access token in its first message', async () => {
    connect();
    const s = await greet();
    expect(s.sent[0]).toEqual({ type: 'auth', token: 'access-1' });
    expect(desk.link).toBe('online');
    expect(desk.agentState).toEqual({ state: 'logged_out' });
  });

  it('sends the media offer before ready, and plays the answer into the peer', async () => {
    connect();
    const s = await greet();
    await channel.goOnline({ type: 'ready' });
    expect(s.types()).toEqual(['auth', 'media_offer', 'ready']);
    expect(s.sent[1]).toMatchObject({ sdp: 'v=0 offer', id: 1 });
    expect(s.sent[2]).toMatchObject({ id: 2 });
    expect(fake.peer()?.remoteDescription).toEqual({ type: 'answer', sdp: 'v=0 answer' });
    expect(fake.peer()?.tracks).toHaveLength(1);
    expect(desk.audio).toBe('connecting');
    fake.peer()?.become('connected');
    expect(desk.audio).toBe('connected');
  });

  it('negotiates once: going ready again reuses the audio', async () => {
    connect();
    const s = await greet();
    await channel.goOnline({ type: 'ready' });
    await channel.goOnline({ type: 'not_ready', reason: 'lunch' });
    expect(s.types()).toEqual(['auth', 'media_offer', 'ready', 'not_ready']);
    expect(fake.peers).toHaveLength(1);
  });

  it('rejects a refused command with the server reason', async () => {
    connect();
    const s = await greet();
    s.refuse.not_ready = 'unknown not-ready reason `nap`';
    await expect(channel.goOnline({ type: 'not_ready', reason: 'nap' })).rejects.toThrow('unknown not-ready reason `nap`');
  });

  it('says so when the microphone is denied, and does not go ready', async () => {
    fake.micError = { name: 'NotAllowedError' };
    connect();
    const s = await greet();
    await expect(channel.goOnline({ type: 'ready' })).rejects.toThrow();
    expect(desk.audio).toBe('mic_denied');
    expect(s.types()).toEqual(['auth']);
  });

  it('classifies microphone failures', () => {
    expect(micFailure({ name: 'NotFoundError' })).toBe('no_device');
    expect(micFailure({ name: 'NotAllowedError' })).toBe('mic_denied');
    expect(micFailure(new Error('x'))).toBe('mic_denied');
  });

  it('sends a heartbeat every 5 s while connected', async () => {
    connect();
    const s = await greet();
    vi.advanceTimersByTime(HEARTBEAT_MS * 3);
    expect(s.types().filter((t) => t === 'heartbeat')).toHaveLength(3);
  });

  it('reconnects with backoff after a dropped connection and renegotiates the audio when on-line', async () => {
    connect();
    const first = await greet();
    await channel.goOnline({ type: 'ready' });
    first.serverClose(1006);
    expect(desk.link).toBe('reconnecting');
    expect(fake.peers[0]?.closed).toBe(true);
    expect(fake.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(backoff(0));
    expect(fake.sockets).toHaveLength(2);
    const second = await greet({ state: 'available' });
    expect(desk.link).toBe('online');
    expect(second.types()).toEqual(['auth', 'media_offer']);
    // The microphone is kept; only the peer is new.
    expect(fake.tracks).toHaveLength(1);
    expect(fake.peers).toHaveLength(2);
  });

  it('backs off 1 s, 2 s, 4 s … up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(backoff)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('never reconnects after being replaced, and lets the microphone go', async () => {
    connect();
    const s = await greet();
    await channel.goOnline({ type: 'ready' });
    s.receive({ type: 'replaced', seq: 3 });
    s.serverClose(4409);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.sockets).toHaveLength(1);
    expect(desk.link).toBe('replaced');
    expect(fake.tracks[0]?.stopped).toBe(true);
  });

  it('asks for a fresh token after the server closed with 4401', async () => {
    connect();
    const s = await greet();
    s.serverClose(4401);
    await vi.advanceTimersByTimeAsync(backoff(0));
    expect(fake.tokens).toEqual([false, true]);
    fake.socket().open();
    expect(fake.socket().sent[0]).toEqual({ type: 'auth', token: 'access-fresh' });
  });

  it('mutes by disabling the microphone track', async () => {
    connect();
    await greet();
    await channel.goOnline({ type: 'ready' });
    channel.setMuted(true);
    expect(fake.tracks[0]?.enabled).toBe(false);
    expect(desk.muted).toBe(true);
    channel.setMuted(false);
    expect(fake.tracks[0]?.enabled).toBe(true);
  });

  it('logs out and releases the microphone on Offline', async () => {
    connect();
    const s = await greet();
    await channel.goOnline({ type: 'ready' });
    await channel.goOffline();
    expect(s.types()).toContain('log_out');
    expect(fake.tracks[0]?.stopped).toBe(true);
    expect(desk.audio).toBe('off');
  });
});
