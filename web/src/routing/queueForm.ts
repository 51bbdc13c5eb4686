// The queue editor's state (what the inputs hold: text, seconds) and its mapping to and from the
// API's QueueConfig body (numbers, milliseconds). Client-side checks only catch what cannot be
// sent at all (a duration that is not a number, a missing required value); ranges (levels 1–10,
// percent 0–100) are the server's to judge, and its errors come back keyed by the same paths.

import type {
  LeaveDestination,
  OverflowActionName,
  OverflowStep,
  Queue,
  QueueBody,
  Strategy,
} from '../api/routing';
import { msToSecondsText, secondsTextToMs } from './duration';

let nextKey = 0;
/** A React key for a new list row. */
export function rowKey(): string {
  nextKey += 1;
  return `r${nextKey}`;
}

export interface RequirementRow {
  key: string;
  skill: string;
  minLevel: string;
}

export interface PriorityRuleRow {
  key: string;
  attribute: string;
  equals: string;
  priority: string;
}

export interface SkillRuleRow {
  key: string;
  attribute: string;
  equals: string;
  skill: string;
  minLevel: string;
}

export interface OverflowRow {
  key: string;
  /** Seconds of waiting. */
  after: string;
  action: OverflowActionName;
  levels: string;
  queue: string;
  destination: LeaveDestination;
}

export interface QueueForm {
  name: string;
  strategy: Strategy;
  requiredSkills: RequirementRow[];
  defaultPriority: string;
  priorityRules: PriorityRuleRow[];
  skillRules: SkillRuleRow[];
  agingOn: boolean;
  agingEvery: string;
  agingUpTo: string;
  /** Seconds; empty: calls wait as long as it takes. */
  maxWait: string;
  serviceLevelPercent: string;
  serviceLevelWithin: string;
  ringTimeout: string;
  afterCallWork: string;
  expectedHandleTime: string;
  overflow: OverflowRow[];
  stickyOn: boolean;
  stickyWait: string;
  backupOn: boolean;
  backupAgents: string[];
  backupActivateAfter: string;
  backupReleaseBelow: string;
  /** Not edited in this form; carried through unchanged. */
  routerPlugin: unknown;
}

/** What a new queue starts with (the server's own defaults where it has them). */
export function newQueueForm(): QueueForm {
  return {
    name: '',
    strategy: 'longest_idle',
    requiredSkills: [],
    defaultPriority: '5',
    priorityRules: [],
    skillRules: [],
    agingOn: false,
    agingEvery: '60',
    agingUpTo: '10',
    maxWait: '',
    serviceLevelPercent: '80',
    serviceLevelWithin: '20',
    ringTimeout: '15',
    afterCallWork: '30',
    expectedHandleTime: '180',
    overflow: [],
    stickyOn: false,
    stickyWait: '10',
    backupOn: false,
    backupAgents: [],
    backupActivateAfter: '60',
    backupReleaseBelow: '30',
    routerPlugin: null,
  };
}

export function newOverflowRow(action: OverflowActionName = 'add_queue', after = ''): OverflowRow {
  return { key: rowKey(), after, action, levels: '1', queue: '', destination: 'voicemail' };
}

const num = (n: number | null | undefined, fallback = ''): string =>
  n === null || n === undefined ? fallback : String(n);

