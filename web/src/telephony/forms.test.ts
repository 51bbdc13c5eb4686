import { describe, expect, it } from 'vitest';
import { compactNumber, E164, entryFromValue, entryValue, parseSources } from './forms';

describe('telephony form helpers', () => {
  it('splits sources on lines, commas and spaces', () => {
    expect(parseSources('203.0.113.7\n 198.51.100.0/24, 2001:db8::/48\n\n')).toEqual([
      '203.0.113.7',
      '198.51.100.0/24',
      '2001:db8::/48',
    ]);
    expect(parseSources('   ')).toEqual([]);
  });

  it('round-trips entries through one select value', () => {
    expect(entryValue({ kind: 'queue', queue: 'que_1' })).toBe('queue:que_1');
    expect(entryFromValue('queue:que_1')).toEqual({ kind: 'queue', queue: 'que_1' });
    expect(entryFromValue(entryValue({ kind: 'ivr', installation: 'ins_9' }))).toEqual({ kind: 'ivr', installation: 'ins_9' });
    expect(entryFromValue('')).toBeNull();
    expect(entryFromValue('voicemail:x')).toBeNull();
  });

  it('checks E.164 the way the server does', () => {
    expect(E164.test(compactNumber('+1 (555) 555-0100'))).toBe(true);
    expect(E164.test('+861085550100')).toBe(true);
    for (const bad of ['15555550100', '+1555', '+0555555010', '+1234567890123456']) {
      expect(E164.test(bad)).toBe(false);
    }
  });
});
