// Keyboard shortcuts on the desk: Alt+A answers, Alt+H hangs up, Alt+M mutes. Alt+letter is
// free in the browsers' own shortcuts on Windows and Linux; `code` (not `key`) is read so that
// macOS's Option characters and non-Latin keyboard layouts still match.

import { useEffect } from 'react';

export type Shortcut = 'answer' | 'hang_up' | 'mute';

const CODES: Record<string, Shortcut> = { KeyA: 'answer', KeyH: 'hang_up', KeyM: 'mute' };

export function shortcutOf(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'code'>): Shortcut | null {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  return CODES[e.code] ?? null;
}

/** Calls `on(shortcut)` for the desk's shortcuts pressed anywhere on the page. */
export function useShortcuts(on: (s: Shortcut) => void) {
  useEffect(() => {
    const listener = (e: KeyboardEvent) => {
      const s = shortcutOf(e);
      if (!s) return;
      e.preventDefault();
      on(s);
    };
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, [on]);
}
