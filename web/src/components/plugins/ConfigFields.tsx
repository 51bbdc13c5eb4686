// The inputs of an installation's configuration, generated from the manifest's config schema
// (src/plugins/configSchema.ts). Inputs are named `config.<key>` and secrets `secrets.<key>`.

import { useId } from 'react';
import { SelectInput, TextAreaInput, TextInput } from '../form';
import { RAW_KEY, type ConfigField, type ConfigForm, type ConfigValues } from '../../plugins/configSchema';

function hintFor(field: ConfigField) {
  const parts = [field.description, field.kind === 'json' ? 'JSON' : null].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

function Checkbox({ field, checked, onChange, disabled }: { field: ConfigField; checked: boolean; onChange(v: boolean): void; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label className="checkbox" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          name={`config.${field.key}`}
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={`input-config.${field.key}`}
        />
        <span className="checkbox-text">{field.label}</span>
      </label>
      {field.description ? <div className="field-hint">{field.description}</div> : null}
    </div>
  );
}

/** One input per configuration field, or the whole configuration as JSON. */
export function ConfigFields({
  form,
  values,
  errors,
  onChange,
  disabled,
}: {
  form: ConfigForm;
  values: ConfigValues;
  errors: Record<string, string>;
  onChange(key: string, value: string | boolean): void;
  disabled?: boolean;
}) {
  if (!form.generated) {
    return (
      <TextAreaInput
        label="Configuration (JSON)"
        path="config"
        value={String(values[RAW_KEY] ?? '')}
        onChange={(v) => onChange(RAW_KEY, v)}
        error={errors[RAW_KEY]}
        disabled={disabled}
        rows={12}
        hint="This plugin's manifest describes no settings form: enter its configuration as a JSON object."
      />
    );
  }
  return (
    <>
      {form.fields.map((f) => {
        const label = f.required ? f.label : `${f.label} (optional)`;
        const common = { label, path: `config.${f.key}`, error: errors[f.key], hint: hintFor(f), disabled };
        const text = typeof values[f.key] === 'string' ? (values[f.key] as string) : '';
        switch (f.kind) {
          case 'boolean':
            return (
              <Checkbox key={f.key} field={f} checked={values[f.key] === true} onChange={(v) => onChange(f.key, v)} disabled={disabled} />
            );
          case 'enum':
            return (
              <SelectInput
                key={f.key}
                {...common}
                value={text}
                onChange={(v) => onChange(f.key, v)}
                options={f.options ?? []}
                placeholder={f.required ? undefined : '(not set)'}
              />
            );
          case 'json':
            return <TextAreaInput key={f.key} {...common} value={text} onChange={(v) => onChange(f.key, v)} rows={8} />;
          default:
            return (
              <TextInput
                key={f.key}
                {...common}
                value={text}
                onChange={(v) => onChange(f.key, v)}
                inputMode={f.kind === 'string' ? undefined : f.kind === 'integer' ? 'numeric' : 'decimal'}
                autoComplete="off"
              />
            );
        }
      })}
    </>
  );
}
