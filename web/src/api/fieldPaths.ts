// Where a server error goes in a form whose inputs are keyed by the server's field paths
// (`name`, `required_skills[1].min_level`, `overflow[0].queue`, `weekly[3].close`).

import { ApiError } from './client';
import type { Problem } from './types';

export interface FieldProblem {
  field: string;
  message: string;
}

export interface PlacedErrors {
  /** Messages by input path. */
  fields: Record<string, string>;
  /** A message for the form as a whole: conflicts (409), and errors no input can show. */
  banner: string | null;
}

export const NO_PLACED_ERRORS: PlacedErrors = { fields: {}, banner: null };

/** Server messages are lower case and quote names in backticks (`open`); people read “open”. */
export function readable(text: string): string {
  const quoted = text.replace(/`([^`]+)`/g, '“$1”');
  return quoted.charAt(0).toUpperCase() + quoted.slice(1);
}

/**
 * The detail with the field path it starts with removed: the server writes
 * `required_skills[0].min_level: level 11 is outside 1–10` (queues) or
 * `` `weekly[0].close`: must be after `open` `` (calendars); next to the input only the second
 * half reads well.
 */
export function stripFieldPrefix(detail: string, field: string): string {
  for (const prefix of [`${field}: `, `\`${field}\`: `]) {
    if (detail.startsWith(prefix)) return detail.slice(prefix.length);
  }
  return detail;
}

/** Every field a problem names with its message: the `errors` list when present, else `field` and `detail`. */
export function problemFields(problem: Problem): FieldProblem[] {
  const list = Array.isArray(problem.errors) ? problem.errors : [];
  const entries: FieldProblem[] = [];
  for (const e of list) {
    if (e && typeof e === 'object' && typeof e.field === 'string' && typeof e.message === 'string') {
      entries.push({ field: e.field, message: e.message });
    }
  }
  if (entries.length === 0 && problem.field) {
    entries.push({
      field: problem.field,
      message: stripFieldPrefix(problem.detail || problem.title, problem.field),
    });
  }
  return entries;
}

/** The path one level up: `a.b[2].c` → `a.b[2]` → `a.b` → `a` → null. */
export function parentPath(path: string): string | null {
  const m = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(path);
  return m && m[1] ? m[1] : null;
}

/** The nearest path (the field itself, else an ancestor) that has an input, or null. */
export function inputFor(path: string, hasInput: (path: string) => boolean): string | null {
  for (let p: string | null = path; p; p = parentPath(p)) {
    if (hasInput(p)) return p;
  }
  return null;
}

/**
 * Places a failed request's errors: each named field next to its input (or the nearest enclosing
 * one, e.g. `backup.agents[0]` → `backup.agents`); what no input can show, and every conflict
 * (409), goes to the banner. `humanize` rewrites messages (ids to names).
 */
export function placeErrors(
  err: unknown,
  hasInput: (path: string) => boolean,
  humanize: (text: string) => string = (t) => t,
): PlacedErrors {
  if (!(err instanceof ApiError)) {
    const message = err instanceof Error ? err.message : String(err);
    return { fields: {}, banner: `Something went wrong: ${message}` };
  }
  const fields: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const { field, message } of problemFields(err.problem)) {
    const text = readable(humanize(message));
    const at = inputFor(field, hasInput);
    if (at === null) unplaced.push(`${field}: ${text}`);
    else if (!(at in fields)) fields[at] = text;
  }
  let banner: string | null = null;
  if (err.status === 409) banner = readable(humanize(err.userMessage));
  else if (unplaced.length > 0) banner = unplaced.join('; ');
  else if (Object.keys(fields).length === 0) banner = readable(humanize(err.userMessage));
  return { fields, banner };
}
