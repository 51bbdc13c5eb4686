// Plugins: published versions, installations, the invocation log, replays, test runs and limits.
// The types mirror platform/server/src/api/plugins.rs (and its invocation log routes); the
// `invocation` record is the plugin host's `Invocation` as JSON.

import type { ApiClient } from './client';

export const WORLDS = ['ivr', 'crm', 'router', 'integration'] as const;
export type World = (typeof WORLDS)[number];

/** A published version as tenants see it. */
export interface PluginVersion {
  /** Publishing tenant id. */
  publisher: string;
  name: string;
  version: string;
  world: string;
  public: boolean;
  sha256: string;
  size: number;
  manifest: Record<string, unknown>;
  created_at: string;
}

export interface PublishRequest {
  manifest: Record<string, unknown>;
  /** The component, base64. */
  component: string;
  public: boolean;
}

export interface Installation {
  id: string;
  publisher: string;
  name: string;
  version: string;
  previous_version: string | null;
  config: Record<string, unknown>;
  /** Names of the secrets set (their values are write-only). */
  secret_keys?: string[];
  updated_at: string;
}

export interface InstallRequest {
  publisher: string;
  name: string;
  version: string;
  config: Record<string, unknown>;
  secrets?: Record<string, string>;
}

/** `version` upgrades or rolls back; `secrets`: given keys replace, `null` deletes. */
export interface InstallationChange {
  version?: string;
  config?: Record<string, unknown>;
  secrets?: Record<string, string | null>;
}

export const OUTCOMES = ['returned', 'trapped', 'rejected'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

/** One line of the invocation log. */
export interface InvocationSummary {
  id: string;
  installation_id: string | null;
  plugin: string;
  version: string;
  world: string;
  function: string;
  outcome: OutcomeName;
  /** The trap or rejection kind, if any. */
  detail: string | null;
  duration_us: number;
  created_at: string;
}

export interface InvocationPage {
  items: InvocationSummary[];
  /** Cursor for the next (older) page, or null at the end. */
  next: string | null;
}

export interface HostCall {
  interface: string;
  function: string;
  detail: string;
  duration_us: number;
  /** What the host answered (recorded for replay), when recorded. */
  response?: unknown;
}

export interface LogLine {
  level: string;
  message: string;
}

/** How an invocation ended: `returned` carries the result, the others their kind. */
export interface Outcome {
  kind: OutcomeName;
  detail?: unknown;
}

/** The plugin host's record of one invocation. */
export interface Invocation {
  plugin: string;
  version: string;
  content_hash: string;
  tenant: string;
  world: string;
  function: string;
  input: unknown;
  outcome: Outcome;
  duration_us: number;
  host_calls: HostCall[];
  logs: LogLine[];
}

export interface InvocationRecord {
  id: string;
  installation_id: string | null;
  created_at: string;
  invocation: Invocation;
}

export interface ReplayResult {
  identical: boolean;
  invocation: Invocation;
}

export const TEST_FUNCTIONS = ['on-event', 'score', 'lookup', 'on-call-ended'] as const;
export type TestFunction = (typeof TEST_FUNCTIONS)[number];

export interface TestRun {
  /** The logged invocation's id, when the server says. */
  id?: string;
  invocation: Invocation;
}

export interface LimitValues {
  cpu_ms: number;
  memory_mib: number;
  wall_ms: number;
  max_output_kib: number;
}

/** The company's limits, the platform defaults, and the host-wide maxima. */
export interface PluginLimits {
  limits: LimitValues;
  defaults: LimitValues;
  max: LimitValues;
}

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
    (await api.request<{ items: PluginVersion[] }>('GET', `${V1}/plugin-versions`)).items,
  publish: (api: ApiClient, body: PublishRequest) =>
    api.request<PluginVersion>('POST', `${V1}/plugin-versions`, { body }),

  listInstallations: async (api: ApiClient) =>
    (await api.request<{ items: Installation[] }>('GET', `${V1}/plugin-installations`)).items,
  install: (api: ApiClient, body: InstallRequest) =>
    api.request<Installation>('POST', `${V1}/plugin-installations`, { body }),
  changeInstallation: (api: ApiClient, id: string, body: InstallationChange) =>
    api.request<Installation>('PATCH', `${V1}/plugin-installations/${seg(id)}`, { body }),
  uninstall: (api: ApiClient, id: string) => api.request<void>('DELETE', `${V1}/plugin-installations/${seg(id)}`),
  testInstallation: (api: ApiClient, id: string, fn: TestFunction, input: unknown) =>
    api.request<TestRun>('POST', `${V1}/plugin-installations/${seg(id)}/test`, { body: { function: fn, input } }),

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
