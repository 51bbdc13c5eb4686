// Call detail records and voicemails. Mirrors platform/server/src/api/{call_records,voicemails}.rs:
// both are written by the call actor at hang-up; the API reads them, and marks voicemails heard
// or deletes them. The audio is fetched with the session's token, so it comes back as a blob.

import type { ApiClient } from './client';
import type { Schemas } from './types';

export type CallRecord = Schemas['CallRecordView'];

export type CallPage = Schemas['CallPage'];

export interface CallFilter {
  disposition?: string;
  caller?: string;
  limit?: number;
  before?: string;
}

export type Voicemail = Schemas['VoicemailView'];

export type VoicemailPage = Schemas['VoicemailPage'];

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
  setHeard: (api: ApiClient, id: string, heard: boolean) => {
    const body: Schemas['VoicemailChange'] = { heard };
    return api.request<Voicemail>('PATCH', `${V1}/voicemails/${seg(id)}`, { body });
  },
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
