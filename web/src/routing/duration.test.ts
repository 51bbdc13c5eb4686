import { describe, expect, it } from 'vitest';
import { formatDuration, msToSecondsText, secondsTextToMs } from './duration';

describe('milliseconds ↔ seconds', () => {
  it('shows milliseconds as seconds without float noise', () => {
    expect(msToSecondsText(15000)).toBe('15');
    expect(msToSecondsText(1500)).toBe('1.5');
    expect(msToSecondsText(1100)).toBe('1.1');
    expect(msToSecondsText(250)).toBe('0.25');
    expect(msToSecondsText(1)).toBe('0.001');
    expect(msToSecondsText(0)).toBe('0');
    expect(msToSecondsText(null)).toBe('');
    expect(msToSecondsText(undefined)).toBe('');
  });

  it('reads typed seconds as whole milliseconds', () => {
    expect(secondsTextToMs('15')).toEqual({ ok: true, ms: 15000 });
    expect(secondsTextToMs(' 1.5 ')).toEqual({ ok: true, ms: 1500 });
    expect(secondsTextToMs('0.1')).toEqual({ ok: true, ms: 100 });
    expect(secondsTextToMs('1,25')).toEqual({ ok: true, ms: 1250 });
    expect(secondsTextToMs('.5')).toEqual({ ok: true, ms: 500 });
    expect(secondsTextToMs('0.001')).toEqual({ ok: true, ms: 1 });
    expect(secondsTextToMs('0')).toEqual({ ok: true, ms: 0 });
  });

  it('treats empty text as no value and refuses what is not a duration', () => {
    expect(secondsTextToMs('')).toEqual({ ok: true, ms: null });
    expect(secondsTextToMs('   ')).toEqual({ ok: true, ms: null });
    for (const bad of ['-5', 'abc', '1e3', '10s', '1.2.3', '0.0005']) {
      expect(secondsTextToMs(bad).ok, bad).toBe(false);
    }
  });

  it('round-trips every millisecond value it shows', () => {
    for (const ms of [0, 1, 7, 99, 1000, 1234, 20000, 59999, 86_400_000]) {
      expect(secondsTextToMs(msToSecondsText(ms))).toEqual({ ok: true, ms });
    }
  });

  it('formats durations for reading', () => {
    expect(formatDuration(500)).toBe('500 ms');
    expect(formatDuration(20000)).toBe('20 s');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(90000)).toBe('1 min 30 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(null)).toBe('—');
  });
});
