// Durations: the API speaks milliseconds, people type seconds.

/** Milliseconds as the text of a seconds input: 15000 → "15", 1500 → "1.5", 250 → "0.25". */
export function msToSecondsText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  // Whole milliseconds at most, without float noise (1100 / 1000 is exactly "1.1" here).
  return String(Math.round(ms) / 1000);
}

export type SecondsParse = { ok: true; ms: number | null } | { ok: false; error: string };

/**
 * The text of a seconds input as milliseconds. Empty text is `null` (no value); anything that is
 * not a non-negative number of seconds (at most three decimals: milliseconds) is an error.
 * A comma works as the decimal mark too.
 */
export function secondsTextToMs(text: string): SecondsParse {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { ok: true, ms: null };
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(trimmed)) {
    return { ok: false, error: 'Enter a number of seconds, such as 20 or 1.5' };
  }
  if (/\.\d{4,}$/.test(trimmed)) return { ok: false, error: 'Use at most three decimals (milliseconds)' };
  const ms = Math.round(Number(trimmed) * 1000);
  if (!Number.isSafeInteger(ms)) return { ok: false, error: 'That is too long' };
  return { ok: true, ms };
}

/** A duration for reading: 20000 → "20 s", 90000 → "1 min 30 s", 3600000 → "1 h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${msToSecondsText(ms)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (s) parts.push(`${s} s`);
  return parts.join(' ');
}
