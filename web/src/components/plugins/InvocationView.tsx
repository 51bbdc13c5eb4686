// One recorded plugin invocation: what went in, what came out, the host calls and the log
// lines. Shared by the invocation detail page, replays and "Try it".

import { isOutcomeName, type Invocation, type Outcome, type OutcomeName } from '../../api/plugins';
import { formatMicros } from '../../plugins/versions';

export const OUTCOME_LABELS: Record<OutcomeName, string> = {
  returned: 'Returned',
  trapped: 'Trapped',
  rejected: 'Rejected',
};

/** An outcome's label; one this app does not know is shown as the server wrote it. */
export function OutcomeTag({ outcome, detail }: { outcome: string; detail?: string | null }) {
  return (
    <span className={`outcome outcome-${outcome}`} data-testid="outcome">
      {isOutcomeName(outcome) ? OUTCOME_LABELS[outcome] : outcome}
      {detail ? `: ${detail}` : ''}
    </span>
  );
}

/** The short kind of a trap or rejection (`cpu_limit`), or null for a return. */
export function outcomeDetail(outcome: Outcome): string | null {
  if (outcome.kind === 'returned') return null;
  const d = outcome.detail;
  if (d && typeof d === 'object' && 'kind' in d && typeof (d as { kind: unknown }).kind === 'string') {
    return (d as { kind: string }).kind;
  }
  return typeof d === 'string' ? d : null;
}

export function Json({ value, testId, label }: { value: unknown; testId?: string; label: string }) {
  return (
    <pre className="json" data-testid={testId} aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function InvocationView({ invocation: inv, testId = 'invocation' }: { invocation: Invocation; testId?: string }) {
  return (
    <div data-testid={testId}>
      <dl className="facts">
        <dt>Plugin</dt>
        <dd>
          {inv.plugin}@{inv.version} <span className="tag">{inv.world}</span>
        </dd>
        <dt>Function</dt>
        <dd>
          <code>{inv.function}</code>
        </dd>
        <dt>Outcome</dt>
        <dd>
          <OutcomeTag outcome={inv.outcome.kind} detail={outcomeDetail(inv.outcome)} />
        </dd>
        <dt>Duration</dt>
        <dd>{formatMicros(inv.duration_us)}</dd>
        <dt>Code</dt>
        <dd title="SHA-256 of the component that ran">
          <code>{inv.content_hash}</code>
        </dd>
      </dl>
      <h3 className="subheading">Input</h3>
      <Json value={inv.input} testId={`${testId}-input`} label="Input" />
      <h3 className="subheading">{inv.outcome.kind === 'returned' ? 'Result' : 'Why it stopped'}</h3>
      <Json value={inv.outcome.detail ?? null} testId={`${testId}-outcome`} label="Outcome" />
      <h3 className="subheading">Host calls</h3>
      {inv.host_calls.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid={`${testId}-host-calls`}>
            <thead>
              <tr>
                <th scope="col">Call</th>
                <th scope="col">Detail</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {inv.host_calls.map((c, i) => (
                <tr key={i}>
                  <td>
                    <code>
                      {c.interface}.{c.function}
                    </code>
                  </td>
                  <td className="cell-detail">{c.detail}</td>
                  <td className="nowrap">{formatMicros(c.duration_us)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3 className="subheading">Log</h3>
      {inv.logs.length === 0 ? (
        <p className="muted">The plugin logged nothing.</p>
      ) : (
        <ul className="compact-list" data-testid={`${testId}-logs`}>
          {inv.logs.map((l, i) => (
            <li key={i}>
              <span className="tag">{l.level}</span> {l.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
