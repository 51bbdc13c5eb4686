import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../../api/client';
import { OUTCOMES, pluginsApi, type Installation, type InvocationSummary, type OutcomeName } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { SelectInput } from '../../../components/form';
import { OUTCOME_LABELS, OutcomeTag } from '../../../components/plugins/InvocationView';
import { Banner, Spinner } from '../../../components/ui';
import { formatDateTime } from '../../../format';
import { formatMicros } from '../../../plugins/versions';

export const PAGE_SIZE = 50;

function isOutcome(value: string | null): value is OutcomeName {
  return value !== null && (OUTCOMES as readonly string[]).includes(value);
}

/** Every plugin invocation of this company, newest first, filtered by installation and outcome. */
export function InvocationLogPage() {
  const { api } = useSignedIn();
  const [params, setParams] = useSearchParams();
  const installationId = params.get('installation_id') ?? '';
  const outcomeParam = params.get('outcome');
  const outcome = isOutcome(outcomeParam) ? outcomeParam : undefined;
  const [items, setItems] = useState<InvocationSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [installations, setInstallations] = useState<Installation[]>([]);
  const latest = useRef(0);

  const load = useCallback(
    async (before?: string) => {
      const seq = ++latest.current;
      setLoading(true);
      setError(null);
      try {
        const page = await pluginsApi.listInvocations(api, { installation_id: installationId, outcome, limit: PAGE_SIZE, before });
        if (seq !== latest.current) return;
        setItems((prev) => (before && prev ? [...prev, ...page.items] : page.items));
        setNext(page.next ?? null);
      } catch (err) {
        if (seq === latest.current) setError(err instanceof ApiError ? err.userMessage : String(err));
      } finally {
        if (seq === latest.current) setLoading(false);
      }
    },
    [api, installationId, outcome],
  );

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    pluginsApi.listInstallations(api).then(setInstallations, () => undefined);
  }, [api]);

  function filter(name: string, value: string) {
    const nextParams = new URLSearchParams(params);
    if (value) nextParams.set(name, value);
    else nextParams.delete(name);
    setParams(nextParams);
  }

  const names = new Map(installations.map((i) => [i.id, `${i.name}@${i.version}`]));
  return (
    <div className="page" data-testid="page-plugin-log">
      <div className="page-header">
        <div>
          <h1>Plugin invocation log</h1>
          <p className="page-subtitle">Every call into a plugin: what went in, what came out, how long it took. Newest first.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void load()} disabled={loading} data-testid="plugin-log-refresh">
          Refresh
        </button>
      </div>
      <section className="panel">
        <form className="filters" aria-label="Filter invocations" onSubmit={(e) => e.preventDefault()}>
          <SelectInput
            label="Installation"
            path="installation_id"
            value={installationId}
            onChange={(v) => filter('installation_id', v)}
            placeholder="All installations"
            options={installations.map((i) => ({ value: i.id, label: `${i.name} (${i.version})` }))}
          />
          <SelectInput
            label="Outcome"
            path="outcome"
            value={outcome ?? ''}
            onChange={(v) => filter('outcome', v)}
            placeholder="All outcomes"
            options={OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] }))}
          />
        </form>
        {error ? <Banner testId="plugin-log-error">Could not load the invocation log: {error}</Banner> : null}
        {items === null && loading ? (
          <div className="loading-row">
            <Spinner label="Loading invocations" /> Loading…
          </div>
        ) : items && items.length === 0 ? (
          <p className="empty" data-testid="plugin-log-empty">
            No invocations{installationId || outcome ? ' match these filters' : ' yet'}.
          </p>
        ) : items ? (
          <div className="table-wrap">
            <table className="table" data-testid="plugin-log-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Plugin</th>
                  <th scope="col">Function</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Duration</th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id} data-testid="plugin-log-row">
                    <td className="cell-muted nowrap">{formatDateTime(i.created_at)}</td>
                    <td title={i.installation_id ? names.get(i.installation_id) : undefined}>
                      {i.plugin}@{i.version}
                    </td>
                    <td>
                      <code>{i.function}</code>
                    </td>
                    <td>
                      <OutcomeTag outcome={i.outcome} detail={i.detail} />
                    </td>
                    <td className="nowrap">{formatMicros(i.duration_us)}</td>
                    <td className="cell-actions">
                      <Link to={`/admin/plugin-log/${encodeURIComponent(i.id)}`} aria-label={`Details of ${i.plugin} ${i.function} at ${formatDateTime(i.created_at)}`}>
                        Details
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {next && items ? (
          <div className="load-more">
            <button type="button" className="btn btn-secondary" disabled={loading} onClick={() => void load(next)} data-testid="plugin-log-more">
              {loading ? <Spinner label="Loading more" /> : null}
              <span>Load older invocations</span>
            </button>
          </div>
        ) : null}
      </section>
    </div>
  );
}
