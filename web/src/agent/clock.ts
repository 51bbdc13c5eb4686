// Timers on the desk: the time in state, the talk time and the ring countdown.

import { useEffect, useState } from 'react';

/** `65_000` → `01:05`; an hour or more → `1:01:05`. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** Seconds left of a ring that started at `at` and lasts `ringMs` (never below 0). */
export function ringSecondsLeft(at: number, ringMs: number, now: number): number {
  return Math.max(0, Math.ceil((at + ringMs - now) / 1000));
}

/** The current time, updated every `everyMs` while mounted. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
