// Telephony configuration: inbound trunks (who may send calls), outbound trunks (how calls reach
// a carrier) and phone numbers (DIDs) with their entry. Mirrors platform/server/src/api/
// {inbound_trunks,outbound_trunks,numbers}.rs. Passwords are write-only: sent, never received.

import type { ApiClient } from './client';

export interface InboundTrunkBody {
  name: string;
  enabled: boolean;
  sources: string[];
  digest_username: string | null;
  /** Omit on an edit to keep the stored password. */
  digest_password?: string;
}

export interface InboundTrunk {
  id: string;
  name: string;
  enabled: boolean;
  sources: string[];
  digest_username: string | null;
  created_at: string;
  updated_at: string;
}

export type Transport = 'udp' | 'tcp';

export interface OutboundTrunkBody {
  name: string;
  proxy: string;
  transport: Transport;
  username: string | null;
  /** Omit on an edit to keep the stored password. */
  password?: string;
  register: boolean;
  register_expiry: number;
  caller_id: string | null;
  max_calls: number;
}

export interface OutboundTrunk {
  id: string;
  name: string;
  proxy: string;
  transport: Transport;
  username: string | null;
  has_password: boolean;
  register: boolean;
  register_expiry: number;
  /** Where the registration stands; null while telephony is off or before the first attempt. */
  registration_status?: RegistrationStatus | null;
  caller_id: string | null;
  max_calls: number;
}

export interface RegistrationStatus {
  state: 'registering' | 'registered' | 'failed';
  detail: string | null;
  expires_at: string | null;
  last_attempt_at: string | null;
}

/** One line for an outbound trunk's registration: how often, and where it stands. */
export function registrationSummary(t: OutboundTrunk): string {
  if (!t.register) return 'no';
  const every = `every ${t.register_expiry} s`;
  const s = t.registration_status;
  if (!s) return every;
  if (s.state === 'registered') {
    const until = s.expires_at ? new Date(s.expires_at).toLocaleTimeString() : null;
    return until ? `${every} — registered until ${until}` : `${every} — registered`;
  }
  if (s.state === 'failed') return `${every} — failed: ${s.detail ?? 'no answer'}`;
  return `${every} — registering…`;
}

export type NumberEntry = { kind: 'ivr'; installation: string } | { kind: 'queue'; queue: string };

export interface NumberBody {
  number: string;
  label: string;
  entry: NumberEntry;
  trunks: string[];
  /** Queue id that takes the call when the number's IVR fails (IVR entries only); null: hang up after an apology. */
  fallback_queue: string | null;
}

export interface PhoneNumber extends NumberBody {
  id: string;
}

export interface PluginInstallation {
  id: string;
  publisher: string;
  name: string;
  version: string;
}

export interface PluginVersion {
  publisher: string;
  name: string;
  version: string;
  world: string;
}

const V1 = '/api/v1';
const seg = encodeURIComponent;

async function items<T>(api: ApiClient, path: string): Promise<T[]> {
  return (await api.request<{ items: T[] }>('GET', V1 + path)).items;
}

export const telephonyApi = {
  listInbound: (api: ApiClient) => items<InboundTrunk>(api, '/inbound-trunks'),
  createInbound: (api: ApiClient, body: InboundTrunkBody) =>
    api.request<InboundTrunk>('POST', `${V1}/inbound-trunks`, { body }),
  replaceInbound: (api: ApiClient, id: string, body: InboundTrunkBody) =>
    api.request<InboundTrunk>('PUT', `${V1}/inbound-trunks/${seg(id)}`, { body }),
  deleteInbound: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/inbound-trunks/${seg(id)}`),

  listOutbound: (api: ApiClient) => items<OutboundTrunk>(api, '/outbound-trunks'),
  createOutbound: (api: ApiClient, body: OutboundTrunkBody) =>
    api.request<OutboundTrunk>('POST', `${V1}/outbound-trunks`, { body }),
  replaceOutbound: (api: ApiClient, id: string, body: OutboundTrunkBody) =>
    api.request<OutboundTrunk>('PUT', `${V1}/outbound-trunks/${seg(id)}`, { body }),
  deleteOutbound: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/outbound-trunks/${seg(id)}`),

  listNumbers: (api: ApiClient) => items<PhoneNumber>(api, '/numbers'),
  createNumber: (api: ApiClient, body: NumberBody) => api.request<PhoneNumber>('POST', `${V1}/numbers`, { body }),
  replaceNumber: (api: ApiClient, id: string, body: NumberBody) =>
    api.request<PhoneNumber>('PUT', `${V1}/numbers/${seg(id)}`, { body }),
  deleteNumber: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/numbers/${seg(id)}`),

  /** The tenant's installations of `ivr` plugins (the versions list says which world each is). */
  async listIvrInstallations(api: ApiClient): Promise<PluginInstallation[]> {
    const [installations, versions] = await Promise.all([
      items<PluginInstallation>(api, '/plugin-installations'),
      items<PluginVersion>(api, '/plugin-versions'),
    ]);
    const ivr = new Set(
      versions.filter((v) => v.world === 'ivr').map((v) => `${v.publisher}/${v.name}/${v.version}`),
    );
    return installations.filter((i) => ivr.has(`${i.publisher}/${i.name}/${i.version}`));
  },
};
