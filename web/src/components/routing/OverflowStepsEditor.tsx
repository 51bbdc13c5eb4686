// The overflow steps of a queue: after so many seconds of waiting, do one thing. Inputs are named
// `overflow[i].after`, `overflow[i].levels`, `overflow[i].queue`, `overflow[i].destination`.

import { LEAVE_DESTINATIONS, OVERFLOW_ACTIONS, type LeaveDestination, type OverflowActionName } from '../../api/routing';
import { DESTINATION_LABELS, OVERFLOW_LABELS } from '../../pages/admin/routing/common';
import type { OverflowRow } from '../../routing/queueForm';
import { FieldError, NumberInput, SecondsInput, SelectInput } from '../form';

export function OverflowStepsEditor({
  rows,
  queues,
  errors,
  disabled,
  backupOn,
  onChange,
  onRemove,
  onAdd,
}: {
  rows: OverflowRow[];
  /** Queues a step may add (every other queue). */
  queues: readonly { id: string; name: string }[];
  errors: Record<string, string>;
  disabled?: boolean;
  backupOn: boolean;
  onChange(key: string, change: Partial<OverflowRow>): void;
  onRemove(key: string): void;
  onAdd(): void;
}) {
  const queueOptions = queues.map((q) => ({ value: q.id, label: q.name }));
  return (
    <div className="rows" data-testid="rows-overflow">
      {errors.overflow ? <FieldError path="overflow" message={errors.overflow} /> : null}
      {rows.length === 0 ? <p className="empty rows-empty">No overflow: calls wait in this queue until answered.</p> : null}
      {rows.map((row, i) => {
        const at = `overflow[${i}]`;
        return (
          <div className="row-line overflow-step" key={row.key} data-testid={`row-${at}`}>
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>
            <SecondsInput
              label={`Step ${i + 1}: after waiting`}
              path={`${at}.after`}
              value={row.after}
              onChange={(after) => onChange(row.key, { after })}
              error={errors[`${at}.after`]}
              disabled={disabled}
              className="field-seconds"
            />
            <SelectInput
              label={`Step ${i + 1}: action`}
              path={`${at}.action`}
              value={row.action}
              onChange={(action) => onChange(row.key, { action: action as OverflowActionName })}
              options={OVERFLOW_ACTIONS.map((a) => ({ value: a, label: OVERFLOW_LABELS[a] }))}
              disabled={disabled}
              className="grow"
            />
            {row.action === 'relax_skills' ? (
              <NumberInput
                label="By levels"
                path={`${at}.levels`}
                value={row.levels}
                onChange={(levels) => onChange(row.key, { levels })}
                min={1}
                max={9}
                error={errors[`${at}.levels`]}
                disabled={disabled}
              />
            ) : null}
            {row.action === 'add_queue' ? (
              <SelectInput
                label="Queue"
                path={`${at}.queue`}
                value={row.queue}
                onChange={(queue) => onChange(row.key, { queue })}
                options={queueOptions}
                placeholder={queueOptions.length ? 'Choose a queue…' : 'No other queues yet'}
                error={errors[`${at}.queue`]}
                disabled={disabled}
                className="grow"
              />
            ) : null}
            {row.action === 'leave_queue' ? (
              <SelectInput
                label="Send to"
                path={`${at}.destination`}
                value={row.destination}
                onChange={(destination) => onChange(row.key, { destination: destination as LeaveDestination })}
                options={LEAVE_DESTINATIONS.map((d) => ({ value: d, label: DESTINATION_LABELS[d] }))}
                error={errors[`${at}.destination`]}
                disabled={disabled}
              />
            ) : null}
            {row.action === 'use_backup_agents' && !backupOn ? (
              <span className="field-hint step-note">Set up backup agents below for this step to do anything.</span>
            ) : null}
            <button
              type="button"
              className="btn btn-secondary btn-small row-remove"
              onClick={() => onRemove(row.key)}
              disabled={disabled}
              aria-label={`Remove step ${i + 1}`}
              data-testid={`remove-${at}`}
            >
              Remove
            </button>
            {errors[at] ? <FieldError path={at} message={errors[at]} /> : null}
          </div>
        );
      })}
      <button type="button" className="btn btn-secondary btn-small" onClick={onAdd} disabled={disabled} data-testid="add-overflow">
        Add a step
      </button>
    </div>
  );
}
