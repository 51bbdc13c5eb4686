import { describe, expect, it } from 'vitest';
import type { Queue } from '../api/routing';
import { formToQueueBody, newOverflowRow, newQueueForm, queueInputPaths, queueToForm, type QueueForm } from './queueForm';

const SKILL_A = 'skl_01M81BRDY6WFGGNA244MN6Q3CK';
const SKILL_B = 'skl_01M81BRDYGN606SQV1N7ZVGQE3';
const SALES = 'que_01M81BRE4MVNHCKBJQATWW3DJE';
const AGENT = 'agt_01M81BRVPEQQ7TCMVB34NSN1WV';

/** A queue as the server returns it, with every section in use. */
const FULL: Queue = {
  id: 'que_01M81BRE6SRSBNMT9ZRVCWY27M',
  name: 'Support',
  strategy: 'most_skilled',
  required_skills: [
    { skill: SKILL_A, min_level: 5 },
    { skill: SKILL_B, min_level: 2 },
  ],
  default_priority: 4,
  priority_rules: [{ attribute: 'vip', equals: 'true', priority: 9 }],
  skill_rules: [{ attribute: 'language', equals: 'fr', requirement: { skill: SKILL_B, min_level: 6 } }],
  aging: { every: 30000, up_to: 8 },
  max_wait: 600000,
  service_level: { percent: 80, within: 20000 },
  ring_timeout: 15000,
  after_call_work: 30000,
  expected_handle_time: 180000,
  overflow: [
    { after: 30000, action: 'relax_skills', levels: 2 },
    { after: 60000, action: 'add_queue', queue: SALES },
    { after: 90000, action: 'use_backup_agents' },
    { after: 120500, action: 'leave_queue', destination: 'callback' },
  ],
  sticky: { wait: 10000 },
  backup: { agents: [AGENT], activate_after: 45000, release_below: 15000 },
  router_plugin: { max_candidates: 8, deadline: 200 },
};

function body(form: QueueForm) {
  const mapped = formToQueueBody(form);
  if (!mapped.ok) throw new Error(`unexpected errors: ${JSON.stringify(mapped.errors)}`);
  return mapped.body;
}

