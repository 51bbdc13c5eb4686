import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { routingApi, type Calendar } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete, ErrorSummary, focusFirstInvalid, TextInput } from '../../../components/form';
import { HolidaysEditor } from '../../../components/routing/HolidaysEditor';
import { WeeklyHoursEditor } from '../../../components/routing/WeeklyHoursEditor';
import { Banner, SubmitButton } from '../../../components/ui';
import {
  calendarInputPaths,
  calendarToForm,
  formToCalendarBody,
  newCalendarForm,
  timeZones,
  type CalendarForm,
} from '../../../routing/calendarForm';
import { LoadError, Loading } from './common';
import { OpenNow } from './CalendarsPage';
import { useLoad } from './useLoad';

/** `/admin/hours/new` and `/admin/hours/:calendarId`. */
export function CalendarEditPage() {
  const { calendarId } = useParams();
  const { api } = useSignedIn();
  const navigate = useNavigate();
  const { data, error, loading, reload } = useLoad(
    (a) => (calendarId ? routingApi.getCalendar(a, calendarId) : Promise.resolve(null)),
    calendarId ?? 'new',
  );
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);

  async function remove(c: Calendar) {
    setDeleteError(null);
    setDeleting(true);
    try {
      await routingApi.deleteCalendar(api, c.id);
      navigate('/admin/hours', { state: { flash: `Calendar “${c.name}” deleted.` } });
    } catch (err) {
      setDeleteError(placeErrors(err, () => false).banner);
      setDeleting(false);
    }
  }

  return (
    <div className="page page-form" data-testid="page-calendar-edit">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link to="/admin/hours">Business hours</Link> /
          </p>
          <h1>{calendarId ? (data ? `Calendar “${data.name}”` : 'Calendar') : 'New calendar'}</h1>
        </div>
        {data ? <OpenNow open={data.open_now} testId="calendar-open-now" /> : null}
      </div>
      {deleteError ? <Banner testId="calendar-delete-error">Could not delete the calendar: {deleteError}</Banner> : null}
      {error ? <LoadError what="the calendar" error={error} onRetry={() => void reload()} testId="calendar-load-error" /> : null}
      {loading ? <Loading what="the calendar" /> : null}
      {!loading && !error ? (
        <CalendarEditor
          key={calendarId ?? 'new'}
          initial={data ? calendarToForm(data) : newCalendarForm()}
          calendarId={calendarId}
          onCancel={() => navigate('/admin/hours')}
          onSaved={(c) =>
            navigate('/admin/hours', { state: { flash: `Calendar “${c.name}” ${calendarId ? 'saved' : 'created'}.` } })
          }
          footer={
            data ? (
              <span className="form-actions-end">
                <ConfirmDelete
                  question={`Delete “${data.name}”?`}
                  label="Delete calendar"
                  busy={deleting}
                  testId="calendar-delete"
                  onConfirm={() => remove(data)}
                />
              </span>
            ) : null
          }
        />
      ) : null}
    </div>
  );
}

function CalendarEditor({
  initial,
  calendarId,
  onSaved,
  onCancel,
  footer,
}: {
  initial: CalendarForm;
  calendarId?: string;
  onSaved(c: Calendar): void;
  onCancel(): void;
  footer?: ReactNode;
}) {
  const { api } = useSignedIn();
  const [form, setForm] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);
  const formRef = useRef<HTMLFormElement>(null);
  const zones = useMemo(timeZones, []);
  const zoneListId = useId();
  const e = errors.fields;

  function change(next: CalendarForm, structural: boolean) {
    if (structural) setErrors(NO_PLACED_ERRORS);
    setForm(next);
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const mapped = formToCalendarBody(form);
    if (!mapped.ok) {
      setErrors({ fields: mapped.errors, banner: null });
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
      return;
    }
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      onSaved(
        calendarId
          ? await routingApi.replaceCalendar(api, calendarId, mapped.body)
          : await routingApi.createCalendar(api, mapped.body),
      );
    } catch (err) {
      const paths = calendarInputPaths(form);
      setErrors(placeErrors(err, (p) => paths.has(p)));
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={calendarId ? 'Edit calendar' : 'New calendar'} data-testid="calendar-form">
      {errors.banner ? <Banner testId="calendar-form-error">{errors.banner}</Banner> : null}
      <ErrorSummary errors={e} testId="calendar-form-summary" />
      <section className="panel form-section">
        <h2>General</h2>
        <div className="form-grid">
          <TextInput
            label="Name"
            path="name"
            value={form.name}
            onChange={(name) => setForm({ ...form, name })}
            placeholder="Support hours"
            error={e.name}
            disabled={busy}
          />
          <TextInput
            label="Time zone"
            path="timezone"
            value={form.timezone}
            onChange={(timezone) => setForm({ ...form, timezone })}
            list={zoneListId}
            placeholder="Asia/Shanghai"
            hint="An IANA time zone; the hours below are local to it."
            error={e.timezone}
            disabled={busy}
            autoComplete="off"
            spellCheck={false}
          />
          <datalist id={zoneListId}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
      </section>
      <section className="panel form-section">
        <h2>Weekly hours</h2>
        <WeeklyHoursEditor form={form} onChange={change} errors={e} disabled={busy} />
      </section>
      <section className="panel form-section">
        <h2>Holidays</h2>
        <p className="section-intro">Dates when the weekly hours do not apply: closed, or open only for a while.</p>
        <HolidaysEditor form={form} onChange={change} errors={e} disabled={busy} />
      </section>
      <div className="form-actions form-actions-bar">
        <SubmitButton busy={busy} busyLabel="Saving…" data-testid="calendar-save">
          {calendarId ? 'Save calendar' : 'Create calendar'}
        </SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        {footer}
      </div>
    </form>
  );
}
