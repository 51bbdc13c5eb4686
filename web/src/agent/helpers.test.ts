import { describe, expect, it } from 'vitest';
import { peakOf } from './audio';
import { formatElapsed, ringSecondsLeft } from './clock';
import { DICTIONARIES, langOf, translator } from './i18n';
import { shortcutOf } from './shortcuts';
import { channelUrl } from './useAgentDesk';

describe('languages', () => {
  it('speaks Chinese to zh browsers and English to the rest', () => {
    expect(['zh', 'zh-CN', 'zh-Hant-TW', 'ZH-tw'].map(langOf)).toEqual(['zh', 'zh', 'zh', 'zh']);
    expect(['en-US', 'de', 'zhx', '', undefined, null].map(langOf)).toEqual(['en', 'en', 'en', 'en', 'en', 'en']);
  });

  it('fills placeholders in both languages', () => {
    expect(translator('en')('offer.ringing', { seconds: 12 })).toBe('Ringing, 12 s left');
    expect(translator('zh')('offer.ringing', { seconds: 12 })).toBe('振铃中，剩余 12 秒');
    expect(translator('en')('state.since', {})).toBe('for {time}');
  });

  it('has every word in Chinese, with the same placeholders', () => {
    const placeholders = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, english] of Object.entries(DICTIONARIES.en)) {
      const chinese = DICTIONARIES.zh[key as keyof typeof DICTIONARIES.en];
      expect(chinese, key).toBeTruthy();
      expect(placeholders(chinese), key).toEqual(placeholders(english));
    }
  });
});

describe('desk clocks', () => {
  it('formats elapsed time as mm:ss, with hours when needed', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(65_999)).toBe('01:05');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatElapsed(-5)).toBe('00:00');
  });

  it('counts a ring down in whole seconds and stops at zero', () => {
    expect(ringSecondsLeft(1_000, 15_000, 1_000)).toBe(15);
    expect(ringSecondsLeft(1_000, 15_000, 1_001)).toBe(15);
    expect(ringSecondsLeft(1_000, 15_000, 15_500)).toBe(1);
    expect(ringSecondsLeft(1_000, 15_000, 99_000)).toBe(0);
  });
});

describe('shortcuts', () => {
  const key = (code: string, mods: Partial<KeyboardEvent> = {}) => ({
    altKey: true,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    code,
    ...mods,
  });

  it('maps Alt+A, Alt+H and Alt+M, and nothing else', () => {
    expect(shortcutOf(key('KeyA'))).toBe('answer');
    expect(shortcutOf(key('KeyH'))).toBe('hang_up');
    expect(shortcutOf(key('KeyM'))).toBe('mute');
    expect(shortcutOf(key('KeyB'))).toBeNull();
    expect(shortcutOf(key('KeyA', { altKey: false }))).toBeNull();
    expect(shortcutOf(key('KeyA', { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(key('KeyH', { shiftKey: true }))).toBeNull();
  });
});

describe('the remote audio probe', () => {
  it('finds the loudest bin within the telephone band', () => {
    const db = new Array(100).fill(-120);
    db[70] = -20; // 700 Hz with 10 Hz bins
    db[5] = -5; // 50 Hz hum: below the band
    db[90] = -40;
    expect(peakOf(db, 10)).toEqual({ hz: 700, db: -20 });
  });

  it('hears nothing in silence', () => {
    expect(peakOf(new Array(100).fill(-Infinity), 10)).toBeNull();
    expect(peakOf(new Array(100).fill(-120), 10)).toBeNull();
  });
});

describe('the channel address', () => {
  it('follows the page: ws on http, wss on https', () => {
    expect(channelUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/agent/channel');
    expect(channelUrl({ protocol: 'https:', host: 'kefu.example' })).toBe('wss://kefu.example/api/v1/agent/channel');
  });
});
