// The agent desk's state machine: what the agent channel (`/api/v1/agent/channel`, see
// platform/server/src/api/agent_channel.rs) and the browser's audio have told us, as one pure
// reducer. The driver (`channel.ts`) turns WebSocket frames and RTCPeerConnection events into
// `DeskEvent`s; components only read `DeskState`.

/** The agent's state as the ACD reports it (`{"type":"state","state":{…}}`). */
export type AgentState =
  | { state: 'logged_out' }
  | { state: 'available' }
  | { state: 'reserved'; call: string }
  | { state: 'on_call'; call: string }
  | { state: 'after_call_work'; call: string }
  | { state: 'not_ready'; reason: string };

export type AgentStateName = AgentState['state'];

/** A notice or reply from the server. */
export type Down =
  | { type: 'ready'; agent: string }
  | { type: 'state'; seq?: number; state: AgentState }
  | {
      type: 'offered';
      seq?: number;
      call: string;
      queue: string;
      caller: string;
      data: [string, string][];
      ring_ms: number;
    }
  | { type: 'offer_withdrawn'; seq?: number; call: string }
  | { type: 'replaced'; seq?: number }
  | { type: 'ack'; id?: number | null }
  | { type: 'error'; id?: number | null; reason: string }
  | { type: 'media_answer'; id?: number | null; sdp: string };

/** A command to the server (the driver adds `id`). */
export type Up =
  | { type: 'ready' }
  | { type: 'not_ready'; reason: string }
  | { type: 'log_out' }
  | { type: 'accept'; call: string }
  | { type: 'decline'; call: string }
  | { type: 'hang_up'; call: string }
  | { type: 'hold'; call: string }
  | { type: 'resume'; call: string }
  | { type: 'wrap_up_done' }
  | { type: 'heartbeat' }
  | { type: 'media_offer'; sdp: string };

/**
 * The channel itself. `replaced` (another tab took over) and `refused` (not an agent, telephony
 * off) are final: the driver does not reconnect after them.
 */
export type Link = 'connecting' | 'online' | 'reconnecting' | 'replaced' | 'refused';

/** Why the server refused the channel for good. */
export type Refusal = 'not_agent' | 'telephony_off';

/** The browser's audio leg. */
export type Audio = 'off' | 'starting' | 'connecting' | 'connected' | 'failed' | 'mic_denied' | 'no_device';

export interface Offer {
  call: string;
  queue: string;
  caller: string;
  data: [string, string][];
  ringMs: number;
  /** When the offer arrived (ms since the epoch), for the ring countdown. */
  at: number;
}

export interface CallInfo {
  call: string;
  queue: string;
  caller: string;
  data: [string, string][];
  /** When the agent started talking (ms since the epoch). */
  since: number;
}

export interface DeskState {
  link: Link;
  refusal?: Refusal;
  agent?: string;
  /** `null` until the first state notice. */
  agentState: AgentState | null;
  /** When `agentState` last changed its kind (ms since the epoch). */
  stateSince: number;
  offer: Offer | null;
  /** The call being talked on or wrapped up. */
  call: CallInfo | null;
  audio: Audio;
  muted: boolean;
  /** The call is on hold (the caller hears music). */
  held: boolean;
  /** The last refused command's reason, for a banner. */
  error: string | null;
}

export type DeskEvent =
  | { kind: 'server'; message: Down; now: number }
  | { kind: 'closed'; code: number; now: number }
  | { kind: 'connecting' }
  | { kind: 'audio'; audio: Audio }
  | { kind: 'muted'; muted: boolean }
  | { kind: 'held'; held: boolean }
  | { kind: 'command_failed'; reason: string }
  | { kind: 'dismiss_error' };

export const initialDesk = (now: number): DeskState => ({
  link: 'connecting',
  agentState: null,
  stateSince: now,
  offer: null,
  call: null,
  audio: 'off',
  muted: false,
  held: false,
  error: null,
});

/** Close codes the server uses (agent_channel.rs). */
export const CLOSE = { token: 4401, notAgent: 4403, replaced: 4409, telephonyOff: 1011 } as const;

/** The call the agent's state names, if any. */
export function stateCall(s: AgentState | null): string | null {
  return s && 'call' in s ? s.call : null;
}

