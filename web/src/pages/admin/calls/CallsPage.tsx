// The Calls page: the company's call detail records, newest first, filtered by disposition and
// caller, paged with the server's cursor. A row opens to show the IVR path, call data and media.

import { Fragment, useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../../api/client';
import { callsApi, formatDuration, type CallRecord } from '../../../api/calls';
import { useSignedIn } from '../../../auth/AuthContext';
import { TextInput } from '../../../components/form';
import { Banner, Spinner } from '../../../components/ui';
import { formatDateTime } from '../../../format';

export const PAGE_SIZE = 50;

interface Filters {
  disposition: string;
  caller: string;
}

export function CallsPage() {
  const { api } = useSignedIn();
  // What the form shows, and what the listing was loaded with (applied on submit).
  const [draft, setDraft] = useState<Filters>({ disposition: '', caller: '' });
  const [filters, setFilters] = useState<Filters>({ disposition: '', caller: '' });
  const [items, setItems] = useState<CallRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (before?: string) => {
      const seq = ++latest.current;
      setLoading(true);
      setError(null);
      try {
        const page = await callsApi.listCalls(api, { ...filters, limit: PAGE_SIZE, before });
        if (seq !== latest.current) return;
        setItems((prev) => (before && prev ? [...prev, ...page.items] : page.items));
        setNext(page.next ?? null);
      } catch (err) {
        if (seq === latest.current) setError(err instanceof ApiError ? err.userMessage : String(err));
      } finally {
        if (seq === latest.current) setLoading(false);
      }
    },
    [api, filters],
  );

  useEffect(() => {
    void load();
  }, [load]);

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters({ disposition: draft.disposition.trim(), caller: draft.caller.trim() });
  }

  const filtered = filters.disposition !== '' || filters.caller !== '';
  return (
    <div className="page" data-testid="page-calls">
      <div className="page-header">
        <div>
          <h1>Calls</h1>
          <p className="page-subtitle">Every finished call: who called, how long, and how it ended. Newest first.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void load()} disabled={loading} data-testid="calls-refresh">
          Refresh
        </button>
      </div>
      <section className="panel">
        <form className="filters" aria-label="Filter calls" onSubmit={apply}>
          <TextInput
            label="Disposition"
            path="disposition"
            value={draft.disposition}
            onChange={(v) => setDraft((d) => ({ ...d, disposition: v }))}
            placeholder="completed, abandoned…"
          />
          <TextInput
            label="Caller"
            path="caller"
            value={draft.caller}
            onChange={(v) => setDraft((d) => ({ ...d, caller: v }))}
            placeholder="+8613800138000"
          />
          <button type="submit" className="btn btn-secondary" data-testid="calls-filter">
            Filter
          </button>
        </form>
        {error ? <Banner testId="calls-error">Could not load calls: {error}</Banner> : null}
        {items === null && loading ? (
          <div className="loading-row">
            <Spinner label="Loading calls" /> Loading…
          </div>
        ) : items && items.length === 0 ? (
          <p className="empty" data-testid="calls-empty">
            No calls{filtered ? ' match these filters' : ' yet'}.
          </p>
        ) : items ? (
          <div className="table-wrap">
            <table className="table" data-testid="calls-table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Dialled</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Disposition</th>
                  <th scope="col">Queue</th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <Fragment key={c.id}>
                    <tr data-testid="call-row">
                      <td className="cell-muted nowrap">{formatDateTime(c.started_at)}</td>
                      <td className="cell-strong">{c.caller}</td>
                      <td>{c.dialled}</td>
                      <td className="nowrap">{formatDuration(c.duration_ms)}</td>
                      <td>
                        <code>{c.disposition}</code>
                      </td>
                      <td className="cell-muted">
                        {c.queue ? `${c.queue}${c.queue_wait_ms != null ? ` (waited ${formatDuration(c.queue_wait_ms)})` : ''}` : '—'}
                      </td>
                      <td className="cell-actions">
                        <button
                          type="button"
                          className="btn btn-secondary btn-small"
                          aria-expanded={open === c.id}
                          onClick={() => setOpen(open === c.id ? null : c.id)}
                          data-testid={`call-details-${c.id}`}
                        >
                          {open === c.id ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open === c.id ? (
                      <tr data-testid={`call-detail-${c.id}`}>
                        <td colSpan={7}>
                          <CallDetail call={c} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {next && items ? (
          <div className="load-more">
            <button type="button" className="btn btn-secondary" disabled={loading} onClick={() => void load(next)} data-testid="calls-more">
              {loading ? <Spinner label="Loading more" /> : null}
              <span>Load older calls</span>
            </button>
          </div>
        ) : null}
      </section>
    </div>
  );
}

function CallDetail({ call }: { call: CallRecord }) {
  const data = Object.entries(call.call_data);
  return (
    <dl className="facts">
      <dt>Call id</dt>
      <dd>
        <code>{call.id}</code>
      </dd>
      <dt>Answered</dt>
      <dd>{formatDateTime(call.answered_at)}</dd>
      <dt>Ended</dt>
      <dd>
        {formatDateTime(call.ended_at)} (hung up by {call.hangup_by})
      </dd>
      <dt>Agents</dt>
      <dd data-testid="call-agents">
        {call.agents.length > 0
          ? `${call.agents.join(', ')}${call.talk_ms != null ? ` (talked ${formatDuration(call.talk_ms)})` : ''}`
          : '—'}
      </dd>
      <dt>IVR path</dt>
      <dd>{call.ivr_path.length > 0 ? call.ivr_path.join(' → ') : '—'}</dd>
      <dt>Call data</dt>
      <dd>{data.length > 0 ? data.map(([k, v]) => `${k}: ${v}`).join(', ') : '—'}</dd>
      {call.reason ? (
        <>
          <dt>Reason</dt>
          <dd>{call.reason}</dd>
        </>
      ) : null}
      <dt>Media</dt>
      <dd>
        <code>{JSON.stringify(call.media)}</code>
      </dd>
      <dt>SIP Call-ID</dt>
      <dd>
        <code>{call.sip_call_id}</code>
      </dd>
    </dl>
  );
}
