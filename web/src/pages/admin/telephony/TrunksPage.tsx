// The Trunks page: inbound trunks (who may send calls) and outbound trunks (how calls reach a
// carrier). Each list has an add/edit form above it and a delete that asks first.

import { useState } from 'react';
import { placeErrors } from '../../../api/fieldPaths';
import { registrationSummary, telephonyApi, type InboundTrunk, type OutboundTrunk } from '../../../api/telephony';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete } from '../../../components/form';
import { Banner } from '../../../components/ui';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';
import { InboundTrunkForm } from './InboundTrunkForm';
import { OutboundTrunkForm } from './OutboundTrunkForm';

type Notice = { kind: 'success' | 'error'; text: string } | null;

async function loadTrunks(api: Parameters<typeof telephonyApi.listInbound>[0]) {
  const [inbound, outbound] = await Promise.all([telephonyApi.listInbound(api), telephonyApi.listOutbound(api)]);
  return { inbound, outbound };
}

export function TrunksPage() {
  const { api } = useSignedIn();
  const { data, setData, error, loading, reload } = useLoad(loadTrunks);
  const [editIn, setEditIn] = useState<InboundTrunk | null>(null);
  const [editOut, setEditOut] = useState<OutboundTrunk | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  // A new key after each save gives the next "add" form empty fields (and no password left in it).
  const [saves, setSaves] = useState(0);

  async function remove(kind: 'inbound' | 'outbound', id: string, name: string) {
    setNotice(null);
    setDeleting(id);
    try {
      if (kind === 'inbound') await telephonyApi.deleteInbound(api, id);
      else await telephonyApi.deleteOutbound(api, id);
      setData((d) => d && { inbound: d.inbound.filter((t) => t.id !== id), outbound: d.outbound.filter((t) => t.id !== id) });
      setNotice({ kind: 'success', text: `Trunk “${name}” deleted.` });
    } catch (err) {
      setNotice({ kind: 'error', text: placeErrors(err, () => false).banner ?? 'Could not delete.' });
    } finally {
      setDeleting(null);
    }
  }

  function savedIn(t: InboundTrunk, created: boolean) {
    setData((d) => d && { ...d, inbound: created ? [...d.inbound, t] : d.inbound.map((x) => (x.id === t.id ? t : x)) });
    setEditIn(null);
    setSaves((n) => n + 1);
    setNotice({ kind: 'success', text: `Inbound trunk “${t.name}” ${created ? 'added' : 'saved'}.` });
  }

  function savedOut(t: OutboundTrunk, created: boolean) {
    setData((d) => d && { ...d, outbound: created ? [...d.outbound, t] : d.outbound.map((x) => (x.id === t.id ? t : x)) });
    setEditOut(null);
    setSaves((n) => n + 1);
    setNotice({ kind: 'success', text: `Outbound trunk “${t.name}” ${created ? 'added' : 'saved'}.` });
  }

  return (
    <div className="page" data-testid="page-trunks">
      <div className="page-header">
        <div>
          <h1>Trunks</h1>
          <p className="page-subtitle">Your SIP connections: who may send you calls, and how your calls reach a carrier.</p>
        </div>
      </div>
      {notice ? (
        <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'trunks-success' : 'trunks-error'}>
          {notice.text}
        </Banner>
      ) : null}
      {error ? <LoadError what="trunks" error={error} onRetry={() => void reload()} testId="trunks-load-error" /> : null}
      {loading && !data ? <Loading what="trunks" /> : null}

      <InboundTrunkForm key={editIn?.id ?? `new-in-${saves}`} editing={editIn} onSaved={savedIn} onCancel={() => setEditIn(null)} />
      {data ? (
        <section className="panel">
          <h2>Inbound trunks</h2>
          {data.inbound.length === 0 ? <p className="empty">No inbound trunks yet: no calls can reach you.</p> : (
            <div className="table-wrap">
              <table className="table" data-testid="inbound-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Sources</th>
                    <th scope="col">Digest user</th>
                    <th scope="col">State</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {data.inbound.map((t) => (
                    <tr key={t.id} data-testid={`inbound-row-${t.name}`}>
                      <td className="cell-strong">{t.name}</td>
                      <td className="cell-muted">{t.sources.join(', ') || '—'}</td>
                      <td className="cell-muted">{t.digest_username ?? '—'}</td>
                      <td>{t.enabled ? <span className="tag">enabled</span> : <span className="cell-muted">disabled</span>}</td>
                      <td className="cell-actions">
                        <button type="button" className="btn btn-secondary btn-small" onClick={() => setEditIn(t)}
                          data-testid={`inbound-edit-${t.name}`}>Edit</button>
                        <ConfirmDelete question={`Delete “${t.name}”?`} ariaLabel={`Delete ${t.name}`}
                          busy={deleting === t.id} testId={`inbound-delete-${t.name}`}
                          onConfirm={() => remove('inbound', t.id, t.name)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}

      <OutboundTrunkForm key={editOut?.id ?? `new-out-${saves}`} editing={editOut} onSaved={savedOut} onCancel={() => setEditOut(null)} />
      {data ? (
        <section className="panel">
          <h2>Outbound trunks</h2>
          {data.outbound.length === 0 ? <p className="empty">No outbound trunks yet.</p> : (
            <div className="table-wrap">
              <table className="table" data-testid="outbound-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Proxy</th>
                    <th scope="col">Registers</th>
                    <th scope="col">Caller id</th>
                    <th scope="col">Max calls</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {data.outbound.map((t) => (
                    <tr key={t.id} data-testid={`outbound-row-${t.name}`}>
                      <td className="cell-strong">{t.name}</td>
                      <td className="cell-muted">{t.proxy} ({t.transport.toUpperCase()})</td>
                      <td data-testid={`outbound-registration-${t.name}`}>{registrationSummary(t)}</td>
                      <td className="cell-muted">{t.caller_id ?? '—'}</td>
                      <td>{t.max_calls}</td>
                      <td className="cell-actions">
                        <button type="button" className="btn btn-secondary btn-small" onClick={() => setEditOut(t)}
                          data-testid={`outbound-edit-${t.name}`}>Edit</button>
                        <ConfirmDelete question={`Delete “${t.name}”?`} ariaLabel={`Delete ${t.name}`}
                          busy={deleting === t.id} testId={`outbound-delete-${t.name}`}
                          onConfirm={() => remove('outbound', t.id, t.name)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </div>
  );
}
