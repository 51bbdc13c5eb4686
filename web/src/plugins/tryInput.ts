// Sample inputs for "Try it": the JSON shape the plugin host logs as an invocation's `input`
// (serde of the generated `kefu:plugin@0.1.0` bindings: snake_case fields, Rust variant names,
// tuples as two-element arrays). The admin edits them before sending.

import type { TestFunction } from '../api/plugins';

export interface TrySample {
  function: TestFunction;
  label: string;
  input: unknown;
}

function callId(now: number): string {
  return `call_try_${now.toString(36)}`;
}

/** A call-context for the signed-in tenant (another tenant's would be rejected). */
export function sampleCallContext(tenantId: string, now: number = Date.now()) {
  return {
    call_id: callId(now),
    tenant_id: tenantId,
    caller: '+8613800138000',
    dialled: '+861088880000',
    data: [] as [string, string][],
    ivr_path: [] as string[],
    language: 'Mandarin',
    started_at_ms: now,
  };
}

/** The functions a world exports, each with a sample input. */
export function trySamples(world: string, tenantId: string, now: number = Date.now()): TrySample[] {
  const context = sampleCallContext(tenantId, now);
  switch (world) {
    case 'ivr':
      return [
        { function: 'on-event', label: 'Call started', input: { context, event: 'CallStarted' } },
        {
          function: 'on-event',
          label: 'Digits collected',
          input: { context, event: { DigitsCollected: { tag: 'main', digits: '1', ended_by: 'MaxDigits' } } },
        },
      ];
    case 'crm':
      return [
        { function: 'lookup', label: 'Look up a caller', input: { caller: context.caller, context } },
        {
          function: 'on-call-ended',
          label: 'Call ended',
          input: {
            summary: {
              call_id: context.call_id,
              tenant_id: tenantId,
              caller: context.caller,
              dialled: context.dialled,
              queue: 'Support',
              agent_id: null,
              started_at_ms: now,
              wait_secs: 12,
              talk_secs: 95,
              outcome: 'Answered',
              wrap_up_code: null,
              data: [],
              required_skills: [],
            },
          },
        },
      ];
    case 'router':
      return [
        {
          function: 'score',
          label: 'Score two agents',
          input: {
            call: {
              call_id: context.call_id,
              queue: 'Support',
              priority: 0,
              waited_ms: 4000,
              required_skills: [],
              caller: context.caller,
              data: [],
            },
            candidates: [
              { agent_id: 'agt_try_1', skills: [], idle_ms: 60000, calls_today: 3, last_agent_for_caller: false },
              { agent_id: 'agt_try_2', skills: [], idle_ms: 5000, calls_today: 9, last_agent_for_caller: true },
            ],
            deadline_us: 50000,
          },
        },
      ];
    case 'integration':
      return [
        {
          function: 'on-event',
          label: 'Call ended event',
          input: {
            event: {
              id: `evt_try_${now.toString(36)}`,
              kind: 'call.ended',
              tenant_id: tenantId,
              occurred_at_ms: now,
              payload_json: JSON.stringify({ call_id: context.call_id }),
            },
          },
        },
      ];
    default:
      return [];
  }
}
