// Sample plugin API data for the plugin page tests.

import type { Installation, Invocation, PluginVersion } from '../api/plugins';
import { TENANT } from './mockFetch';

export const OTHER_TENANT = 'ten_01OTHERPUBLISHER000000000';

export function version(overrides: Partial<PluginVersion> = {}): PluginVersion {
  return {
    publisher: TENANT.id,
    name: 'ivr-menu',
    version: '1.0.0',
    world: 'ivr',
    public: false,
    sha256: 'a'.repeat(64),
    size: 120_000,
    manifest: { name: 'ivr-menu', version: '1.0.0', world: 'ivr', capabilities: { config: true } },
    created_at: '2026-01-01T10:00:00Z',
    ...overrides,
  };
}

export function installation(overrides: Partial<Installation> = {}): Installation {
  return {
    id: 'pin_01',
    publisher: TENANT.id,
    name: 'ivr-menu',
    version: '1.0.0',
    previous_version: null,
    config: {},
    secret_keys: [],
    updated_at: '2026-01-02T10:00:00Z',
    ...overrides,
  };
}

export function invocation(overrides: Partial<Invocation> = {}): Invocation {
  return {
    id: 'piv_01',
    plugin: 'ivr-menu',
    version: '1.0.0',
    content_hash: 'a'.repeat(64),
    tenant: TENANT.id,
    installation: 'pin_01',
    world: 'ivr',
    function: 'on-event',
    input: { context: { call_id: 'call_1' }, event: 'CallStarted' },
    outcome: { kind: 'returned', detail: { Ok: ['Answer'] } },
    duration_us: 95,
    host_calls: [{ interface: 'config', function: 'get', detail: 'menu → 120 bytes', duration_us: 3 }],
    logs: [{ level: 'info', message: 'menu main' }],
    ...overrides,
  };
}
