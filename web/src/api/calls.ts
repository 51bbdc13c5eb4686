// Call detail records and voicemails. Mirrors platform/server/src/api/{call_records,voicemails}.rs:
// both are written by the call actor at hang-up; the API reads them, and marks voicemails heard
// or deletes them. The audio is fetched with the session's token, so it comes back as a blob.

import type { ApiClient } from './client';

export interface CallRecord {
  id: string;
  direction: 'inbound' | 'outbound';
  caller: string;
  dialled: string;
  did_id: string | null;
  trunk_id: string | null;
  entry: Record<string, unknown> | null;
  sip_call_id: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string;
  duration_ms: number;
  disposition: string;
  hangup_by: string;
  ivr_path: string[];
  queue: string | null;
  queue_wait_ms: number | null;
  call_data: Record<string, string>;
  media: Record<string, unknown>;
  reason: string | null;
}

export interface CallPage {
  items: CallRecord[];
  next: string | null;
}

export interface CallFilter {
  disposition?: string;
  caller?: string;
  limit?: number;
  before?: string;
}

export interface Voicemail {
  id: string;
  call_id: string;
  mailbox: string;
  caller: string;
  dialled: string;
  duration_ms: number;
  size_bytes: number;
  heard: boolean;
  created_at: string;
  audio_url: string;
}

export interface VoicemailPage {
  items: Voicemail[];
  next: string | null;
}

export interface VoicemailFilter {
  mailbox?: string;
  heard?: boolean;
  limit?: number;
  before?: string;
}

const V1 = '/api/v1';
const seg = encodeURIComponent;

export const callsApi = {
  listCalls: (api: ApiClient, filter: CallFilter = {}) =>
    api.request<CallPage>('GET', `${V1}/calls`, {
      query: {
        disposition: filter.disposition || undefined,
        caller: filter.caller || undefined,
        limit: filter.limit,
        before: filter.before,
      },
    }),
  getCall: (api: ApiClient, id: string) => api.request<CallRecord>('GET', `${V1}/calls/${seg(id)}`),

  listVoicemails: (api: ApiClient, filter: VoicemailFilter = {}) =>
    api.request<VoicemailPage>('GET', `${V1}/voicemails`, {
      query: {
        mailbox: filter.mailbox || undefined,
        heard: filter.heard === undefined ? undefined : String(filter.heard),
        limit: filter.limit,
        before: filter.before,
      },
    }),
  setHeard: (api: ApiClient, id: string, heard: boolean) =>
    api.request<Voicemail>('PATCH', `${V1}/voicemails/${seg(id)}`, { body: { heard } }),
  deleteVoicemail: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/voicemails/${seg(id)}`),
  audio: (api: ApiClient, id: string) => api.request<Blob>('GET', `${V1}/voicemails/${seg(id)}/audio`, { blob: true }),
};

/** `95500` → `1:35`; an hour or more → `1:02:03`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