function onState(desk: DeskState, next: AgentState, now: number): DeskState {
  const changed = desk.agentState?.state !== next.state || stateCall(desk.agentState) !== stateCall(next);
  let { offer, call } = desk;
  const callId = stateCall(next);
  if (next.state !== 'reserved') offer = null;
  if (next.state === 'on_call') {
    if (call?.call !== callId) {
      const from = desk.offer?.call === callId ? desk.offer : null;
      call = {
        call: next.call,
        queue: from?.queue ?? '',
        caller: from?.caller ?? '',
        data: from?.data ?? [],
        since: now,
      };
    }
  } else if (next.state === 'after_call_work') {
    if (call?.call !== callId) call = { call: next.call, queue: '', caller: '', data: [], since: now };
  } else {
    call = null;
  }
  return {
    ...desk,
    agentState: next,
    stateSince: changed ? now : desk.stateSince,
    offer,
    call,
    // Hold belongs to one call: any other state ends it.
    held: next.state === 'on_call' && stateCall(next) === stateCall(desk.agentState) ? desk.held : false,
    // A new call starts unmuted only if the agent unmutes; keep the microphone as it is.
  };
}

function onServer(desk: DeskState, m: Down, now: number): DeskState {
  switch (m.type) {
    case 'ready':
      return { ...desk, link: 'online', agent: m.agent, refusal: undefined };
    case 'state':
      return onState(desk, m.state, now);
    case 'offered':
      return {
        ...desk,
        offer: { call: m.call, queue: m.queue, caller: m.caller, data: m.data ?? [], ringMs: m.ring_ms, at: now },
      };
    case 'offer_withdrawn':
      return desk.offer?.call === m.call ? { ...desk, offer: null } : desk;
    case 'replaced':
      return { ...desk, link: 'replaced', offer: null };
    case 'error':
      return { ...desk, error: m.reason };
    case 'ack':
    case 'media_answer':
      return desk;
  }
}

function onClosed(open: DeskState, code: number): DeskState {
  // The server's last words before closing ("the access token expired…") are the close's reason,
  // which the link banner words for people; a reconnect with a fresh token needs no banner.
  const desk = { ...open, error: null };
  if (desk.link === 'replaced' || code === CLOSE.replaced) return { ...desk, link: 'replaced', offer: null };
  if (code === CLOSE.notAgent) return { ...desk, link: 'refused', refusal: 'not_agent', offer: null };
  if (code === CLOSE.telephonyOff) return { ...desk, link: 'refused', refusal: 'telephony_off', offer: null };
  // The server detaches the audio when the channel drops; the driver renegotiates on reconnect.
  return { ...desk, link: 'reconnecting', offer: null, audio: desk.audio === 'off' ? 'off' : 'connecting' };
}

/** Is this close final (no reconnect)? */
export function isFinalClose(code: number): boolean {
  return code === CLOSE.replaced || code === CLOSE.notAgent || code === CLOSE.telephonyOff;
}

export function deskReducer(desk: DeskState, event: DeskEvent): DeskState {
  switch (event.kind) {
    case 'server':
      return onServer(desk, event.message, event.now);
    case 'closed':
      return onClosed(desk, event.code);
    case 'connecting':
      return desk.link === 'replaced' || desk.link === 'refused' ? desk : { ...desk, link: desk.link === 'online' ? 'reconnecting' : desk.link };
    case 'audio':
      return { ...desk, audio: event.audio, muted: event.audio === 'off' ? false : desk.muted };
    case 'muted':
      return { ...desk, muted: event.muted };
    case 'held':
      return desk.agentState?.state === 'on_call' ? { ...desk, held: event.held } : desk;
    case 'command_failed':
      return { ...desk, error: event.reason };
    case 'dismiss_error':
      return { ...desk, error: null };
  }
}

/** What the agent can do now. */
export function abilities(desk: DeskState) {
  const online = desk.link === 'online';
  const s = desk.agentState?.state;
  const busy = s === 'reserved' || s === 'on_call' || s === 'after_call_work';
  return {
    setState: online && !busy,
    // The server refuses an answer without the agent's audio leg; it says why in that case.
    answer: online && desk.offer !== null,
    decline: online && desk.offer !== null,
    hangUp: online && s === 'on_call',
    hold: online && s === 'on_call',
    mute: s === 'on_call' && desk.audio === 'connected',
    wrapUp: online && s === 'after_call_work',
  };
}

/** Parses one server frame; `null` when it is not a message we know. */
export function parseDown(text: string): Down | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') return null;
    return value as Down;
  } catch {
    return null;
  }
}