/** A saved queue as the editor shows it. */
export function queueToForm(q: Queue | QueueBody): QueueForm {
  const blank = newQueueForm();
  return {
    name: q.name,
    strategy: q.strategy,
    requiredSkills: q.required_skills.map((r) => ({ key: rowKey(), skill: r.skill, minLevel: num(r.min_level) })),
    defaultPriority: num(q.default_priority, '5'),
    priorityRules: q.priority_rules.map((r) => ({
      key: rowKey(),
      attribute: r.attribute,
      equals: r.equals,
      priority: num(r.priority),
    })),
    skillRules: q.skill_rules.map((r) => ({
      key: rowKey(),
      attribute: r.attribute,
      equals: r.equals,
      skill: r.requirement.skill,
      minLevel: num(r.requirement.min_level),
    })),
    agingOn: q.aging !== null,
    agingEvery: q.aging ? msToSecondsText(q.aging.every) : blank.agingEvery,
    agingUpTo: q.aging ? num(q.aging.up_to) : blank.agingUpTo,
    maxWait: msToSecondsText(q.max_wait),
    serviceLevelPercent: num(q.service_level.percent),
    serviceLevelWithin: msToSecondsText(q.service_level.within),
    ringTimeout: msToSecondsText(q.ring_timeout),
    afterCallWork: msToSecondsText(q.after_call_work),
    expectedHandleTime: msToSecondsText(q.expected_handle_time),
    overflow: q.overflow.map((s) => {
      const row = newOverflowRow(s.action, msToSecondsText(s.after));
      if (s.action === 'relax_skills') row.levels = num(s.levels);
      if (s.action === 'add_queue') row.queue = s.queue;
      if (s.action === 'leave_queue') row.destination = s.destination;
      return row;
    }),
    stickyOn: q.sticky !== null,
    stickyWait: q.sticky ? msToSecondsText(q.sticky.wait) : blank.stickyWait,
    backupOn: q.backup !== null,
    backupAgents: q.backup ? [...q.backup.agents] : [],
    backupActivateAfter: q.backup ? msToSecondsText(q.backup.activate_after) : blank.backupActivateAfter,
    backupReleaseBelow: q.backup ? msToSecondsText(q.backup.release_below) : blank.backupReleaseBelow,
    routerPlugin: q.router_plugin ?? null,
  };
}

export type QueueMapping = { ok: true; body: QueueBody } | { ok: false; errors: Record<string, string> };

/**
 * The editor's state as the API body, or the inputs (by API path) that cannot be sent as they
 * are. Disabled sections (aging, sticky, backup off) become `null`; durations become milliseconds.
 */
