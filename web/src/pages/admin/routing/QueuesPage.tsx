import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { ApiClient } from '../../../api/client';
import { placeErrors } from '../../../api/fieldPaths';
import { routingApi, type Queue, type Skill } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete } from '../../../components/form';
import { Banner } from '../../../components/ui';
import { formatDuration } from '../../../routing/duration';
import { nameIndex, withNames } from '../../../routing/names';
import { DESTINATION_LABELS, LoadError, Loading, skillName, STRATEGY_LABELS } from './common';
import { useFlash, useLoad } from './useLoad';

async function loadQueues(api: ApiClient) {
  const [queues, skills] = await Promise.all([routingApi.listQueues(api), routingApi.listSkills(api)]);
  return { queues, skills };
}

/** One line per overflow step: "after 60 s: add Sales". */
export function overflowSummary(q: Queue, queues: readonly Queue[]): string[] {
  return q.overflow.map((s) => {
    const when = `after ${formatDuration(s.after)}`;
    switch (s.action) {
      case 'relax_skills':
        return `${when}: lower levels by ${s.levels}`;
      case 'add_queue':
        return `${when}: add “${queues.find((x) => x.id === s.queue)?.name ?? 'unknown queue'}”`;
      case 'use_backup_agents':
        return `${when}: use backup agents`;
      case 'leave_queue':
        return `${when}: ${DESTINATION_LABELS[s.destination].toLowerCase()}`;
    }
  });
}

export function QueuesPage() {
  const { api } = useSignedIn();
  const flash = useFlash();
  const { data, setData, error, loading, reload } = useLoad(loadQueues);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  async function remove(q: Queue) {
    setNotice(null);
    setDeleting(q.id);
    try {
      await routingApi.deleteQueue(api, q.id);
      setData((d) => (d ? { ...d, queues: d.queues.filter((x) => x.id !== q.id) } : d));
      setNotice({ kind: 'success', text: `Queue “${q.name}” deleted.` });
    } catch (err) {
      const names = nameIndex({ queues: data?.queues, skills: data?.skills });
      const banner = placeErrors(err, () => false, (t) => withNames(t, names)).banner;
      setNotice({ kind: 'error', text: `Could not delete “${q.name}”: ${banner ?? 'unknown error'}` });
    } finally {
      setDeleting(null);
    }
  }

  const shown = notice ?? (flash ? { kind: 'success' as const, text: flash } : null);

  return (
    <div className="page" data-testid="page-queues">
      <div className="page-header">
        <div>
          <h1>Queues</h1>
          <p className="page-subtitle">Where calls wait for an agent: who may answer, in what order, and what happens when nobody does.</p>
        </div>
        <Link to="/admin/queues/new" className="btn btn-primary" data-testid="queue-new">
          New queue
        </Link>
      </div>
      <section className="panel">
        {shown ? (
          <Banner kind={shown.kind} testId={shown.kind === 'success' ? 'queues-success' : 'queues-error'}>
            {shown.text}
          </Banner>
        ) : null}
        {error ? <LoadError what="queues" error={error} onRetry={() => void reload()} testId="queues-load-error" /> : null}
        {loading && !data ? <Loading what="queues" /> : null}
        {data && data.queues.length === 0 ? (
          <p className="empty">
            No queues yet. <Link to="/admin/queues/new">Create the first one</Link>.
          </p>
        ) : null}
        {data && data.queues.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="queues-table">
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col">Strategy</th>
                  <th scope="col">Required skills</th>
                  <th scope="col">Service level</th>
                  <th scope="col">Overflow</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.queues.map((q) => (
                  <tr key={q.id} data-testid={`queue-row-${q.name}`}>
                    <td className="cell-strong">
                      <Link to={`/admin/queues/${encodeURIComponent(q.id)}`}>{q.name}</Link>
                    </td>
                    <td>{STRATEGY_LABELS[q.strategy]}</td>
                    <td>
                      <RequirementChips queue={q} skills={data.skills} />
                    </td>
                    <td className="nowrap">
                      {q.service_level.percent}% in {formatDuration(q.service_level.within)}
                    </td>
                    <td className="cell-muted">
                      {q.overflow.length === 0 ? (
                        'None'
                      ) : (
                        <ol className="compact-list">
                          {overflowSummary(q, data.queues).map((line, i) => (
                            <li key={i}>{line}</li>
                          ))}
                        </ol>
                      )}
                    </td>
                    <td className="cell-actions">
                      <Link
                        to={`/admin/queues/${encodeURIComponent(q.id)}`}
                        className="btn btn-secondary btn-small"
                        aria-label={`Edit ${q.name}`}
                        data-testid={`queue-edit-${q.name}`}
                      >
                        Edit
                      </Link>{' '}
                      <ConfirmDelete
                        question={`Delete “${q.name}”?`}
                        ariaLabel={`Delete ${q.name}`}
                        busy={deleting === q.id}
                        testId={`queue-delete-${q.name}`}
                        onConfirm={() => remove(q)}
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

function RequirementChips({ queue, skills }: { queue: Queue; skills: Skill[] }) {
  if (queue.required_skills.length === 0) return <span className="cell-muted">Any agent</span>;
  return (
    <ul className="chips">
      {queue.required_skills.map((r) => (
        <li key={r.skill} className="chip">
          {skillName(skills, r.skill)} <span className="chip-level">≥ {r.min_level}</span>
        </li>
      ))}
    </ul>
  );
}
