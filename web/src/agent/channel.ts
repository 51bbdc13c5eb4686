// The thin driver under the desk's reducer: one WebSocket to `/api/v1/agent/channel` (auth,
// commands with ids, heartbeats, reconnect with backoff) and one RTCPeerConnection per connection
// (negotiated once when the agent goes on-line; the server moves it into calls by itself).
// Everything it learns goes to `dispatch` as a `DeskEvent`.

import { isFinalClose, parseDown, type Audio, type DeskEvent, type Down, type Up } from './desk';

/** The browser APIs the driver needs, injectable so tests can run it without a browser. */
export interface ChannelDeps {
  url: string;
  /** An access token; `fresh` after the server closed with 4401 (expired). */
  token(fresh: boolean): Promise<string>;
  createSocket(url: string): WebSocket;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createPeer(): RTCPeerConnection;
  /** The server's audio, to play and analyse. */
  onRemoteStream(stream: MediaStream): void;
  now(): number;
}

export const HEARTBEAT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 10_000;
const ICE_GATHERING_MS = 3_000;
const MAX_BACKOFF_MS = 30_000;

/** Reconnect delay after `attempt` failures: 1 s, 2 s, 4 s … up to 30 s. */
export function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(attempt, 5));
}

/** A refused command; `reason` is the server's sentence. */
export class CommandError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CommandError';
  }
}

/** The audio could not be set up; the desk's `audio` state already says why. */
export class AudioError extends Error {
  constructor(readonly audio: Audio) {
    super(audio);
    this.name = 'AudioError';
  }
}

/** Why the microphone could not be opened, as an audio state. */
export function micFailure(err: unknown): Audio {
  const name = err instanceof Error || (typeof err === 'object' && err !== null) ? (err as { name?: string }).name : '';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'no_device';
  return 'mic_denied';
}

interface Pending {
  resolve(reply: Down): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class AgentChannel {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private stopped = false;
  private final = false;
  private freshToken = false;
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private negotiating: Promise<void> | null = null;
  /** The first state notice of each connection decides whether the audio is renegotiated. */
  private awaitingFirstState = false;

  constructor(
    private readonly deps: ChannelDeps,
    private readonly dispatch: (event: DeskEvent) => void,
  ) {}

  start() {
    this.stopped = false;
    void this.connect();
  }

  /** Closes everything for good (the page is leaving). */
  stop() {
    this.stopped = true;
    this.clearTimers();
    this.rejectPending('the desk closed');
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'bye');
    this.closeAudio();
  }

