import { describe, expect, it } from 'vitest';
import { checkComponentFile, checkManifest, MAX_COMPONENT_BYTES, readFileBytes, toBase64 } from './upload';

describe('publish checks', () => {
  it('accepts a manifest object naming a plugin, a version and a world', () => {
    const r = checkManifest('{"name": "ivr-menu", "version": "1.0.0", "world": "ivr", "capabilities": {"config": true}}');
    expect(r).toEqual({ ok: true, manifest: { name: 'ivr-menu', version: '1.0.0', world: 'ivr', capabilities: { config: true } } });
  });

  it.each([
    ['', 'manifest', /Paste or choose/],
    ['{"name": "x",', 'manifest', /^Not valid JSON/],
    ['[1, 2]', 'manifest', /JSON object/],
    ['{"version": "1.0.0", "world": "ivr"}', 'manifest.name', /"name"/],
    ['{"name": "x", "world": "ivr"}', 'manifest.version', /semver/],
    ['{"name": "x", "version": "1.0.0", "world": "sip"}', 'manifest.world', /ivr, crm, router, integration/],
  ])('refuses %j at %s', (source, field, message) => {
    const r = checkManifest(source);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.message).toMatch(message);
    }
  });

  it('refuses a missing, empty, too large or non-WebAssembly component', () => {
    expect(checkComponentFile(null)).toMatch(/Choose/);
    expect(checkComponentFile({ name: 'a.wasm', size: 0 })).toMatch(/empty/);
    expect(checkComponentFile({ name: 'a.wasm', size: MAX_COMPONENT_BYTES + 1 })).toMatch(/10 MiB/);
    expect(checkComponentFile({ name: 'a.wasm', size: 8 }, new Uint8Array([0x4d, 0x5a, 0, 0]))).toMatch(/not a WebAssembly/);
    expect(checkComponentFile({ name: 'a.wasm', size: 8 }, new Uint8Array([0, 0x61, 0x73, 0x6d]))).toBeNull();
  });

  it('encodes large files to the same base64 as a reference encoder', async () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) % 256);
    const read = await readFileBytes(new Blob([bytes]));
    expect(toBase64(read)).toBe(Buffer.from(bytes).toString('base64'));
  });
});
