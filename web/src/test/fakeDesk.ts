// Fakes for the agent desk's browser APIs: a WebSocket that plays the agent channel's server
// side (it answers every command by default), an RTCPeerConnection and a microphone.

import type { ApiClient } from '../api/client';
import type { ChannelDeps } from '../agent/channel';
import type { MakeDeps } from '../agent/useAgentDesk';

export class FakeSocket {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  /** Answer commands by themselves (`ack`, or `media_answer` for `media_offer`). */
  autoAck = true;
  /** Refuse commands of these types with this reason. */
  refuse: Record<string, string> = {};

  constructor(readonly url: string) {}

  open() {
    this.readyState = 1;
    this.onopen?.();
  }

  send(text: string) {
    const message = JSON.parse(text) as Record<string, unknown>;
    this.sent.push(message);
    const { type, id } = message;
    if (!this.autoAck || type === 'auth' || typeof type !== 'string') return;
    const refusal = this.refuse[type];
    queueMicrotask(() => {
      if (refusal) this.receive({ type: 'error', id, reason: refusal });
      else if (type === 'media_offer') this.receive({ type: 'media_answer', id, sdp: 'v=0 answer' });
      else this.receive({ type: 'ack', id });
    });
  }

  receive(message: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  /** The server closes the connection. */
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  close() {
    this.readyState = 3;
  }

  types(): string[] {
    return this.sent.map((m) => String(m.type));
  }
}

export class FakeTrack {
  enabled = true;
  stopped = false;
  stop() {
    this.stopped = true;
  }
}

export class FakePeer {
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'complete';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: ((e: unknown) => void) | null = null;
  readonly tracks: FakeTrack[] = [];
  closed = false;

  addTrack(track: FakeTrack) {
    this.tracks.push(track);
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0 offer' };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    this.remoteDescription = d;
  }
  addEventListener() {}
  removeEventListener() {}
  close() {
    this.closed = true;
    this.connectionState = 'closed';
  }
  /** ICE and DTLS succeed (or fail). */
  become(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

export interface FakeDesk {
  sockets: FakeSocket[];
  peers: FakePeer[];
  tracks: FakeTrack[];
  tokens: boolean[];
  /** The error `getUserMedia` rejects with, if any. */
  micError: { name: string } | null;
  deps: ChannelDeps;
  make: MakeDeps;
  /** The newest socket. */
  socket(): FakeSocket;
  peer(): FakePeer | undefined;
}

export function fakeDesk(now: () => number = () => Date.now()): FakeDesk {
  const fake: FakeDesk = {
    sockets: [],
    peers: [],
    tracks: [],
    tokens: [],
    micError: null,
    deps: undefined as unknown as ChannelDeps,
    make: undefined as unknown as MakeDeps,
    socket() {
      const s = fake.sockets[fake.sockets.length - 1];
      if (!s) throw new Error('no socket opened yet');
      return s;
    },
    peer: () => fake.peers[fake.peers.length - 1],
  };
  fake.deps = {
    url: 'ws://test/api/v1/agent/channel',
    token: async (fresh) => {
      fake.tokens.push(fresh);
      return fresh ? 'access-fresh' : 'access-1';
    },
    createSocket: (url) => {
      const s = new FakeSocket(url);
      fake.sockets.push(s);
      return s as unknown as WebSocket;
    },
    getUserMedia: async () => {
      if (fake.micError) throw fake.micError;
      const track = new FakeTrack();
      fake.tracks.push(track);
      return { getAudioTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;
    },
    createPeer: () => {
      const p = new FakePeer();
      fake.peers.push(p);
      return p as unknown as RTCPeerConnection;
    },
    onRemoteStream: () => undefined,
    now,
  };
  fake.make = (_api: ApiClient) => fake.deps;
  return fake;
}

/** Lets queued promise callbacks (fake server replies, awaits in the driver) run. */
export async function settle(rounds = 10) {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
