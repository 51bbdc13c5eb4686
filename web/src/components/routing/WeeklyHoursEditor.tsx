// Opening hours per weekday. Ranges live in one list in day order; each input is named by its
// index in the API's `weekly` array (`weekly[3].close`), so server errors land on the right row.

import { WEEKDAYS, type Weekday } from '../../api/routing';
import {
  addRange,
  copyDay,
  DAY_LABELS,
  openAllDay,
  rangesOf,
  removeRange,
  updateRange,
  type CalendarForm,
} from '../../routing/calendarForm';
import { FieldError, TextInput } from '../form';

const WORKDAYS: readonly Weekday[] = ['tue', 'wed', 'thu', 'fri'];

export function WeeklyHoursEditor({
  form,
  onChange,
  errors,
  disabled,
}: {
  form: CalendarForm;
  /** `structural`: rows were added or removed, so error positions no longer hold. */
  onChange(form: CalendarForm, structural: boolean): void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  return (
    <div className="week" data-testid="weekly-hours">
      {errors.weekly ? <FieldError path="weekly" message={errors.weekly} /> : null}
      {WEEKDAYS.map((day) => {
        const ranges = rangesOf(form, day);
        return (
          <div className="week-day" key={day} data-testid={`day-${day}`}>
            <div className="week-day-name">{DAY_LABELS[day]}</div>
            <div className="week-day-ranges">
              {ranges.length === 0 ? <span className="closed-label">Closed</span> : null}
              {ranges.map(({ row, index }) => {
                const at = `weekly[${index}]`;
                return (
                  <div className="range" key={row.key} data-testid={`range-${at}`}>
                    <TextInput
                      label={`${DAY_LABELS[day]} opens`}
                      hideLabel
                      path={`${at}.open`}
                      value={row.open}
                      onChange={(open) => onChange(updateRange(form, row.key, { open }), false)}
                      placeholder="09:00"
                      maxLength={5}
                      className="field-time"
                      error={errors[`${at}.open`]}
                      disabled={disabled}
                      autoComplete="off"
                    />
                    <span className="range-dash" aria-hidden="true">
                      –
                    </span>
                    <TextInput
                      label={`${DAY_LABELS[day]} closes`}
                      hideLabel
                      path={`${at}.close`}
                      value={row.close}
                      onChange={(close) => onChange(updateRange(form, row.key, { close }), false)}
                      placeholder="17:00"
                      maxLength={5}
                      className="field-time"
                      error={errors[`${at}.close`]}
                      disabled={disabled}
                      autoComplete="off"
                    />
                    <button
                      type="button"
                      className="btn-link range-remove"
                      onClick={() => onChange(removeRange(form, row.key), true)}
                      disabled={disabled}
                      aria-label={`Remove ${DAY_LABELS[day]} ${row.open}–${row.close}`}
                      data-testid={`remove-${at}`}
                    >
                      Remove
                    </button>
                    {errors[at] || errors[`${at}.day`] ? <FieldError path={at} message={errors[at] ?? errors[`${at}.day`]!} /> : null}
                  </div>
                );
              })}
            </div>
            <div className="week-day-actions">
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => onChange(addRange(form, day), true)}
                disabled={disabled}
                aria-label={`Add hours on ${DAY_LABELS[day]}`}
                data-testid={`add-range-${day}`}
              >
                Add hours
              </button>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => onChange(openAllDay(form, day), true)}
                disabled={disabled}
                aria-label={`Open all day on ${DAY_LABELS[day]}`}
                data-testid={`all-day-${day}`}
              >
                24 h
              </button>
              {day === 'mon' ? (
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => onChange(copyDay(form, 'mon', WORKDAYS), true)}
                  disabled={disabled}
                  data-testid="copy-monday"
                >
                  Copy to Tue–Fri
                </button>
              ) : null}
            </div>
          </div>
        );
      })}
      <p className="field-hint">Times are HH:MM in the calendar's time zone; use 24:00 for midnight at the end of a day.</p>
    </div>
  );
}
