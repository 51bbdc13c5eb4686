// Plugins: published versions, installations, the invocation log, replays, test runs and limits.
// The types are the server's OpenAPI document's (platform/server/src/api/{plugins,
// plugin_invocations,plugin_limits}.rs), except the `invocation` record: the plugin host's
// `Invocation` as JSON (platform/plugin-host/src/invocation.rs), which the document calls a bare
// `object`, so its shape is written here.

import type { ApiClient } from './client';
import type { Narrow, Schemas } from './types';

export const WORLDS = ['ivr', 'crm', 'router', 'integration'] as const;
export type World = (typeof WORLDS)[number];

/** A published version as tenants see it. */
export type PluginVersion = Schemas['PluginVersionView'];

export type PublishRequest = Schemas['PublishRequest'];

export type Installation = Schemas['InstallationView'];

export type InstallRequest = Schemas['InstallRequest'];

/** `version` upgrades or rolls back; `secrets`: given keys replace, `null` deletes. */
export type InstallationChange = Schemas['ChangeInstallationRequest'];

export const OUTCOMES = ['returned', 'trapped', 'rejected'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

/** Whether the log's `outcome` (a plain string in the document) is one this app knows. */
export function isOutcomeName(outcome: string): outcome is OutcomeName {
  return (OUTCOMES as readonly string[]).includes(outcome);
}

/** One line of the invocation log. */
export type InvocationSummary = Schemas['InvocationSummary'];

export type InvocationPage = Schemas['InvocationPage'];

export type HostCall = {
  interface: string;
  function: string;
  detail: string;
  duration_us: number;
  /** What the host answered (recorded for replay), when recorded. */
  response?: unknown;
};

export type LogLine = {
  level: string;
  message: string;
};

/** How an invocation ended: `returned` carries the result, the others their kind. */
export type Outcome = {
  kind: OutcomeName;
  detail?: unknown;
};

/** The plugin host's record of one invocation (a bare `object` in the document). */
export type Invocation = {
  /** The record's id in the invocation log (`piv_…`). */
  id: string;
  plugin: string;
  version: string;
  content_hash: string;
  tenant: string;
  /** The installation that ran, when it has an id. */
  installation: string | null;
  world: string;
  function: string;
  input: unknown;
  outcome: Outcome;
  duration_us: number;
  host_calls: HostCall[];
  logs: LogLine[];
};

export type InvocationRecord = Narrow<Schemas['InvocationDetail'], { invocation: Invocation }>;

export type ReplayResult = Narrow<Schemas['ReplayResult'], { invocation: Invocation }>;

export const TEST_FUNCTIONS = ['on-event', 'score', 'lookup', 'on-call-ended'] as const;
export type TestFunction = (typeof TEST_FUNCTIONS)[number];

export type TestRun = Narrow<Schemas['TestResult'], { invocation: Invocation }>;

export type LimitValues = Schemas['PluginLimits'];

/** The company's limits, the platform defaults, and the host-wide maxima. */
export type PluginLimits = Schemas['PluginLimitsView'];

export interface InvocationFilter {
  installation_id?: string;
  outcome?: OutcomeName;
  limit?: number;
  before?: string;
}

const V1 = '/api/v1';
const seg = encodeURIComponent;

export const pluginsApi = {
  listVersions: async (api: ApiClient) =>
    (await api.request<Schemas['PluginVersionList']>('GET', `${V1}/plugin-versions`)).items,
  publish: (api: ApiClient, body: PublishRequest) =>
    api.request<PluginVersion>('POST', `${V1}/plugin-versions`, { body }),

  listInstallations: async (api: ApiClient) =>
    (await api.request<Schemas['InstallationList']>('GET', `${V1}/plugin-installations`)).items,
  install: (api: ApiClient, body: InstallRequest) =>
    api.request<Installation>('POST', `${V1}/plugin-installations`, { body }),
  changeInstallation: (api: ApiClient, id: string, body: InstallationChange) =>
    api.request<Installation>('PATCH', `${V1}/plugin-installations/${seg(id)}`, { body }),
  uninstall: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/plugin-installations/${seg(id)}`),
  testInstallation: (api: ApiClient, id: string, fn: TestFunction, input: Schemas['TestRequest']['input']) => {
    const body: Schemas['TestRequest'] = { function: fn, input };
    return api.request<TestRun>('POST', `${V1}/plugin-installations/${seg(id)}/test`, { body });
  },

  listInvocations: (api: ApiClient, filter: InvocationFilter = {}) =>
    api.request<InvocationPage>('GET', `${V1}/plugin-invocations`, {
      query: {
        installation_id: filter.installation_id || undefined,
        outcome: filter.outcome,
        limit: filter.limit,
        before: filter.before,
      },
    }),
  getInvocation: (api: ApiClient, id: string) =>
    api.request<InvocationRecord>('GET', `${V1}/plugin-invocations/${seg(id)}`),
  replay: (api: ApiClient, id: string) =>
    api.request<ReplayResult>('POST', `${V1}/plugin-invocations/${seg(id)}/replay`),

  getLimits: (api: ApiClient) => api.request<PluginLimits>('GET', `${V1}/plugin-limits`),
  setLimits: (api: ApiClient, body: LimitValues) => api.request<PluginLimits>('PUT', `${V1}/plugin-limits`, { body }),
};
