import { describe, expect, it } from 'vitest';
import type { Installation, PluginVersion } from '../api/plugins';
import { compareVersions, formatBytes, formatMicros, groupVersions, otherVersions } from './versions';

function v(name: string, version: string, created_at: string, publisher = 'ten_a'): PluginVersion {
  return { publisher, name, version, world: 'ivr', public: false, sha256: 'f'.repeat(64), size: 10, manifest: {}, created_at };
}

describe('plugin versions', () => {
  it('orders by semver, not by text', () => {
    const list = ['1.10.0', '1.2.0', '1.2.0-rc.1', '1.2.0-rc.10', '1.2.0-rc.2', '0.9.9', '1.2.0-alpha'];
    expect([...list].sort(compareVersions)).toEqual(['0.9.9', '1.2.0-alpha', '1.2.0-rc.1', '1.2.0-rc.2', '1.2.0-rc.10', '1.2.0', '1.10.0']);
    expect(compareVersions('2.0.0+build.5', '2.0.0')).toBe(0);
    expect(compareVersions('garbage', '0.0.1')).toBeLessThan(0);
  });

  it('groups by publisher and name, newest version first, most recently published plugin first', () => {
    const groups = groupVersions([
      v('ivr-menu', '1.2.0', '2026-01-02T00:00:00Z'),
      v('vip-router', '0.1.0', '2026-01-05T00:00:00Z'),
      v('ivr-menu', '1.10.0', '2026-01-03T00:00:00Z'),
      v('ivr-menu', '1.0.0', '2026-01-01T00:00:00Z', 'ten_b'),
    ]);
    expect(groups.map((g) => [g.publisher, g.name, g.versions.map((x) => x.version)])).toEqual([
      ['ten_a', 'vip-router', ['0.1.0']],
      ['ten_a', 'ivr-menu', ['1.10.0', '1.2.0']],
      ['ten_b', 'ivr-menu', ['1.0.0']],
    ]);
  });

  it('offers an installation the other versions of the same plugin only', () => {
    const inst: Installation = {
      id: 'pin_1', publisher: 'ten_a', name: 'ivr-menu', version: '1.2.0', previous_version: null, config: {}, secret_keys: [], updated_at: '',
    };
    const all = [v('ivr-menu', '1.2.0', ''), v('ivr-menu', '2.0.0', ''), v('ivr-menu', '1.0.0', ''), v('ivr-menu', '3.0.0', '', 'ten_b'), v('other', '9.0.0', '')];
    expect(otherVersions(inst, all).map((x) => x.version)).toEqual(['2.0.0', '1.0.0']);
  });

  it('formats sizes and durations', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '3.00 MiB']);
    expect([formatMicros(95), formatMicros(12_345), formatMicros(2_500_000)]).toEqual(['95 µs', '12.3 ms', '2.50 s']);
  });
});
