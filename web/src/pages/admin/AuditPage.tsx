import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import type { AuditEntry, User } from '../../api/types';
import { useSignedIn } from '../../auth/AuthContext';
import { Banner, Spinner } from '../../components/ui';
import { formatDateTime, formatDetail } from '../../format';

const PAGE_SIZE = 50;

export function AuditPage() {
  const { api, tenant } = useSignedIn();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [people, setPeople] = useState<Map<string, User>>(new Map());
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);

  const load = useCallback(
    async (before?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.listAudit({ limit: PAGE_SIZE, before });
        setEntries((prev) => (before && prev ? [...prev, ...page] : page));
        setMore(page.length >= PAGE_SIZE);
      } catch (err) {
        setError(err instanceof ApiError ? err.userMessage : String(err));
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
    // Names make the log readable; without them the actor id is shown.
    api.listUsers().then(
      (users) => setPeople(new Map(users.map((u) => [u.id, u]))),
      () => undefined,
    );
  }, [api, load]);

  const actor = (id: string | null | undefined, kind: string | null | undefined) => {
    if (!id) return 'System';
    if (kind === 'telephony') return id === 'telephony' ? 'Telephony' : `Telephony (trunk ${id})`;
    if (kind === 'integrations') return 'Integrations (event delivery)';
    const u = people.get(id);
    return u ? u.name || u.email : id;
  };
  // Targets are ids; a user id reads better as the person's name (the id stays in the tooltip).
  const target = (id: string) => {
    if (!id) return '—';
    if (id === tenant.id) return tenant.name;
    const u = people.get(id);
    return u ? `${u.name || u.email}` : id;
  };

  return (
    <div className="page" data-testid="page-audit">
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p className="page-subtitle">Who changed what in your company, newest first.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void load()} disabled={loading}>
          Refresh
        </button>
      </div>
      <section className="panel">
        {error ? <Banner testId="audit-error">Could not load the audit log: {error}</Banner> : null}
        {entries === null && loading ? (
          <div className="loading-row">
            <Spinner label="Loading audit log" /> Loading…
          </div>
        ) : entries && entries.length === 0 ? (
          <p className="empty">Nothing has been recorded yet.</p>
        ) : entries ? (
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td className="cell-muted nowrap">{formatDateTime(e.at)}</td>
                    <td className="nowrap">{actor(e.actor_id, e.actor_kind)}</td>
                    <td>
                      <code className="action">{e.action}</code>
                    </td>
                    <td className="cell-muted" title={e.target}>
                      {target(e.target)}
                    </td>
                    <td className="cell-detail">{formatDetail(e.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {more && entries ? (
          <div className="load-more">
            <button
              type="button"
              className="btn btn-secondary"
              disabled={loading}
              onClick={() => void load(entries[entries.length - 1]?.id)}
            >
              {loading ? <Spinner label="Loading more" /> : null}
              <span>Load older entries</span>
            </button>
          </div>
        ) : null}
      </section>
    </div>
  );
}
