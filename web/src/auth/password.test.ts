import { describe, expect, it } from 'vitest';
import { passwordAcceptable, passwordHints } from './password';

const hint = (password: string, id: string, personal: string[] = []) =>
  passwordHints(password, personal).find((h) => h.id === id)!;

describe('password hints', () => {
  it('needs at least 12 characters, and says how many are missing', () => {
    expect(hint('short', 'length')).toMatchObject({ ok: false, blocking: true });
    expect(hint('short', 'length').label).toContain('7 more');
    expect(hint('elevenchars', 'length').ok).toBe(false);
    expect(hint('twelve chars', 'length').ok).toBe(true);
  });

  it('counts characters, not UTF-16 units', () => {
    // 11 emoji are 22 UTF-16 units but only 11 characters.
    expect(hint('😀'.repeat(11), 'length').ok).toBe(false);
    expect(hint('😀'.repeat(12), 'length').ok).toBe(true);
  });

  it('flags well-known and repeated passwords as advice', () => {
    expect(hint('password1234', 'not-common')).toMatchObject({ ok: false, blocking: false });
    expect(hint('aaaaaaaaaaaaaaa', 'not-common').ok).toBe(false);
    expect(hint('violet tram lantern', 'not-common').ok).toBe(true);
  });

  it('flags passwords that contain the name or the e-mail', () => {
    expect(hint('ada.lovelace-2025', 'not-personal', ['Ada', 'ada.lovelace@acme.test']).ok).toBe(false);
    expect(hint('violet tram lantern', 'not-personal', ['Ada', 'ada.lovelace@acme.test']).ok).toBe(true);
  });

  it('lets the form be sent once the length holds, leaving the rest to the server', () => {
    expect(passwordAcceptable('short')).toBe(false);
    expect(passwordAcceptable('password1234')).toBe(true);
    expect(passwordAcceptable('violet tram lantern')).toBe(true);
  });
});
