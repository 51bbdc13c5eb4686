import { describe, expect, it } from 'vitest';
import type { Calendar } from '../api/routing';
import {
  addRange,
  calendarInputPaths,
  calendarToForm,
  copyDay,
  formToCalendarBody,
  newCalendarForm,
  openAllDay,
  rangesOf,
  removeRange,
  weeklySummary,
  type CalendarForm,
} from './calendarForm';

const SAVED: Calendar = {
  id: 'hrs_01M81BRW04KCMFR7YV2WW1HDY3',
  name: 'Support hours',
  timezone: 'Asia/Shanghai',
  // Stored out of day order: the editor shows (and sends) them Monday first.
  weekly: [
    { day: 'tue', open: '09:00', close: '18:00' },
    { day: 'mon', open: '09:00', close: '12:00' },
    { day: 'mon', open: '13:00', close: '18:00' },
  ],
  holidays: [
    { date: '2026-10-01', name: 'National Day', open: null, close: null },
    { date: '2026-10-10', name: 'Half day', open: '10:00', close: '12:00' },
  ],
  open_now: false,
};

function body(f: CalendarForm) {
  const mapped = formToCalendarBody(f);
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
  return mapped.body;
}

describe('calendar form ↔ calendar body', () => {
  it('keeps weekly ranges in day order so form positions are body indexes', () => {
    const f = calendarToForm(SAVED);
    expect(f.weekly.map((r) => `${r.day} ${r.open}-${r.close}`)).toEqual([
      'mon 09:00-12:00',
      'mon 13:00-18:00',
      'tue 09:00-18:00',
    ]);
    // weekly[2] in the body is Tuesday, the row the form shows at index 2.
    expect(body(f).weekly[2]).toEqual({ day: 'tue', open: '09:00', close: '18:00' });
    expect(rangesOf(f, 'tue').map((x) => x.index)).toEqual([2]);
  });

  it('maps holidays closed all day without hours, and half days with them', () => {
    const f = calendarToForm(SAVED);
    expect(f.holidays.map((h) => h.closed)).toEqual([true, false]);
    expect(body(f).holidays).toEqual([
      { date: '2026-10-01', name: 'National Day' },
      { date: '2026-10-10', name: 'Half day', open: '10:00', close: '12:00' },
    ]);
  });

  it('round-trips name and time zone and sends no id or open_now', () => {
    const b = body(calendarToForm(SAVED));
    expect(b.name).toBe('Support hours');
    expect(b.timezone).toBe('Asia/Shanghai');
    expect(Object.keys(b).sort()).toEqual(['holidays', 'name', 'timezone', 'weekly']);
  });

  it('starts a new calendar on weekdays 09:00–17:00 in the given zone', () => {
    const f = newCalendarForm('Europe/Berlin');
    expect(f.timezone).toBe('Europe/Berlin');
    expect(f.weekly.map((r) => r.day)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(new Set(f.weekly.map((r) => `${r.open}-${r.close}`))).toEqual(new Set(['09:00-17:00']));
  });

  it('adds a range after the last one of its day, keeping body indexes in day order', () => {
    let f = calendarToForm(SAVED);
    f = addRange(f, 'mon');
    expect(f.weekly.map((r) => r.day)).toEqual(['mon', 'mon', 'mon', 'tue']);
    expect(f.weekly[2]).toMatchObject({ day: 'mon', open: '18:00', close: '' });
    f = addRange(f, 'sun');
    expect(f.weekly.at(-1)).toMatchObject({ day: 'sun', open: '09:00', close: '17:00' });
    f = removeRange(f, f.weekly[0]!.key);
    expect(f.weekly.map((r) => r.day)).toEqual(['mon', 'mon', 'tue', 'sun']);
  });

  it('copies a day and opens a day around the clock', () => {
    let f = calendarToForm(SAVED);
    f = copyDay(f, 'mon', ['tue', 'wed']);
    expect(rangesOf(f, 'wed').map(({ row }) => `${row.open}-${row.close}`)).toEqual(['09:00-12:00', '13:00-18:00']);
    expect(rangesOf(f, 'tue')).toHaveLength(2);
    f = openAllDay(f, 'sat');
    expect(body(f).weekly.filter((r) => r.day === 'sat')).toEqual([{ day: 'sat', open: '00:00', close: '24:00' }]);
  });

  it('names empty inputs by their body path', () => {
    const f = calendarToForm(SAVED);
    f.name = '';
    f.weekly[2]!.close = ' ';
    f.holidays[1]!.open = '';
    f.holidays[0]!.date = '';
    const mapped = formToCalendarBody(f);
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(Object.keys(mapped.errors).sort()).toEqual(
      ['holidays[0].date', 'holidays[1].open', 'name', 'weekly[2].close'].sort(),
    );
  });
});

describe('weekly summary', () => {
  it('joins consecutive days with the same hours', () => {
    const weekdays = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).flatMap((day) => [
      { day, open: '09:00', close: '12:00' },
      { day, open: '13:00', close: '18:00' },
    ]);
    expect(weeklySummary([...weekdays, { day: 'sat', open: '10:00', close: '14:00' }])).toBe(
      'Mon–Fri 09:00–12:00, 13:00–18:00; Sat 10:00–14:00',
    );
  });

  it('splits runs broken by a closed day and names round-the-clock days', () => {
    expect(
      weeklySummary([
        { day: 'mon', open: '00:00', close: '24:00' },
        { day: 'tue', open: '00:00', close: '24:00' },
        { day: 'thu', open: '00:00', close: '24:00' },
      ]),
    ).toBe('Mon–Tue all day; Thu all day');
    expect(weeklySummary([])).toBe('Always closed');
  });
});

describe('server field paths → calendar editor inputs', () => {
  it('knows the inputs of the rows on screen; hours of a closed holiday fall back to its row', () => {
    const f = calendarToForm(SAVED);
    const paths = calendarInputPaths(f);
    expect(paths.has('weekly[2].close')).toBe(true);
    expect(paths.has('weekly[3].close')).toBe(false);
    expect(paths.has('holidays[1].open')).toBe(true);
    expect(paths.has('holidays[0].close')).toBe(false); // closed all day: no time inputs
    expect(paths.has('holidays[0]')).toBe(true);
    expect(paths.has('timezone')).toBe(true);
  });
});
