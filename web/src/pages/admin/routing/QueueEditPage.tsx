import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { ApiClient } from '../../../api/client';
import { placeErrors } from '../../../api/fieldPaths';
import { routingApi, type Agent } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete } from '../../../components/form';
import { QueueEditor } from '../../../components/routing/QueueEditor';
import { Banner } from '../../../components/ui';
import { nameIndex, withNames } from '../../../routing/names';
import { newQueueForm, queueToForm } from '../../../routing/queueForm';
import { LoadError, Loading } from './common';
import { useLoad } from './useLoad';

async function loadEditor(api: ApiClient, id: string | undefined) {
  const [skills, queues, agents, queue] = await Promise.all([
    routingApi.listSkills(api),
    routingApi.listQueues(api),
    // Backup agents are optional: the form still works if the agent list cannot be read.
    routingApi.listAgents(api).catch((): Agent[] | null => null),
    id ? routingApi.getQueue(api, id) : Promise.resolve(null),
  ]);
  return { skills, queues, agents, queue };
}

/** `/admin/queues/new` and `/admin/queues/:queueId`. */
export function QueueEditPage() {
  const { queueId } = useParams();
  const { api } = useSignedIn();
  const navigate = useNavigate();
  const { data, error, loading, reload } = useLoad((a) => loadEditor(a, queueId), queueId ?? 'new');
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);

  const title = queueId ? (data?.queue ? `Queue “${data.queue.name}”` : 'Queue') : 'New queue';

  async function remove() {
    if (!queueId || !data?.queue) return;
    setDeleteError(null);
    setDeleting(true);
    try {
      await routingApi.deleteQueue(api, queueId);
      navigate('/admin/queues', { state: { flash: `Queue “${data.queue.name}” deleted.` } });
    } catch (err) {
      const names = nameIndex(data);
      setDeleteError(placeErrors(err, () => false, (t) => withNames(t, names)).banner);
      setDeleting(false);
    }
  }

  return (
    <div className="page page-form" data-testid="page-queue-edit">
      <div className="page-header">
        <div>
          <p className="breadcrumb">
            <Link to="/admin/queues">Queues</Link> /
          </p>
          <h1>{title}</h1>
        </div>
      </div>
      {deleteError ? <Banner testId="queue-delete-error">Could not delete the queue: {deleteError}</Banner> : null}
      {error ? <LoadError what="the queue" error={error} onRetry={() => void reload()} testId="queue-load-error" /> : null}
      {loading && !data ? <Loading what="the queue" /> : null}
      {data && !loading ? (
        <QueueEditor
          key={queueId ?? 'new'}
          initial={data.queue ? queueToForm(data.queue) : newQueueForm()}
          queueId={queueId}
          skills={data.skills}
          queues={data.queues}
          agents={data.agents}
          onCancel={() => navigate('/admin/queues')}
          onSaved={(q) =>
            navigate('/admin/queues', { state: { flash: `Queue “${q.name}” ${queueId ? 'saved' : 'created'}.` } })
          }
          footer={
            queueId && data.queue ? (
              <span className="form-actions-end">
                <ConfirmDelete
                  question={`Delete “${data.queue.name}”?`}
                  label="Delete queue"
                  busy={deleting}
                  testId="queue-delete"
                  onConfirm={remove}
                />
              </span>
            ) : null
          }
        />
      ) : null}
    </div>
  );
}
