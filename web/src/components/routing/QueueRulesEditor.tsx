// Rules on the IVR's data about a call: a higher priority (vip = true → 9), or an extra skill
// (language = fr → French at least 5). Inputs are named `priority_rules[i].…` and `skill_rules[i].…`.

import type { Skill } from '../../api/routing';
import type { PriorityRuleRow, SkillRuleRow } from '../../routing/queueForm';
import { FieldError, NumberInput, SelectInput, TextInput } from '../form';

interface RuleProps<Row> {
  rows: Row[];
  errors: Record<string, string>;
  disabled?: boolean;
  onChange(key: string, change: Partial<Row>): void;
  onRemove(key: string): void;
  onAdd(): void;
}

function RemoveButton({ at, label, disabled, onClick }: { at: string; label: string; disabled?: boolean; onClick(): void }) {
  return (
    <button
      type="button"
      className="btn btn-secondary btn-small row-remove"
      onClick={onClick}
      disabled={disabled}
      aria-label={label}
      data-testid={`remove-${at}`}
    >
      Remove
    </button>
  );
}

function Condition({ at, n, row, errors, disabled, onChange }: {
  at: string;
  n: number;
  row: { key: string; attribute: string; equals: string };
  errors: Record<string, string>;
  disabled?: boolean;
  onChange(change: { attribute?: string; equals?: string }): void;
}) {
  return (
    <>
      <span className="row-word">If</span>
      <TextInput
        label={`Rule ${n}: call data key`}
        hideLabel
        path={`${at}.attribute`}
        value={row.attribute}
        onChange={(attribute) => onChange({ attribute })}
        placeholder="vip"
        error={errors[`${at}.attribute`]}
        disabled={disabled}
        className="field-short"
      />
      <span className="row-word">is</span>
      <TextInput
        label={`Rule ${n}: value`}
        hideLabel
        path={`${at}.equals`}
        value={row.equals}
        onChange={(equals) => onChange({ equals })}
        placeholder="true"
        error={errors[`${at}.equals`]}
        disabled={disabled}
        className="field-short"
      />
    </>
  );
}

export function PriorityRulesEditor({ rows, errors, disabled, onChange, onRemove, onAdd }: RuleProps<PriorityRuleRow>) {
  return (
    <div className="rows" data-testid="rows-priority_rules">
      {rows.length === 0 ? <p className="empty rows-empty">No rules: every call starts at the default priority.</p> : null}
      {rows.map((row, i) => {
        const at = `priority_rules[${i}]`;
        return (
          <div className="row-line" key={row.key} data-testid={`row-${at}`}>
            <Condition at={at} n={i + 1} row={row} errors={errors} disabled={disabled} onChange={(c) => onChange(row.key, c)} />
            <span className="row-word">then priority at least</span>
            <NumberInput
              label={`Rule ${i + 1}: priority`}
              hideLabel
              path={`${at}.priority`}
              value={row.priority}
              onChange={(priority) => onChange(row.key, { priority })}
              min={1}
              max={10}
              error={errors[`${at}.priority`]}
              disabled={disabled}
            />
            <RemoveButton at={at} label={`Remove priority rule ${i + 1}`} disabled={disabled} onClick={() => onRemove(row.key)} />
            {errors[at] ? <FieldError path={at} message={errors[at]} /> : null}
          </div>
        );
      })}
      <button type="button" className="btn btn-secondary btn-small" onClick={onAdd} disabled={disabled} data-testid="add-priority_rules">
        Add a priority rule
      </button>
    </div>
  );
}

export function SkillRulesEditor({
  rows,
  skills,
  errors,
  disabled,
  onChange,
  onRemove,
  onAdd,
}: RuleProps<SkillRuleRow> & { skills: readonly Skill[] }) {
  const options = skills.map((s) => ({ value: s.id, label: s.name }));
  return (
    <div className="rows" data-testid="rows-skill_rules">
      {rows.length === 0 ? <p className="empty rows-empty">No rules: only the required skills above apply.</p> : null}
      {rows.map((row, i) => {
        const at = `skill_rules[${i}]`;
        return (
          <div className="row-line" key={row.key} data-testid={`row-${at}`}>
            <Condition at={at} n={i + 1} row={row} errors={errors} disabled={disabled} onChange={(c) => onChange(row.key, c)} />
            <span className="row-word">then also need</span>
            <SelectInput
              label={`Rule ${i + 1}: skill`}
              hideLabel
              path={`${at}.requirement.skill`}
              value={row.skill}
              onChange={(skill) => onChange(row.key, { skill })}
              options={options}
              placeholder="Choose a skill…"
              error={errors[`${at}.requirement.skill`]}
              disabled={disabled}
              className="grow"
            />
            <span className="row-word">at level</span>
            <NumberInput
              label={`Rule ${i + 1}: minimum level`}
              hideLabel
              path={`${at}.requirement.min_level`}
              value={row.minLevel}
              onChange={(minLevel) => onChange(row.key, { minLevel })}
              min={1}
              max={10}
              error={errors[`${at}.requirement.min_level`] ?? errors[`${at}.requirement`]}
              disabled={disabled}
            />
            <RemoveButton at={at} label={`Remove skill rule ${i + 1}`} disabled={disabled} onClick={() => onRemove(row.key)} />
            {errors[at] ? <FieldError path={at} message={errors[at]} /> : null}
          </div>
        );
      })}
      <button
        type="button"
        className="btn btn-secondary btn-small"
        onClick={onAdd}
        disabled={disabled || skills.length === 0}
        data-testid="add-skill_rules"
      >
        Add a skill rule
      </button>
    </div>
  );
}
