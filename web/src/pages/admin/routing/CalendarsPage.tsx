import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { ApiClient } from '../../../api/client';
import { placeErrors } from '../../../api/fieldPaths';
import { routingApi, type Calendar } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete } from '../../../components/form';
import { Banner } from '../../../components/ui';
import { weeklySummary } from '../../../routing/calendarForm';
import { LoadError, Loading } from './common';
import { useFlash, useLoad } from './useLoad';

/** The list, each calendar read once more for the server's `open_now`. */
async function loadCalendars(api: ApiClient): Promise<Calendar[]> {
  const list = await routingApi.listCalendars(api);
  return Promise.all(list.map((c) => routingApi.getCalendar(api, c.id).catch(() => c)));
}

export function OpenNow({ open, testId }: { open: boolean | undefined; testId: string }) {
  if (open === undefined) return <span className="badge badge-unknown" data-testid={testId}>Unknown</span>;
  return (
    <span className={`badge ${open ? 'badge-open' : 'badge-closed'}`} data-testid={testId} data-open={open}>
      {open ? 'Open now' : 'Closed now'}
    </span>
  );
}

export function CalendarsPage() {
  const { api } = useSignedIn();
  const flash = useFlash();
  const { data: calendars, setData, error, loading, reload } = useLoad(loadCalendars);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  async function remove(c: Calendar) {
    setNotice(null);
    setDeleting(c.id);
    try {
      await routingApi.deleteCalendar(api, c.id);
      setData((list) => list?.filter((x) => x.id !== c.id) ?? null);
      setNotice({ kind: 'success', text: `Calendar “${c.name}” deleted.` });
    } catch (err) {
      setNotice({ kind: 'error', text: `Could not delete “${c.name}”: ${placeErrors(err, () => false).banner}` });
    } finally {
      setDeleting(null);
    }
  }

  const shown = notice ?? (flash ? { kind: 'success' as const, text: flash } : null);

  return (
    <div className="page" data-testid="page-calendars">
      <div className="page-header">
        <div>
          <h1>Business hours</h1>
          <p className="page-subtitle">When you are open. The IVR checks a calendar to choose its open or after-hours path.</p>
        </div>
        <div className="page-header-actions">
          <button type="button" className="btn btn-secondary" onClick={() => void reload()} disabled={loading}>
            Refresh
          </button>
          <Link to="/admin/hours/new" className="btn btn-primary" data-testid="calendar-new">
            New calendar
          </Link>
        </div>
      </div>
      <section className="panel">
        {shown ? (
          <Banner kind={shown.kind} testId={shown.kind === 'success' ? 'calendars-success' : 'calendars-error'}>
            {shown.text}
          </Banner>
        ) : null}
        {error ? <LoadError what="calendars" error={error} onRetry={() => void reload()} testId="calendars-load-error" /> : null}
        {loading && !calendars ? <Loading what="calendars" /> : null}
        {calendars && calendars.length === 0 ? (
          <p className="empty">
            No calendars yet. <Link to="/admin/hours/new">Create the first one</Link>.
          </p>
        ) : null}
        {calendars && calendars.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="calendars-table">
              <thead>
                <tr>
                  <th scope="col">Calendar</th>
                  <th scope="col">Time zone</th>
                  <th scope="col">Weekly hours</th>
                  <th scope="col">Holidays</th>
                  <th scope="col">Now</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {calendars.map((c) => (
                  <tr key={c.id} data-testid={`calendar-row-${c.name}`}>
                    <td className="cell-strong">
                      <Link to={`/admin/hours/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                    </td>
                    <td>{c.timezone}</td>
                    <td className="cell-muted">{weeklySummary(c.weekly)}</td>
                    <td>{c.holidays.length || '—'}</td>
                    <td>
                      <OpenNow open={c.open_now} testId={`calendar-open-${c.name}`} />
                    </td>
                    <td className="cell-actions">
                      <Link
                        to={`/admin/hours/${encodeURIComponent(c.id)}`}
                        className="btn btn-secondary btn-small"
                        aria-label={`Edit ${c.name}`}
                        data-testid={`calendar-edit-${c.name}`}
                      >
                        Edit
                      </Link>{' '}
                      <ConfirmDelete
                        question={`Delete “${c.name}”?`}
                        ariaLabel={`Delete ${c.name}`}
                        busy={deleting === c.id}
                        testId={`calendar-delete-${c.name}`}
                        onConfirm={() => remove(c)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}
