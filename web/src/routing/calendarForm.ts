// The business-hours editor's state and its mapping to and from the API's calendar body.
// Weekly ranges are kept as one list in day order (Monday first), so a range's position in the
// list is its index in the body's `weekly` array and a server error such as `weekly[3].close`
// lands on the right row.

import { WEEKDAYS, type Calendar, type CalendarBody, type Holiday, type Weekday } from '../api/routing';
import { rowKey } from './queueForm';

export const DAY_LABELS: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export interface RangeRow {
  key: string;
  day: Weekday;
  open: string;
  close: string;
}

export interface HolidayRow {
  key: string;
  date: string;
  name: string;
  /** Closed the whole day; otherwise open from `open` to `close`. */
  closed: boolean;
  open: string;
  close: string;
}

export interface CalendarForm {
  name: string;
  timezone: string;
  weekly: RangeRow[];
  holidays: HolidayRow[];
}

const dayIndex = (d: Weekday): number => WEEKDAYS.indexOf(d);

/** Ranges sorted by day, keeping their order within a day. */
function byDay(rows: RangeRow[]): RangeRow[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => dayIndex(a.r.day) - dayIndex(b.r.day) || a.i - b.i)
    .map(({ r }) => r);
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** A new calendar: Monday to Friday, 09:00–17:00, in the browser's time zone. */
export function newCalendarForm(timezone: string = browserTimeZone()): CalendarForm {
  return {
    name: '',
    timezone,
    weekly: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
      key: rowKey(),
      day,
      open: '09:00',
      close: '17:00',
    })),
    holidays: [],
  };
}

export function calendarToForm(c: Calendar | CalendarBody): CalendarForm {
  return {
    name: c.name,
    timezone: c.timezone,
    weekly: byDay(c.weekly.map((r) => ({ key: rowKey(), day: r.day, open: r.open, close: r.close }))),
    holidays: c.holidays.map((h) => ({
      key: rowKey(),
      date: h.date,
      name: h.name,
      closed: !h.open && !h.close,
      open: h.open ?? '',
      close: h.close ?? '',
    })),
  };
}

export type CalendarMapping = { ok: true; body: CalendarBody } | { ok: false; errors: Record<string, string> };

/** The editor's state as the API body, or the inputs (by API path) that are empty. */
export function formToCalendarBody(f: CalendarForm): CalendarMapping {
  const errors: Record<string, string> = {};
  const need = (path: string, value: string, message = 'Required'): string => {
    const t = value.trim();
    if (!t) errors[path] = message;
    return t;
  };
  const weekly = byDay(f.weekly).map((r, i) => ({
    day: r.day,
    open: need(`weekly[${i}].open`, r.open, 'Enter a time (HH:MM)'),
    close: need(`weekly[${i}].close`, r.close, 'Enter a time (HH:MM)'),
  }));
  const holidays = f.holidays.map((h, i): Holiday => {
    const date = need(`holidays[${i}].date`, h.date, 'Choose a date');
    const name = need(`holidays[${i}].name`, h.name);
    if (h.closed) return { date, name };
    return {
      date,
      name,
      open: need(`holidays[${i}].open`, h.open, 'Enter a time (HH:MM)'),
      close: need(`holidays[${i}].close`, h.close, 'Enter a time (HH:MM)'),
    };
  });
  const body: CalendarBody = {
    name: need('name', f.name, 'Give the calendar a name'),
    timezone: need('timezone', f.timezone, 'Choose a time zone'),
    weekly,
    holidays,
  };
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** The ranges of one day with their index in the whole (sorted) list. */
export function rangesOf(f: CalendarForm, day: Weekday): { row: RangeRow; index: number }[] {
  return f.weekly.map((row, index) => ({ row, index })).filter(({ row }) => row.day === day);
}

/** Adds a range to `day`, after its last one (starting where that one closes). */
export function addRange(f: CalendarForm, day: Weekday): CalendarForm {
  const last = rangesOf(f, day).at(-1)?.row;
  const row: RangeRow = last
    ? { key: rowKey(), day, open: last.close === '24:00' ? '' : last.close, close: '' }
    : { key: rowKey(), day, open: '09:00', close: '17:00' };
  return { ...f, weekly: byDay([...f.weekly, row]) };
}

export function removeRange(f: CalendarForm, key: string): CalendarForm {
  return { ...f, weekly: f.weekly.filter((r) => r.key !== key) };
}

export function updateRange(f: CalendarForm, key: string, change: Partial<Pick<RangeRow, 'open' | 'close'>>): CalendarForm {
  return { ...f, weekly: f.weekly.map((r) => (r.key === key ? { ...r, ...change } : r)) };
}

/** Makes `day` open around the clock (00:00–24:00), replacing its ranges. */
export function openAllDay(f: CalendarForm, day: Weekday): CalendarForm {
  const others = f.weekly.filter((r) => r.day !== day);
  return { ...f, weekly: byDay([...others, { key: rowKey(), day, open: '00:00', close: '24:00' }]) };
}

/** Gives every day in `to` the ranges of `from`. */
export function copyDay(f: CalendarForm, from: Weekday, to: readonly Weekday[]): CalendarForm {
  const source = rangesOf(f, from).map(({ row }) => row);
  const targets = new Set(to.filter((d) => d !== from));
  const kept = f.weekly.filter((r) => !targets.has(r.day));
  const copies = [...targets].flatMap((day) => source.map((r) => ({ ...r, key: rowKey(), day })));
  return { ...f, weekly: byDay([...kept, ...copies]) };
}

/** IANA time zones the browser knows (for suggestions; the server has the final word). */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    const zones = intl.supportedValuesOf?.('timeZone') ?? [];
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

const SHORT: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/**
 * The weekly hours in a line: consecutive days with the same hours are joined
 * ("Mon–Fri 09:00–12:00, 13:00–18:00; Sat 10:00–14:00"); days without hours are left out.
 */
export function weeklySummary(weekly: readonly { day: Weekday; open: string; close: string }[]): string {
  const hours = WEEKDAYS.map((day) =>
    weekly
      .filter((r) => r.day === day)
      .map((r) => (r.open === '00:00' && r.close === '24:00' ? 'all day' : `${r.open}–${r.close}`))
      .join(', '),
  );
  const parts: string[] = [];
  let i = 0;
  while (i < WEEKDAYS.length) {
    let j = i;
    while (j + 1 < WEEKDAYS.length && hours[j + 1] === hours[i]) j++;
    if (hours[i]) {
      const days = i === j ? SHORT[WEEKDAYS[i]!] : `${SHORT[WEEKDAYS[i]!]}–${SHORT[WEEKDAYS[j]!]}`;
      parts.push(`${days} ${hours[i]}`);
    }
    i = j + 1;
  }
  return parts.length ? parts.join('; ') : 'Always closed';
}

/** The API paths the calendar editor has an input or a row message for. */
export function calendarInputPaths(f: CalendarForm): Set<string> {
  const paths = new Set(['name', 'timezone', 'weekly', 'holidays']);
  f.weekly.forEach((_, i) => {
    for (const s of ['', '.day', '.open', '.close']) paths.add(`weekly[${i}]${s}`);
  });
  f.holidays.forEach((h, i) => {
    for (const s of ['', '.date', '.name']) paths.add(`holidays[${i}]${s}`);
    if (!h.closed) for (const s of ['.open', '.close']) paths.add(`holidays[${i}]${s}`);
  });
  return paths;
}
