// Dates with their own hours: closed all day, or open only between two times. Inputs are named
// `holidays[i].date`, `.name`, `.open`, `.close`.

import { rowKey } from '../../routing/queueForm';
import type { CalendarForm, HolidayRow } from '../../routing/calendarForm';
import { FieldError, TextInput } from '../form';

export function HolidaysEditor({
  form,
  onChange,
  errors,
  disabled,
}: {
  form: CalendarForm;
  onChange(form: CalendarForm, structural: boolean): void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  const update = (key: string, change: Partial<HolidayRow>) =>
    onChange({ ...form, holidays: form.holidays.map((h) => (h.key === key ? { ...h, ...change } : h)) }, false);

  return (
    <div className="rows" data-testid="holidays">
      {form.holidays.length === 0 ? <p className="empty rows-empty">No holidays: the weekly hours apply every week.</p> : null}
      {form.holidays.map((h, i) => {
        const at = `holidays[${i}]`;
        return (
          <div className="row-line holiday" key={h.key} data-testid={`row-${at}`}>
            <TextInput
              label="Date"
              path={`${at}.date`}
              type="date"
              value={h.date}
              onChange={(date) => update(h.key, { date })}
              error={errors[`${at}.date`]}
              disabled={disabled}
            />
            <TextInput
              label="Name"
              path={`${at}.name`}
              value={h.name}
              onChange={(name) => update(h.key, { name })}
              placeholder="National Day"
              error={errors[`${at}.name`]}
              disabled={disabled}
              className="grow"
            />
            <label className="checkbox holiday-closed">
              <input
                type="checkbox"
                checked={h.closed}
                onChange={(e) => update(h.key, { closed: e.target.checked, open: h.open || '10:00', close: h.close || '14:00' })}
                disabled={disabled}
                data-testid={`input-${at}.closed`}
              />
              <span>Closed all day</span>
            </label>
            {!h.closed ? (
              <>
                <TextInput
                  label="Opens"
                  path={`${at}.open`}
                  value={h.open}
                  onChange={(open) => update(h.key, { open })}
                  placeholder="10:00"
                  maxLength={5}
                  className="field-time"
                  error={errors[`${at}.open`]}
                  disabled={disabled}
                />
                <TextInput
                  label="Closes"
                  path={`${at}.close`}
                  value={h.close}
                  onChange={(close) => update(h.key, { close })}
                  placeholder="14:00"
                  maxLength={5}
                  className="field-time"
                  error={errors[`${at}.close`]}
                  disabled={disabled}
                />
              </>
            ) : null}
            <button
              type="button"
              className="btn btn-secondary btn-small row-remove"
              onClick={() => onChange({ ...form, holidays: form.holidays.filter((x) => x.key !== h.key) }, true)}
              disabled={disabled}
              aria-label={`Remove holiday ${h.name || i + 1}`}
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
        onClick={() =>
          onChange(
            { ...form, holidays: [...form.holidays, { key: rowKey(), date: '', name: '', closed: true, open: '', close: '' }] },
            true,
          )
        }
        disabled={disabled}
        data-testid="add-holiday"
      >
        Add a holiday
      </button>
    </div>
  );
}
