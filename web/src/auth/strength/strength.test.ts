import { describe, expect, it } from 'vitest';
import fixture from './fixture.json';
import { assessPassword, userInputs } from './index';
import { strengthLabel } from './messages';

describe('password strength (the shared fixture)', () => {
  it('gives every fixture case the verdict the server gives', () => {
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const v = assessPassword(c.password, { email: c.email, name: c.name, company: c.company });
      const got = v.ok ? 'ok' : v.reason;
      if (got !== c.verdict) wrong.push(`${JSON.stringify(c.password)} (${c.note}): expected ${c.verdict}, got ${got}`);
    }
    expect(wrong).toEqual([]);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(40);
  });

  it('derives the user inputs as the server does', () => {
    const inputs = userInputs({ email: 'Ada.Lovelace@Acme.test', name: 'Ada Lovelace', company: 'Acme Logistics' });
    expect(inputs.slice(0, 10)).toEqual([
      'ada.lovelace@acme.test',
      'ada.lovelace',
      'adalovelace',
      'ada',
      'lovelace',
      'acme',
      'ada lovelace',
      'acme logistics',
      'acmelogistics',
      'logistics',
    ]);
    expect(inputs).toContain('woaini');
  });

  it('says why, in English and Chinese', () => {
    const v = assessPassword('zhangwei1988');
    expect(v).toMatchObject({ ok: false, reason: 'guessable', warning: 'userInputs' });
    expect(strengthLabel(v, 'en').reason).toMatch(/name, e-mail, company or a very common word/);
    expect(strengthLabel(v, 'zh').reason).toMatch(/常见词语/);
    expect(strengthLabel(assessPassword('violet tram lantern'), 'zh')).toEqual({ verdict: '不易被猜到', reason: null });
  });
});
