/**
 * Password strength: the server's rule, run in the browser so the form can say, as the user
 * types, whether the server will accept the password and why not.
 *
 * Contract (platform/server/src/auth/strength.rs): 12..=256 characters and a zxcvbn score of
 * at least 3, with the user's e-mail, name and company and `common-words.json` as user inputs.
 * The server runs the `zxcvbn` crate, this runs `@zxcvbn-ts/core` (limited to the crate's first
 * 100 characters); `fixture.json` is checked against both, so they give the same verdict.
 * The server keeps the last word.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary } from '@zxcvbn-ts/language-en';
import commonWords from './common-words.json';

import { MAX_LEN, MIN_LEN, MIN_SCORE, type PasswordContext, type Verdict, type WarningKey } from './rule';

export * from './rule';

/** The crate estimates only the first 100 characters; do the same so the verdicts agree. */
const ESTIMATED_LEN = 100;
const MIN_TOKEN = 3;

let estimator: ZxcvbnFactory | null = null;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...englishDictionary },
    maxLength: ESTIMATED_LEN,
  });
  return estimator;
}

const SEPARATOR = /[^\p{Alphabetic}\p{N}]/u;

function push(out: string[], s: string) {
  const v = s.trim().toLowerCase();
  if (v && !out.includes(v)) out.push(v);
}

function pushValue(out: string[], raw: string) {
  const v = raw.trim().toLowerCase();
  if (!v) return;
  push(out, v);
  push(out, [...v].filter((c) => !SEPARATOR.test(c)).join(''));
  for (const token of v.split(SEPARATOR)) {
    if ([...token].length >= MIN_TOKEN) push(out, token);
  }
}

/** The estimator's user inputs: personal words first, then the common words (same as the server). */
export function userInputs(ctx: PasswordContext): string[] {
  const out: string[] = [];
  const email = (ctx.email ?? '').trim().toLowerCase();
  if (email) {
    push(out, email);
    const at = email.indexOf('@');
    const local = at >= 0 ? email.slice(0, at) : email;
    const domain = at >= 0 ? email.slice(at + 1) : '';
    pushValue(out, local);
    pushValue(out, domain.split('.')[0] ?? '');
  }
  pushValue(out, ctx.name ?? '');
  pushValue(out, ctx.company ?? '');
  for (const w of commonWords.words) push(out, w);
  return out;
}

/** The verdict the server will give for this password. */
export function assessPassword(password: string, ctx: PasswordContext = {}): Verdict {
  const length = [...password].length;
  if (length < MIN_LEN) return { ok: false, reason: 'too_short', missing: MIN_LEN - length };
  if (length > MAX_LEN) return { ok: false, reason: 'too_long' };
  const result = zxcvbn().check(password, userInputs(ctx));
  if (result.score >= MIN_SCORE) return { ok: true, score: result.score };
  const personal = result.sequence.some((m) => m.pattern === 'dictionary' && m.dictionaryName === 'userInputs');
  const warning = personal ? 'userInputs' : ((result.feedback.warning as WarningKey | null) ?? null);
  return { ok: false, reason: 'guessable', score: result.score, warning };
}
