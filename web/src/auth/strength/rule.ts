/**
 * The password rule's constants and types, without the estimator: the messages and the form
 * import these without pulling zxcvbn's dictionaries (about 1.7 MB) into the main bundle.
 */
export const MIN_LEN = 12;
export const MAX_LEN = 256;
export const MIN_SCORE = 3;

/** Who the password is for. */
export interface PasswordContext {
  email?: string;
  name?: string;
  company?: string;
}

/** The feedback keys of @zxcvbn-ts/core (the server maps the crate's warnings onto them). */
export type WarningKey =
  | 'userInputs'
  | 'straightRow'
  | 'keyPattern'
  | 'simpleRepeat'
  | 'extendedRepeat'
  | 'sequences'
  | 'recentYears'
  | 'dates'
  | 'topTen'
  | 'topHundred'
  | 'common'
  | 'similarToCommon'
  | 'wordByItself'
  | 'namesByThemselves'
  | 'commonNames';

export type Verdict =
  | { ok: true; score: number }
  | { ok: false; reason: 'too_short'; missing: number }
  | { ok: false; reason: 'too_long' }
  | { ok: false; reason: 'guessable'; score: number; warning: WarningKey | null };

