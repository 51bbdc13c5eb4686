// Rows of "skill + level" (an agent's skills, a queue's required skills), each row's inputs named
// by their API path: `<base>[i].skill` and `<base>[i].<levelField>`.

import type { Skill } from '../../api/routing';
import { FieldError, NumberInput, SelectInput } from '../form';

export interface SkillLevelRow {
  key: string;
  skill: string;
  level: string;
}

export function SkillLevelRows({
  base,
  levelField,
  levelLabel,
  rows,
  skills,
  errors,
  disabled,
  onChange,
  onRemove,
  onAdd,
  addLabel,
  emptyText,
}: {
  /** API path of the list: `skills`, `required_skills`. */
  base: string;
  /** The level's field name in the API: `level`, `min_level`. */
  levelField: string;
  levelLabel: string;
  rows: SkillLevelRow[];
  skills: readonly Skill[];
  errors: Record<string, string>;
  disabled?: boolean;
  onChange(key: string, change: Partial<Pick<SkillLevelRow, 'skill' | 'level'>>): void;
  onRemove(key: string): void;
  onAdd(): void;
  addLabel: string;
  emptyText: string;
}) {
  const options = skills.map((s) => ({ value: s.id, label: s.name }));
  return (
    <div className="rows" data-testid={`rows-${base}`}>
      {errors[base] ? <FieldError path={base} message={errors[base]} /> : null}
      {rows.length === 0 ? <p className="empty rows-empty">{emptyText}</p> : null}
      {rows.map((row, i) => {
        const at = `${base}[${i}]`;
        const name = skills.find((s) => s.id === row.skill)?.name ?? `skill ${i + 1}`;
        return (
          <div className="row-line" key={row.key} data-testid={`row-${at}`}>
            <SelectInput
              label={`Skill ${i + 1}`}
              hideLabel
              path={`${at}.skill`}
              value={row.skill}
              onChange={(skill) => onChange(row.key, { skill })}
              options={options}
              placeholder="Choose a skill…"
              error={errors[`${at}.skill`]}
              disabled={disabled}
              className="grow"
            />
            <NumberInput
              label={`${levelLabel} for ${name}`}
              hideLabel
              path={`${at}.${levelField}`}
              value={row.level}
              onChange={(level) => onChange(row.key, { level })}
              min={1}
              max={10}
              unit="/ 10"
              error={errors[`${at}.${levelField}`]}
              disabled={disabled}
            />
            <button
              type="button"
              className="btn btn-secondary btn-small row-remove"
              onClick={() => onRemove(row.key)}
              disabled={disabled}
              aria-label={`Remove ${name}`}
              data-testid={`remove-${at}`}
            >
              Remove
            </button>
            {errors[at] ? <FieldError path={at} message={errors[at]} /> : null}
          </div>
        );
      })}
      <button
        type="button"
        className="btn btn-secondary btn-small"
        onClick={onAdd}
        disabled={disabled || skills.length === 0}
        data-testid={`add-${base}`}
      >
        {addLabel}
      </button>
      {skills.length === 0 ? <span className="field-hint"> Define skills on the Skills page first.</span> : null}
    </div>
  );
}

/** The paths these rows have inputs (or row messages) for. */
export function skillLevelPaths(base: string, levelField: string, count: number): string[] {
  const paths = [base];
  for (let i = 0; i < count; i++) paths.push(`${base}[${i}]`, `${base}[${i}].skill`, `${base}[${i}].${levelField}`);
  return paths;
}
