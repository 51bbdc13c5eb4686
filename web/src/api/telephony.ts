// Telephony configuration: inbound trunks (who may send calls), outbound trunks (how calls reach
// a carrier) and phone numbers (DIDs) with their entry. Mirrors platform/server/src/api/
// {inbound_trunks,outbound_trunks,numbers}.rs. Passwords are write-only: sent, never received.

import type { ApiClient } from './client';
import type { Installation, PluginVersion } from './plugins';
import type { Narrow, Schemas } from './types';

/** A new inbound trunk, or one replacing it; omit `digest_password` on an edit to keep it. */
export type InboundTrunkBody = Schemas['InboundTrunkRequest'];

export type InboundTrunk = Schemas['InboundTrunkView'];

/** The server's `Transport` enum (the document says `string`). */
export type Transport = 'udp' | 'tcp';

/** A new outbound trunk, or one replacing it; omit `password` on an edit to keep it. */
export type OutboundTrunkBody = Schemas['OutboundTrunkRequest'];

export type OutboundTrunk = Narrow<Schemas['OutboundTrunkView'], { transport: Transport }>;

export type RegistrationStatus = Schemas['RegistrationStatus'];

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

export type NumberEntry = Schemas['EntryBody'];

export type NumberBody = Schemas['NumberRequest'];

export type PhoneNumber = Schemas['NumberView'];

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
  async listIvrInstallations(api: ApiClient): Promise<Installation[]> {
    const [installations, versions] = await Promise.all([
      items<Installation>(api, '/plugin-installations'),
      items<PluginVersion>(api, '/plugin-versions'),
    ]);
    const ivr = new Set(
      versions.filter((v) => v.world === 'ivr').map((v) => `${v.publisher}/${v.name}/${v.version}`),
    );
    return installations.filter((i) => ivr.has(`${i.publisher}/${i.name}/${i.version}`));
  },
};
