/**
 * The hints under a new-password field, from the same rule the server applies
 * (`./strength`): enough characters, and hard enough to guess. Both must hold before the form
 * is sent; the server still has the last word.
 *
 * The estimator and its dictionaries are loaded on demand (`useStrength`, `loadStrength`), so
 * only the pages with a new-password field pay for them.
 */
import { useEffect, useState } from 'react';
import type * as StrengthModule from './strength';
import { MIN_LEN, type PasswordContext } from './strength/rule';
import { browserLang, lengthLabel, strengthLabel, type Lang } from './strength/messages';

export const MIN_PASSWORD_LENGTH = MIN_LEN;
export type Strength = typeof StrengthModule;

let loading: Promise<Strength> | null = null;

/** The estimator, loaded once. */
export function loadStrength(): Promise<Strength> {
  loading ??= import('./strength');
  return loading;
}

/** The estimator once it has loaded (null until then). */
export function useStrength(): Strength | null {
  const [strength, setStrength] = useState<Strength | null>(null);
  useEffect(() => {
    let live = true;
    void loadStrength().then((m) => live && setStrength(m));
    return () => {
      live = false;
    };
  }, []);
  return strength;
}

export interface PasswordHint {
  id: 'length' | 'strength';
  label: string;
  /** Why the password is refused, and what to do (strength only). */
  reason?: string | null;
  ok: boolean;
  /** Blocking hints must hold before the form is sent. */
  blocking: boolean;
}

const CHECKING: Record<Lang, string> = { en: 'Checking how easy it is to guess…', zh: '正在检查密码强度…' };

/** Live hints shown under a new-password field (`strength` null: the estimator is still loading). */
export function passwordHints(
  password: string,
  ctx: PasswordContext,
  strength: Strength | null,
  lang: Lang = browserLang(),
): PasswordHint[] {
  const missing = Math.max(0, MIN_LEN - [...password].length);
  const length: PasswordHint = { id: 'length', label: lengthLabel(missing, lang), ok: missing === 0, blocking: true };
  if (!strength) return [length, { id: 'strength', label: CHECKING[lang], ok: false, blocking: true }];
  const verdict = strength.assessPassword(password, ctx);
  const said = strengthLabel(verdict, lang);
  return [length, { id: 'strength', label: said.verdict, reason: said.reason, ok: verdict.ok, blocking: true }];
}

/** The message for a password the server would refuse, or null when it will accept it. */
export async function passwordProblem(
  password: string,
  ctx: PasswordContext = {},
  lang: Lang = browserLang(),
): Promise<string | null> {
  const hints = passwordHints(password, ctx, await loadStrength(), lang);
  const failing = hints.find((h) => !h.ok);
  if (!failing) return null;
  return failing.reason ? `${failing.label}: ${failing.reason}` : failing.label;
}