describe('queue form ↔ QueueConfig body', () => {
  it('shows durations in seconds', () => {
    const f = queueToForm(FULL);
    expect(f.ringTimeout).toBe('15');
    expect(f.afterCallWork).toBe('30');
    expect(f.expectedHandleTime).toBe('180');
    expect(f.serviceLevelWithin).toBe('20');
    expect(f.maxWait).toBe('600');
    expect(f.agingEvery).toBe('30');
    expect(f.stickyWait).toBe('10');
    expect(f.backupActivateAfter).toBe('45');
    expect(f.overflow.map((r) => r.after)).toEqual(['30', '60', '90', '120.5']);
    expect(f.requiredSkills.map((r) => [r.skill, r.minLevel])).toEqual([
      [SKILL_A, '5'],
      [SKILL_B, '2'],
    ]);
  });

  it('maps a saved queue back to the same body, without the id', () => {
    const { id: _id, ...expected } = FULL;
    expect(body(queueToForm(FULL))).toEqual(expected);
  });

  it('sends seconds typed by a person as milliseconds', () => {
    const f = { ...newQueueForm(), name: '  Billing  ', ringTimeout: '12.5', maxWait: '300' };
    f.overflow = [{ ...newOverflowRow('add_queue', '45'), queue: SALES }];
    const b = body(f);
    expect(b.name).toBe('Billing');
    expect(b.ring_timeout).toBe(12500);
    expect(b.max_wait).toBe(300000);
    expect(b.service_level).toEqual({ percent: 80, within: 20000 });
    expect(b.overflow).toEqual([{ after: 45000, action: 'add_queue', queue: SALES }]);
  });

  it('sends a new queue with the server defaults and switched-off sections as null', () => {
    const b = body({ ...newQueueForm(), name: 'Sales' });
    expect(b).toEqual({
      name: 'Sales',
      strategy: 'longest_idle',
      required_skills: [],
      default_priority: 5,
      priority_rules: [],
      skill_rules: [],
      aging: null,
      max_wait: null,
      service_level: { percent: 80, within: 20000 },
      ring_timeout: 15000,
      after_call_work: 30000,
      expected_handle_time: 180000,
      overflow: [],
      sticky: null,
      backup: null,
      router_plugin: null,
    });
  });

  it('drops a section that is switched off, even with values typed in it', () => {
    const f = { ...queueToForm(FULL), agingOn: false, stickyOn: false, backupOn: false, maxWait: '' };
    const b = body(f);
    expect(b.aging).toBeNull();
    expect(b.sticky).toBeNull();
    expect(b.backup).toBeNull();
    expect(b.max_wait).toBeNull();
  });

  it('sends only the fields of each overflow action', () => {
    const f = newQueueForm();
    f.name = 'Q';
    f.overflow = [
      { ...newOverflowRow('relax_skills', '10'), levels: '3', queue: SALES },
      { ...newOverflowRow('use_backup_agents', '20'), queue: SALES, levels: '4' },
      { ...newOverflowRow('leave_queue', '30'), destination: 'ivr', queue: SALES },
    ];
    expect(body(f).overflow).toEqual([
      { after: 10000, action: 'relax_skills', levels: 3 },
      { after: 20000, action: 'use_backup_agents' },
      { after: 30000, action: 'leave_queue', destination: 'ivr' },
    ]);
  });

  it('leaves out-of-range numbers to the server but names inputs that cannot be sent', () => {
    const f = queueToForm(FULL);
    f.requiredSkills[1]!.minLevel = '11'; // the server answers required_skills[1].min_level
    expect(formToQueueBody(f).ok).toBe(true);

    f.name = ' ';
    f.ringTimeout = '';
    f.maxWait = 'soon';
    f.requiredSkills[0]!.skill = '';
    f.requiredSkills[1]!.minLevel = 'high';
    f.overflow[1]!.queue = '';
    f.overflow[2]!.after = '-1';
    const mapped = formToQueueBody(f);
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(Object.keys(mapped.errors).sort()).toEqual(
      [
        'name',
        'ring_timeout',
        'max_wait',
        'required_skills[0].skill',
        'required_skills[1].min_level',
        'overflow[1].queue',
        'overflow[2].after',
      ].sort(),
    );
  });

  it('checks a section only while it is switched on', () => {
    const f = { ...newQueueForm(), name: 'Q', agingOn: false, agingEvery: 'x', backupOn: true, backupReleaseBelow: '' };
    const mapped = formToQueueBody(f);
    expect(mapped).toEqual({ ok: false, errors: { 'backup.release_below': 'Enter a number of seconds' } });
  });
});

describe('server field paths → queue editor inputs', () => {
  it('has an input for every field of the rows on screen, and for the sections switched on', () => {
    const f = queueToForm(FULL);
    const paths = queueInputPaths(f);
    for (const p of [
      'name',
      'required_skills[1].min_level',
      'skill_rules[0].requirement.skill',
      'priority_rules[0].priority',
      'overflow[0].levels',
      'overflow[1].queue',
      'overflow[3].destination',
      'overflow[2]',
      'aging.up_to',
      'sticky.wait',
      'backup.release_below',
    ]) {
      expect(paths.has(p), p).toBe(true);
    }
    expect(paths.has('required_skills[2].min_level')).toBe(false);
    expect(paths.has('overflow[0].queue')).toBe(false); // a relax_skills step has no queue input
    expect(paths.has('colour')).toBe(false);
    const off = queueInputPaths({ ...f, agingOn: false, backupOn: false });
    expect(off.has('aging.every')).toBe(false);
    expect(off.has('backup.agents')).toBe(false);
  });
});
