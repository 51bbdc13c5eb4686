import { describe, expect, it } from 'vitest';
import { abilities, deskReducer, initialDesk, isFinalClose, parseDown, type DeskEvent, type DeskState, type Down } from './desk';

const server = (message: Down, now = 1_000): DeskEvent => ({ kind: 'server', message, now });

function run(events: DeskEvent[], from: DeskState = initialDesk(0)): DeskState {
  return events.reduce(deskReducer, from);
}

const offered: Down = {
  type: 'offered',
  seq: 3,
  call: 'cal_1',
  queue: 'Support',
  caller: '+8613800138000',
  data: [['order', '42']],
  ring_ms: 15_000,
};

describe('the desk reducer', () => {
  it('goes on-line on ready and takes the first state notice', () => {
    const desk = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'state', seq: 1, state: { state: 'logged_out' } }, 2_000),
    ]);
    expect(desk.link).toBe('online');
    expect(desk.agent).toBe('agt_1');
    expect(desk.agentState).toEqual({ state: 'logged_out' });
    expect(desk.stateSince).toBe(2_000);
  });

  it('keeps the time in state when the same state is repeated, and restarts it on a change', () => {
    const a = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'state', state: { state: 'available' } }, 1_000),
      server({ type: 'state', state: { state: 'available' } }, 5_000),
    ]);
    expect(a.stateSince).toBe(1_000);
    const b = run([server({ type: 'state', state: { state: 'not_ready', reason: 'lunch' } }, 9_000)], a);
    expect(b.stateSince).toBe(9_000);
    expect(b.agentState).toEqual({ state: 'not_ready', reason: 'lunch' });
  });

  it('carries an answered offer into the call, then into wrap-up, then clears it', () => {
    let desk = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'state', state: { state: 'available' } }),
      server({ type: 'state', state: { state: 'reserved', call: 'cal_1' } }, 2_000),
      server(offered, 2_000),
    ]);
    expect(desk.offer).toMatchObject({ call: 'cal_1', queue: 'Support', ringMs: 15_000, at: 2_000 });
    expect(abilities(desk)).toMatchObject({ answer: true, decline: true, hangUp: false, setState: false });

    desk = run([server({ type: 'state', state: { state: 'on_call', call: 'cal_1' } }, 3_000)], desk);
    expect(desk.offer).toBeNull();
    expect(desk.call).toEqual({ call: 'cal_1', queue: 'Support', caller: '+8613800138000', data: [['order', '42']], since: 3_000 });
    expect(abilities(desk)).toMatchObject({ answer: false, hangUp: true, wrapUp: false });

    desk = run([server({ type: 'state', state: { state: 'after_call_work', call: 'cal_1' } }, 60_000)], desk);
    expect(desk.call?.caller).toBe('+8613800138000');
    expect(abilities(desk)).toMatchObject({ hangUp: false, wrapUp: true, setState: false });

    desk = run([server({ type: 'state', state: { state: 'available' } }, 61_000)], desk);
    expect(desk.call).toBeNull();
    expect(abilities(desk).setState).toBe(true);
  });

  it('drops a withdrawn offer, but only that one', () => {
    const ringing = run([server({ type: 'ready', agent: 'agt_1' }), server(offered)]);
    expect(run([server({ type: 'offer_withdrawn', call: 'cal_other' })], ringing).offer).not.toBeNull();
    expect(run([server({ type: 'offer_withdrawn', call: 'cal_1' })], ringing).offer).toBeNull();
  });

  it('drops the offer when the agent leaves reserved (declined, rang out)', () => {
    const desk = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server(offered),
      server({ type: 'state', state: { state: 'not_ready', reason: 'missed' } }),
    ]);
    expect(desk.offer).toBeNull();
  });

  it('is taken over for good on replaced, whatever close code follows', () => {
    const online = run([server({ type: 'ready', agent: 'agt_1' }), server(offered)]);
    const replaced = run([server({ type: 'replaced' }), { kind: 'closed', code: 1006, now: 2 }, { kind: 'connecting' }], online);
    expect(replaced.link).toBe('replaced');
    expect(replaced.offer).toBeNull();
    expect(run([{ kind: 'closed', code: 4409, now: 2 }], online).link).toBe('replaced');
  });

  it('reconnects after a dropped connection and shows the audio as reconnecting', () => {
    const online = run([server({ type: 'ready', agent: 'agt_1' }), { kind: 'audio', audio: 'connected' }]);
    const dropped = run([{ kind: 'closed', code: 1006, now: 2 }], online);
    expect(dropped.link).toBe('reconnecting');
    expect(dropped.audio).toBe('connecting');
    expect(abilities(dropped).setState).toBe(false);
    expect(run([server({ type: 'ready', agent: 'agt_1' })], dropped).link).toBe('online');
  });

  it('leaves the reason of a close to the link banner', () => {
    const desk = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'error', reason: 'the access token expired or was revoked; reconnect with a fresh one' }),
    ]);
    expect(desk.error).toMatch(/expired/);
    expect(run([{ kind: 'closed', code: 4401, now: 2 }], desk)).toMatchObject({ link: 'reconnecting', error: null });
  });

  it('names a refusal: not an agent, telephony off', () => {
    expect(run([{ kind: 'closed', code: 4403, now: 1 }])).toMatchObject({ link: 'refused', refusal: 'not_agent' });
    expect(run([{ kind: 'closed', code: 1011, now: 1 }])).toMatchObject({ link: 'refused', refusal: 'telephony_off' });
  });

  it('keeps a refused command for a banner until dismissed', () => {
    const desk = run([{ kind: 'command_failed', reason: 'unknown not-ready reason `nap`' }]);
    expect(desk.error).toBe('unknown not-ready reason `nap`');
    expect(run([{ kind: 'dismiss_error' }], desk).error).toBeNull();
  });

  it('unmutes when the audio is switched off', () => {
    const muted = run([{ kind: 'audio', audio: 'connected' }, { kind: 'muted', muted: true }]);
    expect(muted.muted).toBe(true);
    expect(run([{ kind: 'audio', audio: 'off' }], muted).muted).toBe(false);
  });

  it('holds only while talking, and a hold ends with its call', () => {
    const talking = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'state', seq: 1, state: { state: 'on_call', call: 'cal_1' } }),
    ]);
    expect(abilities(talking).hold).toBe(true);
    const held = deskReducer(talking, { kind: 'held', held: true });
    expect(held.held).toBe(true);
    // The same state again keeps it; wrap-up ends it; a hold outside a call is ignored.
    expect(run([server({ type: 'state', seq: 2, state: { state: 'on_call', call: 'cal_1' } })], held).held).toBe(true);
    const wrapping = run([server({ type: 'state', seq: 3, state: { state: 'after_call_work', call: 'cal_1' } })], held);
    expect(wrapping.held).toBe(false);
    expect(abilities(wrapping).hold).toBe(false);
    expect(deskReducer(wrapping, { kind: 'held', held: true }).held).toBe(false);
  });

  it('allows mute only while talking with the audio connected', () => {
    const talking = run([
      server({ type: 'ready', agent: 'agt_1' }),
      server({ type: 'state', state: { state: 'on_call', call: 'cal_9' } }),
    ]);
    expect(talking.call).toMatchObject({ call: 'cal_9', caller: '' });
    expect(abilities(talking).mute).toBe(false);
    expect(abilities(run([{ kind: 'audio', audio: 'connected' }], talking)).mute).toBe(true);
  });
});

describe('close codes and frames', () => {
  it('treats replaced, not-an-agent and telephony-off as final', () => {
    expect([4409, 4403, 1011].every(isFinalClose)).toBe(true);
    expect([1000, 1006, 4401, 1008].some(isFinalClose)).toBe(false);
  });

  it('parses server frames and ignores what is not one', () => {
    expect(parseDown('{"type":"ack","id":3}')).toEqual({ type: 'ack', id: 3 });
    expect(parseDown('not json')).toBeNull();
    expect(parseDown('{"no":"type"}')).toBeNull();
    expect(parseDown('[1,2]')).toBeNull();
  });
});
