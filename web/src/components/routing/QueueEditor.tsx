// The queue form: every QueueConfig field, in seconds where the API has milliseconds. Inputs are
// named by API path, so the server's 422 errors (`required_skills[1].min_level`,
// `overflow[0].queue`) land next to them; a 409 shows as a banner.

import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiClient } from '../../api/client';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../api/fieldPaths';
import { routingApi, STRATEGIES, type Agent, type Queue, type QueueBody, type Skill, type Strategy } from '../../api/routing';
import { useSignedIn } from '../../auth/AuthContext';
import { STRATEGY_HINTS, STRATEGY_LABELS } from '../../pages/admin/routing/common';
import { nameIndex, withNames } from '../../routing/names';
import {
  formToQueueBody,
  newOverflowRow,
  queueInputPaths,
  rowKey,
  type QueueForm,
} from '../../routing/queueForm';
import { ErrorSummary, FieldError, focusFirstInvalid, NumberInput, SecondsInput, SelectInput, Switch, TextInput } from '../form';
import { Banner, SubmitButton } from '../ui';
import { OverflowStepsEditor } from './OverflowStepsEditor';
import { PriorityRulesEditor, SkillRulesEditor } from './QueueRulesEditor';
import { SkillLevelRows } from './SkillLevelRows';

function Section({ title, intro, children, testId }: { title: string; intro?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <section className="panel form-section" data-testid={testId}>
      <h2>{title}</h2>
      {intro ? <p className="section-intro">{intro}</p> : null}
      {children}
    </section>
  );
}

