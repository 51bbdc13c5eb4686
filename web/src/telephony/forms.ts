// Pure helpers for the trunk and number forms: the text people type and the bodies the API takes.

import type { NumberEntry } from '../api/telephony';

/** `+` then 8–15 digits, the first not 0: what the server accepts for a number. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** Source addresses typed one per line (or separated by commas/spaces) → the list to send. */
export function parseSources(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** An entry as one select value: `ivr:ins_…` or `queue:que_…`. */
export function entryValue(entry: NumberEntry | null): string {
  if (!entry) return '';
  return entry.kind === 'ivr' ? `ivr:${entry.installation}` : `queue:${entry.queue}`;
}

export function entryFromValue(value: string): NumberEntry | null {
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if (!id) return null;
  if (kind === 'ivr') return { kind: 'ivr', installation: id };
  if (kind === 'queue') return { kind: 'queue', queue: id };
  return null;
}

/** A number as people type it (`+1 555-555-0100`) with the separators removed. */
export function compactNumber(text: string): string {
  return text.replace(/[\s\-().]/g, '');
}