export function formToQueueBody(f: QueueForm): QueueMapping {
  const errors: Record<string, string> = {};

  function seconds(path: string, text: string, required: boolean): number {
    const parsed = secondsTextToMs(text);
    if (!parsed.ok) {
      errors[path] = parsed.error;
      return 0;
    }
    if (parsed.ms === null) {
      if (required) errors[path] = 'Enter a number of seconds';
      return 0;
    }
    return parsed.ms;
  }

  function whole(path: string, text: string): number {
    const t = text.trim();
    if (t === '') {
      errors[path] = 'Required';
      return 0;
    }
    if (!/^-?\d+$/.test(t)) {
      errors[path] = 'Enter a whole number';
      return 0;
    }
    return Number(t);
  }

  function text(path: string, value: string): string {
    const t = value.trim();
    if (!t) errors[path] = 'Required';
    return t;
  }

  function chosen(path: string, value: string, what: string): string {
    if (!value) errors[path] = `Choose a ${what}`;
    return value;
  }

  const name = f.name.trim();
  if (!name) errors.name = 'Give the queue a name';

  const maxWait = secondsTextToMs(f.maxWait);
  if (!maxWait.ok) errors.max_wait = maxWait.error;

  const body: QueueBody = {
    name,
    strategy: f.strategy,
    required_skills: f.requiredSkills.map((r, i) => ({
      skill: chosen(`required_skills[${i}].skill`, r.skill, 'skill'),
      min_level: whole(`required_skills[${i}].min_level`, r.minLevel),
    })),
    default_priority: whole('default_priority', f.defaultPriority),
    priority_rules: f.priorityRules.map((r, i) => ({
      attribute: text(`priority_rules[${i}].attribute`, r.attribute),
      equals: text(`priority_rules[${i}].equals`, r.equals),
      priority: whole(`priority_rules[${i}].priority`, r.priority),
    })),
    skill_rules: f.skillRules.map((r, i) => ({
      attribute: text(`skill_rules[${i}].attribute`, r.attribute),
      equals: text(`skill_rules[${i}].equals`, r.equals),
      requirement: {
        skill: chosen(`skill_rules[${i}].requirement.skill`, r.skill, 'skill'),
        min_level: whole(`skill_rules[${i}].requirement.min_level`, r.minLevel),
      },
    })),
    aging: f.agingOn
      ? { every: seconds('aging.every', f.agingEvery, true), up_to: whole('aging.up_to', f.agingUpTo) }
      : null,
    max_wait: maxWait.ok ? maxWait.ms : null,
    service_level: {
      percent: whole('service_level.percent', f.serviceLevelPercent),
      within: seconds('service_level.within', f.serviceLevelWithin, true),
    },
    ring_timeout: seconds('ring_timeout', f.ringTimeout, true),
    after_call_work: seconds('after_call_work', f.afterCallWork, true),
    expected_handle_time: seconds('expected_handle_time', f.expectedHandleTime, true),
    overflow: f.overflow.map((row, i): OverflowStep => {
      const after = seconds(`overflow[${i}].after`, row.after, true);
      switch (row.action) {
        case 'relax_skills':
          return { after, action: 'relax_skills', levels: whole(`overflow[${i}].levels`, row.levels) };
        case 'add_queue':
          return { after, action: 'add_queue', queue: chosen(`overflow[${i}].queue`, row.queue, 'queue') };
        case 'use_backup_agents':
          return { after, action: 'use_backup_agents' };
        case 'leave_queue':
          return { after, action: 'leave_queue', destination: row.destination };
      }
    }),
    sticky: f.stickyOn ? { wait: seconds('sticky.wait', f.stickyWait, true) } : null,
    backup: f.backupOn
      ? {
          agents: [...f.backupAgents],
          activate_after: seconds('backup.activate_after', f.backupActivateAfter, true),
          release_below: seconds('backup.release_below', f.backupReleaseBelow, true),
        }
      : null,
    router_plugin: f.routerPlugin ?? null,
  };

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/**
 * The API paths the editor has an input or a row message for, given what is on screen now.
 * A server error for any other path (`colour`, `router_plugin.deadline`) goes to the banner.
 */
export function queueInputPaths(f: QueueForm): Set<string> {
  const paths = new Set([
    'name',
    'strategy',
    'default_priority',
    'max_wait',
    'service_level.percent',
    'service_level.within',
    'ring_timeout',
    'after_call_work',
    'expected_handle_time',
    'required_skills',
    'priority_rules',
    'skill_rules',
    'overflow',
  ]);
  f.requiredSkills.forEach((_, i) => {
    for (const s of ['', '.skill', '.min_level']) paths.add(`required_skills[${i}]${s}`);
  });
  f.priorityRules.forEach((_, i) => {
    for (const s of ['', '.attribute', '.equals', '.priority']) paths.add(`priority_rules[${i}]${s}`);
  });
  f.skillRules.forEach((_, i) => {
    for (const s of ['', '.attribute', '.equals', '.requirement.skill', '.requirement.min_level']) {
      paths.add(`skill_rules[${i}]${s}`);
    }
  });
  f.overflow.forEach((row, i) => {
    paths.add(`overflow[${i}]`);
    paths.add(`overflow[${i}].after`);
    if (row.action === 'relax_skills') paths.add(`overflow[${i}].levels`);
    if (row.action === 'add_queue') paths.add(`overflow[${i}].queue`);
    if (row.action === 'leave_queue') paths.add(`overflow[${i}].destination`);
  });
  if (f.agingOn) for (const p of ['aging.every', 'aging.up_to']) paths.add(p);
  if (f.stickyOn) paths.add('sticky.wait');
  if (f.backupOn) for (const p of ['backup.agents', 'backup.activate_after', 'backup.release_below']) paths.add(p);
  return paths;
}
