import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../../../api/client';
import { pluginsApi, type ReplayResult } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { InvocationView, OutcomeTag, outcomeDetail } from '../../../components/plugins/InvocationView';
import { Banner, Spinner } from '../../../components/ui';
import { formatDateTime } from '../../../format';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';

/** One invocation in full, and "Replay": run the same input against the same version again. */
export function InvocationDetailPage() {
  const { invocationId = '' } = useParams();
  const { api } = useSignedIn();
  const { data: record, error, loading, reload } = useLoad((a) => pluginsApi.getInvocation(a, invocationId), invocationId);
  const [replay, setReplay] = useState<ReplayResult | null>(null);
  const [replayError, setReplayError] = useState<string | null>(null);
  const [replaying, setReplaying] = useState(false);

  async function runReplay() {
    setReplaying(true);
    setReplay(null);
    setReplayError(null);
    try {
      setReplay(await pluginsApi.replay(api, invocationId));
    } catch (err) {
      setReplayError(err instanceof ApiError ? err.userMessage : String(err));
    } finally {
      setReplaying(false);
    }
  }

  return (
    <div className="page" data-testid="page-invocation">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to={record?.installation_id ? `/admin/plugin-log?installation_id=${encodeURIComponent(record.installation_id)}` : '/admin/plugin-log'}>
          Invocation log
        </Link>
      </nav>
      <div className="page-header">
        <div>
          <h1>Invocation</h1>
          <p className="page-subtitle">
            <code>{invocationId}</code>
            {record ? ` · ${formatDateTime(record.created_at)}` : ''}
          </p>
        </div>
        <div className="page-header-actions">
          <button type="button" className="btn btn-primary" onClick={() => void runReplay()} disabled={!record || replaying} aria-busy={replaying} data-testid="replay">
            {replaying ? <Spinner label="Replaying" /> : null}
            <span>Replay</span>
          </button>
        </div>
      </div>
      {error ? <LoadError what="the invocation" error={error} onRetry={() => void reload()} testId="invocation-load-error" /> : null}
      {loading && !record ? <Loading what="the invocation" /> : null}
      {replayError ? <Banner testId="replay-error">Could not replay: {replayError}</Banner> : null}
      {replay ? (
        <section className="panel" aria-labelledby="replay-title" data-testid="replay-result">
          <h2 id="replay-title">Replay</h2>
          {replay.identical ? (
            <Banner kind="success" testId="replay-identical">
              Identical: the same input gave the same outcome, host calls and log.
            </Banner>
          ) : (
            <Banner kind="info" testId="replay-different">
              Different this time: the replay ended with{' '}
              <OutcomeTag outcome={replay.invocation.outcome.kind} detail={outcomeDetail(replay.invocation.outcome)} />. Compare it
              with the recorded run below.
            </Banner>
          )}
          {!replay.identical ? <InvocationView invocation={replay.invocation} testId="replayed" /> : null}
        </section>
      ) : null}
      {record ? (
        <section className="panel" aria-labelledby="recorded-title">
          <h2 id="recorded-title">Recorded</h2>
          <InvocationView invocation={record.invocation} testId="recorded" />
        </section>
      ) : null}
    </div>
  );
}