export function QueueEditor({
  initial,
  queueId,
  skills,
  queues,
  agents,
  onSaved,
  onCancel,
  footer,
}: {
  initial: QueueForm;
  /** The queue being edited; none for a new queue. */
  queueId?: string;
  skills: Skill[];
  /** All queues (the one being edited is left out of overflow targets). */
  queues: Queue[];
  /** For backup agents; null when they could not be loaded. */
  agents: Agent[] | null;
  onSaved(queue: Queue): void;
  onCancel(): void;
  footer?: ReactNode;
}) {
  const { api } = useSignedIn();
  const [form, setForm] = useState<QueueForm>(initial);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);
  const formRef = useRef<HTMLFormElement>(null);
  const e = errors.fields;

  const set = (change: Partial<QueueForm>) => setForm((f) => ({ ...f, ...change }));
  /** Adding or removing rows shifts indexes: old messages would point at the wrong rows. */
  const setRows = (change: Partial<QueueForm>) => {
    setErrors(NO_PLACED_ERRORS);
    set(change);
  };

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const mapped = formToQueueBody(form);
    if (!mapped.ok) {
      setErrors({ fields: mapped.errors, banner: null });
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
      return;
    }
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      onSaved(await save(api, queueId, mapped.body));
    } catch (err) {
      const paths = queueInputPaths(form);
      const names = nameIndex({ skills, queues, agents });
      setErrors(placeErrors(err, (p) => paths.has(p), (t) => withNames(t, names)));
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
    } finally {
      setBusy(false);
    }
  }

  const otherQueues = queues.filter((q) => q.id !== queueId);

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={queueId ? 'Edit queue' : 'New queue'} data-testid="queue-form">
      {errors.banner ? <Banner testId="queue-form-error">{errors.banner}</Banner> : null}
      <ErrorSummary errors={e} testId="queue-form-summary" />

      <Section title="General" testId="queue-section-general">
        <div className="form-grid">
          <TextInput label="Name" path="name" value={form.name} onChange={(name) => set({ name })} error={e.name} disabled={busy} />
          <SelectInput
            label="Routing strategy"
            path="strategy"
            value={form.strategy}
            onChange={(s) => set({ strategy: s as Strategy })}
            options={STRATEGIES.map((s) => ({ value: s, label: STRATEGY_LABELS[s] }))}
            hint={STRATEGY_HINTS[form.strategy]}
            error={e.strategy}
            disabled={busy}
          />
          <NumberInput
            label="Default priority"
            path="default_priority"
            value={form.defaultPriority}
            onChange={(defaultPriority) => set({ defaultPriority })}
            min={1}
            max={10}
            unit="1–10"
            hint="Higher is answered first."
            error={e.default_priority}
            disabled={busy}
          />
        </div>
      </Section>

      <Section
        title="Required skills"
        intro="An agent must have every skill listed, at least at its level (1 = beginner, 10 = expert)."
        testId="queue-section-skills"
      >
        <SkillLevelRows
          base="required_skills"
          levelField="min_level"
          levelLabel="Minimum level"
          rows={form.requiredSkills.map((r) => ({ key: r.key, skill: r.skill, level: r.minLevel }))}
          skills={skills}
          errors={e}
          disabled={busy}
          onChange={(key, c) =>
            set({
              requiredSkills: form.requiredSkills.map((r) =>
                r.key === key ? { ...r, ...(c.skill !== undefined ? { skill: c.skill } : {}), ...(c.level !== undefined ? { minLevel: c.level } : {}) } : r,
              ),
            })
          }
          onRemove={(key) => setRows({ requiredSkills: form.requiredSkills.filter((r) => r.key !== key) })}
          onAdd={() => setRows({ requiredSkills: [...form.requiredSkills, { key: rowKey(), skill: '', minLevel: '5' }] })}
          addLabel="Add a required skill"
          emptyText="No required skills: every agent can take this queue's calls."
        />
      </Section>

      <Section title="Timing and service level" intro="All times are in seconds." testId="queue-section-timing">
        <div className="form-grid">
          <SecondsInput
            label="Ring timeout"
            path="ring_timeout"
            value={form.ringTimeout}
            onChange={(ringTimeout) => set({ ringTimeout })}
            hint="How long a call rings an agent before it counts as missed."
            error={e.ring_timeout}
            disabled={busy}
          />
          <SecondsInput
            label="After-call work"
            path="after_call_work"
            value={form.afterCallWork}
            onChange={(afterCallWork) => set({ afterCallWork })}
            hint="Wrap-up time after each call."
            error={e.after_call_work}
            disabled={busy}
          />
          <SecondsInput
            label="Expected handle time"
            path="expected_handle_time"
            value={form.expectedHandleTime}
            onChange={(expectedHandleTime) => set({ expectedHandleTime })}
            hint="Talk plus wrap-up, for wait estimates until the queue has history."
            error={e.expected_handle_time}
            disabled={busy}
          />
          <SecondsInput
            label="Maximum wait"
            path="max_wait"
            value={form.maxWait}
            onChange={(maxWait) => set({ maxWait })}
            placeholder="No limit"
            hint="Leave empty for no limit."
            error={e.max_wait}
            disabled={busy}
          />
        </div>
        <fieldset className="inline-fieldset">
          <legend>Service level target</legend>
          <div className="form-grid">
            <NumberInput
              label="Share of calls"
              path="service_level.percent"
              value={form.serviceLevelPercent}
              onChange={(serviceLevelPercent) => set({ serviceLevelPercent })}
              min={0}
              max={100}
              unit="%"
              error={e['service_level.percent']}
              disabled={busy}
            />
            <SecondsInput
              label="Answered within"
              path="service_level.within"
              value={form.serviceLevelWithin}
              onChange={(serviceLevelWithin) => set({ serviceLevelWithin })}
              error={e['service_level.within']}
              disabled={busy}
            />
          </div>
        </fieldset>
      </Section>

      <Section
        title="Overflow"
        intro="What happens, in order, while a call keeps waiting. Times count from when the call entered the queue."
        testId="queue-section-overflow"
      >
        <OverflowStepsEditor
          rows={form.overflow}
          queues={otherQueues}
          errors={e}
          disabled={busy}
          backupOn={form.backupOn}
          onChange={(key, c) => set({ overflow: form.overflow.map((r) => (r.key === key ? { ...r, ...c } : r)) })}
          onRemove={(key) => setRows({ overflow: form.overflow.filter((r) => r.key !== key) })}
          onAdd={() => {
            const last = form.overflow.at(-1)?.after;
            const next = last && /^\d+$/.test(last) ? String(Number(last) + 30) : '60';
            setRows({ overflow: [...form.overflow, newOverflowRow('add_queue', next)] });
          }}
        />
      </Section>

      <Section title="Priorities" intro="Rules use the data the IVR collected about the call." testId="queue-section-priorities">
        <h3>Priority rules</h3>
        <PriorityRulesEditor
          rows={form.priorityRules}
          errors={e}
          disabled={busy}
          onChange={(key, c) => set({ priorityRules: form.priorityRules.map((r) => (r.key === key ? { ...r, ...c } : r)) })}
          onRemove={(key) => setRows({ priorityRules: form.priorityRules.filter((r) => r.key !== key) })}
          onAdd={() => setRows({ priorityRules: [...form.priorityRules, { key: rowKey(), attribute: '', equals: '', priority: '8' }] })}
        />
        <h3>Skill rules</h3>
        <SkillRulesEditor
          rows={form.skillRules}
          skills={skills}
          errors={e}
          disabled={busy}
          onChange={(key, c) => set({ skillRules: form.skillRules.map((r) => (r.key === key ? { ...r, ...c } : r)) })}
          onRemove={(key) => setRows({ skillRules: form.skillRules.filter((r) => r.key !== key) })}
          onAdd={() => setRows({ skillRules: [...form.skillRules, { key: rowKey(), attribute: '', equals: '', skill: '', minLevel: '5' }] })}
        />
        <h3>Aging</h3>
        <Switch label="Raise a call's priority as it waits" checked={form.agingOn} onChange={(agingOn) => setRows({ agingOn })} testId="toggle-aging" />
        {form.agingOn ? (
          <div className="form-grid">
            <SecondsInput label="One level every" path="aging.every" value={form.agingEvery} onChange={(agingEvery) => set({ agingEvery })} error={e['aging.every']} disabled={busy} />
            <NumberInput label="Up to priority" path="aging.up_to" value={form.agingUpTo} onChange={(agingUpTo) => set({ agingUpTo })} min={1} max={10} error={e['aging.up_to']} disabled={busy} />
          </div>
        ) : null}
      </Section>

      <Section title="Sticky routing and backup agents" testId="queue-section-agents">
        <Switch
          label="Offer a returning caller's call to their last agent first"
          checked={form.stickyOn}
          onChange={(stickyOn) => setRows({ stickyOn })}
          testId="toggle-sticky"
        />
        {form.stickyOn ? (
          <div className="form-grid">
            <SecondsInput label="Wait for the last agent up to" path="sticky.wait" value={form.stickyWait} onChange={(stickyWait) => set({ stickyWait })} error={e['sticky.wait']} disabled={busy} />
          </div>
        ) : null}
        <Switch
          label="Backup agents help when calls wait too long"
          checked={form.backupOn}
          onChange={(backupOn) => setRows({ backupOn })}
          testId="toggle-backup"
        />
        {form.backupOn ? (
          <>
            <BackupAgentsPicker
              agents={agents}
              selected={form.backupAgents}
              onChange={(backupAgents) => set({ backupAgents })}
              error={e['backup.agents']}
              disabled={busy}
            />
            <div className="form-grid">
              <SecondsInput
                label="Start when the oldest call has waited"
                path="backup.activate_after"
                value={form.backupActivateAfter}
                onChange={(backupActivateAfter) => set({ backupActivateAfter })}
                error={e['backup.activate_after']}
                disabled={busy}
              />
              <SecondsInput
                label="Stop when it has waited less than"
                path="backup.release_below"
                value={form.backupReleaseBelow}
                onChange={(backupReleaseBelow) => set({ backupReleaseBelow })}
                error={e['backup.release_below']}
                disabled={busy}
              />
            </div>
          </>
        ) : null}
      </Section>

      <div className="form-actions form-actions-bar">
        <SubmitButton busy={busy} busyLabel="Saving…" data-testid="queue-save">
          {queueId ? 'Save queue' : 'Create queue'}
        </SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        {footer}
      </div>
    </form>
  );
}

