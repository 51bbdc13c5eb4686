// The agent desk for React: the reducer's state, the driver behind it, and the actions the
// panels call. The browser APIs come from `ChannelDepsContext` so component tests can fake them.

import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ApiClient } from '../api/client';
import { probeRemoteAudio } from './audio';
import { AgentChannel, AudioError, CommandError, type ChannelDeps } from './channel';
import { deskReducer, initialDesk, type DeskState } from './desk';

export type MakeDeps = (api: ApiClient, play: (stream: MediaStream) => void) => ChannelDeps;

export function channelUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/v1/agent/channel`;
}

/** The real browser: WebSocket, getUserMedia, RTCPeerConnection (no ICE servers: the server is ICE-lite). */
export const browserDeps: MakeDeps = (api, play) => ({
  url: channelUrl(),
  token: (fresh) => api.channelToken(fresh),
  createSocket: (url) => new WebSocket(url),
  getUserMedia: (c) => {
    if (!navigator.mediaDevices?.getUserMedia) {
      return Promise.reject(Object.assign(new Error('no media devices'), { name: 'NotFoundError' }));
    }
    return navigator.mediaDevices.getUserMedia(c);
  },
  createPeer: () => new RTCPeerConnection(),
  onRemoteStream: play,
  now: () => Date.now(),
});

export const ChannelDepsContext = createContext<MakeDeps>(browserDeps);

export interface DeskActions {
  ready(): void;
  notReady(reason: string): void;
  offline(): void;
  accept(): void;
  decline(): void;
  hangUp(): void;
  toggleHold(): void;
  wrapUpDone(): void;
  toggleMute(): void;
  retryAudio(): void;
  dismissError(): void;
}

export function useAgentDesk(api: ApiClient): {
  desk: DeskState;
  actions: DeskActions;
  audioRef: React.RefObject<HTMLAudioElement | null>;
} {
  const makeDeps = useContext(ChannelDepsContext);
  const [desk, dispatch] = useReducer(deskReducer, undefined, () => initialDesk(Date.now()));
  const audioRef = useRef<HTMLAudioElement | null>(null);
  const channelRef = useRef<AgentChannel | null>(null);
  const deskRef = useRef(desk);
  deskRef.current = desk;

  useEffect(() => {
    const play = (stream: MediaStream) => {
      const el = audioRef.current;
      if (el) {
        el.srcObject = stream;
        void el.play?.()?.catch(() => undefined);
      }
      probeRemoteAudio(stream);
    };
    const channel = new AgentChannel(makeDeps(api, play), dispatch);
    channelRef.current = channel;
    channel.start();
    return () => {
      channel.stop();
      if (channelRef.current === channel) channelRef.current = null;
    };
  }, [api, makeDeps]);

  const run = useCallback((work: (c: AgentChannel) => Promise<unknown>) => {
    const channel = channelRef.current;
    if (!channel) return;
    work(channel).catch((err: unknown) => {
      // Audio failures are shown from the desk's audio state.
      if (err instanceof AudioError) return;
      const reason = err instanceof CommandError || err instanceof Error ? err.message : String(err);
      dispatch({ kind: 'command_failed', reason });
    });
  }, []);

  const actions = useMemo<DeskActions>(
    () => ({
      ready: () => run((c) => c.goOnline({ type: 'ready' })),
      notReady: (reason) => run((c) => c.goOnline({ type: 'not_ready', reason })),
      offline: () => run((c) => c.goOffline()),
      accept: () => {
        const offer = deskRef.current.offer;
        if (offer) run((c) => c.command({ type: 'accept', call: offer.call }));
      },
      decline: () => {
        const offer = deskRef.current.offer;
        if (offer) run((c) => c.command({ type: 'decline', call: offer.call }));
      },
      hangUp: () => {
        const s = deskRef.current.agentState;
        if (s?.state === 'on_call') run((c) => c.command({ type: 'hang_up', call: s.call }));
      },
      toggleHold: () => {
        const { agentState: s, held } = deskRef.current;
        if (s?.state !== 'on_call') return;
        const call = s.call;
        run(async (c) => {
          await c.command({ type: held ? 'resume' : 'hold', call });
          dispatch({ kind: 'held', held: !held });
        });
      },
      wrapUpDone: () => run((c) => c.command({ type: 'wrap_up_done' })),
      toggleMute: () => channelRef.current?.setMuted(!deskRef.current.muted),
      retryAudio: () => run((c) => c.ensureAudio()),
      dismissError: () => dispatch({ kind: 'dismiss_error' }),
    }),
    [run],
  );

  return { desk, actions, audioRef };
}
