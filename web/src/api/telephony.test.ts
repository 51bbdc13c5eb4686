import { describe, expect, it } from 'vitest';
import { registrationSummary, type OutboundTrunk } from './telephony';

const trunk = (over: Partial<OutboundTrunk>): OutboundTrunk => ({
  id: 'trk_1',
  name: 'Carrier',
  proxy: 'sip.carrier.example:5060',
  transport: 'udp',
  username: 'acme',
  has_password: true,
  register: true,
  register_expiry: 600,
  caller_id: null,
  max_calls: 30,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

describe('registrationSummary', () => {
  it('says no for trunks that do not register', () => {
    expect(registrationSummary(trunk({ register: false }))).toBe('no');
  });
  it('shows the interval alone before the first attempt', () => {
    expect(registrationSummary(trunk({ registration_status: null }))).toBe('every 600 s');
  });
  it('names the carrier answer when registration failed', () => {
    const t = trunk({
      registration_status: { state: 'failed', detail: 'the carrier answered 403 Forbidden', expires_at: null, last_attempt_at: null },
    });
    expect(registrationSummary(t)).toBe('every 600 s — failed: the carrier answered 403 Forbidden');
  });
  it('says until when a registration holds', () => {
    const expires = '2026-11-22T20:00:00Z';
    const t = trunk({ registration_status: { state: 'registered', detail: null, expires_at: expires, last_attempt_at: null } });
    expect(registrationSummary(t)).toBe(`every 600 s — registered until ${new Date(expires).toLocaleTimeString()}`);
  });
  it('shows a registration in progress', () => {
    const t = trunk({ registration_status: { state: 'registering', detail: null, expires_at: null, last_attempt_at: null } });
    expect(registrationSummary(t)).toBe('every 600 s — registering…');
  });
});
