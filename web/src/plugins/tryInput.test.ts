import { describe, expect, it } from 'vitest';
import { trySamples } from './tryInput';

describe('"Try it" samples', () => {
  it('offers each world its own functions, with this tenant in every input that names one', () => {
    const fns = (world: string) => trySamples(world, 'ten_me', 1_795_000_000_000).map((s) => s.function);
    expect(fns('ivr')).toEqual(['on-event', 'on-event']);
    expect(fns('crm')).toEqual(['lookup', 'on-call-ended']);
    expect(fns('router')).toEqual(['score']);
    expect(fns('integration')).toEqual(['on-event']);
    expect(fns('sip')).toEqual([]);
    for (const world of ['ivr', 'crm', 'integration']) {
      for (const s of trySamples(world, 'ten_me')) {
        const text = JSON.stringify(s.input);
        expect(text).toContain('"tenant_id":"ten_me"');
      }
    }
  });

  it('starts an ivr call with a call-started event and an empty call', () => {
    const [started] = trySamples('ivr', 'ten_me', 1_795_000_000_000);
    expect(started!.input).toEqual({
      context: {
        call_id: 'call_try_' + (1_795_000_000_000).toString(36),
        tenant_id: 'ten_me',
        caller: '+8613800138000',
        dialled: '+861088880000',
        data: [],
        ivr_path: [],
        language: 'Mandarin',
        started_at_ms: 1_795_000_000_000,
      },
      event: 'CallStarted',
    });
  });
});