function save(api: ApiClient, id: string | undefined, body: QueueBody): Promise<Queue> {
  return id ? routingApi.replaceQueue(api, id, body) : routingApi.createQueue(api, body);
}

function BackupAgentsPicker({
  agents,
  selected,
  onChange,
  error,
  disabled,
}: {
  agents: Agent[] | null;
  selected: string[];
  onChange(ids: string[]): void;
  error?: string;
  disabled?: boolean;
}) {
  const known = new Set(agents?.map((a) => a.agent_id));
  const unknown = selected.filter((id) => !known.has(id));
  return (
    <fieldset className={`inline-fieldset${error ? ' field-invalid' : ''}`} data-testid="input-backup.agents" aria-invalid={error ? true : undefined}>
      <legend>Backup agents</legend>
      {agents === null ? <p className="field-hint">The agent list could not be loaded.</p> : null}
      {agents && agents.length === 0 ? <p className="empty">No agents yet.</p> : null}
      <div className="checkbox-list">
        {agents?.map((a) => (
          <label key={a.agent_id} className="checkbox">
            <input
              type="checkbox"
              checked={selected.includes(a.agent_id)}
              disabled={disabled}
              onChange={(ev) =>
                onChange(ev.target.checked ? [...selected, a.agent_id] : selected.filter((id) => id !== a.agent_id))
              }
              data-testid={`backup-agent-${a.email}`}
            />
            <span className="checkbox-text">
              <span>{a.name || a.email}</span>
              <span className="cell-muted">{a.email}</span>
            </span>
          </label>
        ))}
        {unknown.map((id) => (
          <label key={id} className="checkbox">
            <input type="checkbox" checked disabled={disabled} onChange={() => onChange(selected.filter((x) => x !== id))} />
            <span className="cell-muted">{id} (no longer an agent)</span>
          </label>
        ))}
      </div>
      <p className="field-hint">An agent can be a backup once their skills have been saved on the Agents page.</p>
      {error ? <FieldError path="backup.agents" message={error} /> : null}
    </fieldset>
  );
}
