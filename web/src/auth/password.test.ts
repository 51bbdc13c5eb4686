import { describe, expect, it } from 'vitest';
import * as strength from './strength';
import { passwordHints, passwordProblem } from './password';

const hint = (password: string, id: string, ctx = {}) =>
  passwordHints(password, ctx, strength, 'en').find((h) => h.id === id)!;

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

  it('refuses guessable passwords and says why', () => {
    expect(hint('password1234', 'strength')).toMatchObject({ ok: false, blocking: true, label: 'Too easy to guess' });
    expect(hint('aaaaaaaaaaaaaaa', 'strength').reason).toMatch(/Repeats like "aaa"/);
    expect(hint('violet tram lantern', 'strength')).toMatchObject({ ok: true, reason: null });
  });

  it('refuses passwords built from the name, e-mail or company', () => {
    const ctx = { name: 'Ada Lovelace', email: 'ada.lovelace@acme.test', company: 'Acme' };
    expect(hint('ada.lovelace-2025', 'strength', ctx).ok).toBe(false);
    expect(hint('ada.lovelace-2025', 'strength', ctx).reason).toMatch(/your name, e-mail, company/);
    expect(hint('violet tram lantern', 'strength', ctx).ok).toBe(true);
  });

  it('says it is still checking until the estimator has loaded', () => {
    const [, s] = passwordHints('violet tram lantern', {}, null, 'en');
    expect(s).toMatchObject({ id: 'strength', ok: false });
  });

  it('lets the form be sent only when the server will accept the password', async () => {
    expect(await passwordProblem('short', {}, 'zh')).toContain('还差 7 个');
    expect(await passwordProblem('password1234', {}, 'en')).toMatch(/^Too easy to guess: /);
    expect(await passwordProblem('violet tram lantern')).toBeNull();
  });
});
