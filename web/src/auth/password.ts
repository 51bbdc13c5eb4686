/** The server's rule (contract): at least 12 characters and not a common password. */
export const MIN_PASSWORD_LENGTH = 12;

export interface PasswordHint {
  id: 'length' | 'not-common' | 'not-personal';
  label: string;
  ok: boolean;
  /** Blocking hints must hold before the form is sent; the others are advice. */
  blocking: boolean;
}

// A few of the most-used passwords of 12+ characters. The server has the real list and the last
// word; this only spares people an obvious round trip.
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  'password1234',
  'password12345',
  'password123456',
  'passwordpassword',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwertyuiopasdf',
  '111111111111',
  '000000000000',
  'iloveyou1234',
  'letmein12345',
  'welcome12345',
  'administrator',
  'abcdefghijkl',
  'abc123456789',
]);

function isCommon(password: string): boolean {
  const p = password.toLowerCase();
  if (COMMON.has(p)) return true;
  // One character repeated, e.g. "aaaaaaaaaaaa".
  return p.length > 0 && /^(.)\1*$/.test(p);
}

function containsPersonal(password: string, personal: readonly string[]): boolean {
  const p = password.toLowerCase();
  return personal.some((raw) => {
    const v = raw.trim().toLowerCase();
    const local = v.includes('@') ? v.slice(0, v.indexOf('@')) : v;
    return local.length >= 4 && p.includes(local);
  });
}

/** Live hints shown under a new-password field. */
export function passwordHints(password: string, personal: readonly string[] = []): PasswordHint[] {
  const length = [...password].length;
  return [
    {
      id: 'length',
      label:
        length >= MIN_PASSWORD_LENGTH
          ? `At least ${MIN_PASSWORD_LENGTH} characters`
          : `At least ${MIN_PASSWORD_LENGTH} characters (${MIN_PASSWORD_LENGTH - length} more)`,
      ok: length >= MIN_PASSWORD_LENGTH,
      blocking: true,
    },
    {
      id: 'not-common',
      label: 'Not a common password',
      ok: length > 0 && !isCommon(password),
      blocking: false,
    },
    {
      id: 'not-personal',
      label: 'Does not contain your name or e-mail',
      ok: length > 0 && !containsPersonal(password, personal),
      blocking: false,
    },
  ];
}

/** True when every blocking hint holds, i.e. the form may be sent. */
export function passwordAcceptable(password: string, personal: readonly string[] = []): boolean {
  return passwordHints(password, personal).every((h) => h.ok || !h.blocking);
}