  /** Sends a command; resolves with the server's reply (`ack` or `media_answer`). */
  command(up: Up): Promise<Down> {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return Promise.reject(new CommandError('not connected'));
    const id = this.nextId++;
    return new Promise<Down>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError('no answer from the server'));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...up, id }));
    });
  }

  /** Ready or not ready: connects the audio first when it is not connected. */
  async goOnline(up: Extract<Up, { type: 'ready' | 'not_ready' }>): Promise<void> {
    await this.ensureAudio();
    await this.command(up);
  }

  /** Logs out and releases the microphone. */
  async goOffline(): Promise<void> {
    await this.command({ type: 'log_out' });
    this.closeAudio();
  }

  setMuted(muted: boolean) {
    for (const track of this.mic?.getAudioTracks() ?? []) track.enabled = !muted;
    this.dispatch({ kind: 'muted', muted });
  }

  /** Negotiates the audio leg unless one is up (or being set up) on this connection. */
  ensureAudio(): Promise<void> {
    const state = this.pc?.connectionState;
    if (this.pc && state !== 'failed' && state !== 'closed') return this.negotiating ?? Promise.resolve();
    if (!this.negotiating) {
      this.negotiating = this.negotiate().finally(() => {
        this.negotiating = null;
      });
    }
    return this.negotiating;
  }

  // ---- WebSocket ---------------------------------------------------------------------------

  private async connect() {
    if (this.stopped || this.final) return;
    this.dispatch({ kind: 'connecting' });
    let token: string;
    try {
      token = await this.deps.token(this.freshToken);
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    this.freshToken = false;
    const ws = this.deps.createSocket(this.deps.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (e: MessageEvent) => {
      if (this.ws === ws) this.onMessage(String(e.data));
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws === ws) this.onClose(e.code);
    };
  }

  private onMessage(text: string) {
    const message = parseDown(text);
    if (!message) return;
    const id = 'id' in message && typeof message.id === 'number' ? message.id : null;
    const waiting = id !== null ? this.pending.get(id) : undefined;
    if (waiting && id !== null) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      if (message.type === 'error') waiting.reject(new CommandError(message.reason));
      else waiting.resolve(message);
      // A refused command is the caller's to report; do not also raise it as a desk error.
      if (message.type === 'error') return;
    }
    this.dispatch({ kind: 'server', message, now: this.deps.now() });
    if (message.type === 'ready') {
      this.attempts = 0;
      this.awaitingFirstState = true;
      this.startHeartbeat();
    } else if (message.type === 'state' && this.awaitingFirstState) {
      this.awaitingFirstState = false;
      // Back after a dropped connection while on-line: the server dropped the old audio leg.
      if (message.state.state !== 'logged_out' && this.mic) void this.ensureAudio().catch(() => undefined);
    }
  }

  private onClose(code: number) {
    this.ws = null;
    this.clearTimers();
    this.rejectPending('the connection closed');
    // The server detaches the audio leg with the connection.
    this.closePeer();
    this.dispatch({ kind: 'closed', code, now: this.deps.now() });
    if (isFinalClose(code)) {
      this.final = true;
      this.closeAudio();
      return;
    }
    if (code === 4401) this.freshToken = true;
    this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.stopped || this.final) return;
    const delay = backoff(this.attempts++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private startHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      this.command({ type: 'heartbeat' }).catch(() => undefined);
    }, HEARTBEAT_MS);
  }

  private clearTimers() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.heartbeat = null;
    this.retryTimer = null;
  }

  private rejectPending(why: string) {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new CommandError(why));
    }
    this.pending.clear();
  }

  // ---- audio -------------------------------------------------------------------------------

  private async negotiate() {
    this.dispatch({ kind: 'audio', audio: 'starting' });
    if (!this.mic) {
      try {
        this.mic = await this.deps.getUserMedia({ audio: true });
      } catch (err) {
        this.dispatch({ kind: 'audio', audio: micFailure(err) });
        throw new AudioError(micFailure(err));
      }
    }
    this.closePeer();
    const pc = this.deps.createPeer();
    this.pc = pc;
    for (const track of this.mic.getAudioTracks()) pc.addTrack(track, this.mic);
    pc.ontrack = (e: RTCTrackEvent) => this.deps.onRemoteStream(e.streams[0] ?? new MediaStream([e.track]));
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const s = pc.connectionState;
      if (s === 'connected') this.dispatch({ kind: 'audio', audio: 'connected' });
      else if (s === 'failed') this.dispatch({ kind: 'audio', audio: 'failed' });
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, ICE_GATHERING_MS);
      this.dispatch({ kind: 'audio', audio: 'connecting' });
      const answer = await this.command({ type: 'media_offer', sdp: pc.localDescription?.sdp ?? '' });
      if (answer.type !== 'media_answer') throw new CommandError('the server did not answer the audio offer');
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      if (pc.connectionState === 'connected') this.dispatch({ kind: 'audio', audio: 'connected' });
    } catch (err) {
      if (this.pc === pc) {
        this.closePeer();
        this.dispatch({ kind: 'audio', audio: 'failed' });
      }
      throw err;
    }
  }

  private closePeer() {
    const pc = this.pc;
    this.pc = null;
    if (pc) {
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
    }
  }

  private closeAudio() {
    this.closePeer();
    for (const track of this.mic?.getTracks() ?? []) track.stop();
    this.mic = null;
    this.dispatch({ kind: 'audio', audio: 'off' });
  }
}

/** Resolves once ICE gathering completes (or after `ms`: the host candidates come first). */
function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
