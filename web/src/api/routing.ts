// Routing configuration (the ACD): skills, queues, agents' skills, reason codes and business-hours
// calendars. Skills, agents and reason codes are the server's OpenAPI document's types. Queues,
// calendars and an agent's skill list are a bare `object` in the document, so their shapes are
// written here after platform/acd/src/config.rs and platform/core/src/calendar.rs; every
// duration on the wire is in milliseconds.

import type { ApiClient } from './client';
import type { Narrow, Role, Schemas } from './types';

export type Skill = Schemas['Skill'];

export type SkillInput = Schemas['SkillInput'];

export const STRATEGIES = ['longest_idle', 'most_skilled', 'least_occupied', 'round_robin', 'ring_all'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface SkillRequirement {
  skill: string;
  min_level: number;
}

export interface PriorityRule {
  attribute: string;
  equals: string;
  priority: number;
}

export interface SkillRule {
  attribute: string;
  equals: string;
  requirement: SkillRequirement;
}

export const LEAVE_DESTINATIONS = ['voicemail', 'callback', 'ivr'] as const;
export type LeaveDestination = (typeof LEAVE_DESTINATIONS)[number];

export type OverflowStep =
  | { after: number; action: 'relax_skills'; levels: number }
  | { after: number; action: 'add_queue'; queue: string }
  | { after: number; action: 'use_backup_agents' }
  | { after: number; action: 'leave_queue'; destination: LeaveDestination };

export type OverflowActionName = OverflowStep['action'];
export const OVERFLOW_ACTIONS: readonly OverflowActionName[] = [
  'relax_skills',
  'add_queue',
  'use_backup_agents',
  'leave_queue',
];

export interface BackupAgents {
  agents: string[];
  activate_after: number;
  release_below: number;
}

/** A queue as sent to POST/PUT (the server assigns the id). */
export interface QueueBody {
  name: string;
  strategy: Strategy;
  required_skills: SkillRequirement[];
  default_priority: number;
  priority_rules: PriorityRule[];
  skill_rules: SkillRule[];
  aging: { every: number; up_to: number } | null;
  max_wait: number | null;
  service_level: { percent: number; within: number };
  ring_timeout: number;
  after_call_work: number;
  expected_handle_time: number;
  overflow: OverflowStep[];
  sticky: { wait: number } | null;
  backup: BackupAgents | null;
  /** Not edited here; kept as the server sent it so saving does not drop it. */
  router_plugin: unknown;
}

export interface Queue extends QueueBody {
  id: string;
}

export type AgentSkill = {
  skill: string;
  level: number;
};

export type Agent = Narrow<Schemas['AgentView'], { role: Role; skills: AgentSkill[] }>;

/** An agent's skills, replacing the previous list (`PUT /agents/{id}/skills`). */
export type SkillsInput = Narrow<Schemas['SkillsInput'], { skills: AgentSkill[] }>;

export type ReasonCode = Schemas['ReasonCodeDef'];

export type ReasonCodeInput = Schemas['ReasonCodeInput'];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningRange {
  day: Weekday;
  open: string;
  close: string;
}

export interface Holiday {
  date: string;
  name: string;
  open?: string | null;
  close?: string | null;
}

export interface CalendarBody {
  name: string;
  timezone: string;
  weekly: OpeningRange[];
  holidays: Holiday[];
}

export interface Calendar extends CalendarBody {
  id: string;
  /** Only on `GET /calendars/{id}`. */
  open_now?: boolean;
}

const V1 = '/api/v1';
const seg = encodeURIComponent;

async function items<T>(api: ApiClient, path: string): Promise<T[]> {
  return (await api.request<{ items: T[] }>('GET', V1 + path)).items;
}

export const routingApi = {
  listSkills: (api: ApiClient) => items<Skill>(api, '/skills'),
  createSkill: (api: ApiClient, body: SkillInput) => api.request<Skill>('POST', `${V1}/skills`, { body }),
  updateSkill: (api: ApiClient, id: string, body: SkillInput) =>
    api.request<Skill>('PATCH', `${V1}/skills/${seg(id)}`, { body }),
  deleteSkill: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/skills/${seg(id)}`),

  listQueues: (api: ApiClient) => items<Queue>(api, '/queues'),
  getQueue: (api: ApiClient, id: string) => api.request<Queue>('GET', `${V1}/queues/${seg(id)}`),
  createQueue: (api: ApiClient, body: QueueBody) => api.request<Queue>('POST', `${V1}/queues`, { body }),
  replaceQueue: (api: ApiClient, id: string, body: QueueBody) =>
    api.request<Queue>('PUT', `${V1}/queues/${seg(id)}`, { body }),
  deleteQueue: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/queues/${seg(id)}`),

  listAgents: (api: ApiClient) => items<Agent>(api, '/agents'),
  setAgentSkills: (api: ApiClient, userId: string, skills: AgentSkill[]) => {
    const body: SkillsInput = { skills };
    return api.request<Agent>('PUT', `${V1}/agents/${seg(userId)}/skills`, { body });
  },

  listReasonCodes: (api: ApiClient) => items<ReasonCode>(api, '/reason-codes'),
  createReasonCode: (api: ApiClient, body: ReasonCodeInput) =>
    api.request<ReasonCode>('POST', `${V1}/reason-codes`, { body }),
  deleteReasonCode: (api: ApiClient, code: string) => api.request<void>('DELETE', `${V1}/reason-codes/${seg(code)}`),

  listCalendars: (api: ApiClient) => items<Calendar>(api, '/calendars'),
  getCalendar: (api: ApiClient, id: string) => api.request<Calendar>('GET', `${V1}/calendars/${seg(id)}`),
  createCalendar: (api: ApiClient, body: CalendarBody) =>
    api.request<Calendar>('POST', `${V1}/calendars`, { body }),
  replaceCalendar: (api: ApiClient, id: string, body: CalendarBody) =>
    api.request<Calendar>('PUT', `${V1}/calendars/${seg(id)}`, { body }),
  deleteCalendar: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/calendars/${seg(id)}`),
};
