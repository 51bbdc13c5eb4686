// The Voicemail page: messages callers left, newest first, by mailbox and heard or not. Playing
// one fetches its audio with the session's token (an <audio src> could not send it) and marks
// it heard; messages can be marked unheard again or deleted with their audio.

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../../api/client';
import { callsApi, formatDuration, type Voicemail } from '../../../api/calls';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete, SelectInput, TextInput } from '../../../components/form';
import { Banner, Spinner } from '../../../components/ui';
import { formatDateTime } from '../../../format';

export const PAGE_SIZE = 50;

const HEARD_OPTIONS = [
  { value: 'false', label: 'Unheard' },
  { value: 'true', label: 'Heard' },
];

function message(err: unknown): string {
  return err instanceof ApiError ? err.userMessage : String(err);
}

export function VoicemailPage() {
  const { api } = useSignedIn();
  const [mailboxDraft, setMailboxDraft] = useState('');
  const [mailbox, setMailbox] = useState('');
  const [heard, setHeard] = useState('');
  const [items, setItems] = useState<Voicemail[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [playing, setPlaying] = useState<{ id: string; url: string } | null>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (before?: string) => {
      const seq = ++latest.current;
      setLoading(true);
      setError(null);
      try {
        const page = await callsApi.listVoicemails(api, {
          mailbox,
          heard: heard === '' ? undefined : heard === 'true',
          limit: PAGE_SIZE,
          before,
        });
        if (seq !== latest.current) return;
        setItems((prev) => (before && prev ? [...prev, ...page.items] : page.items));
        setNext(page.next ?? null);
      } catch (err) {
        if (seq === latest.current) setError(message(err));
      } finally {
        if (seq === latest.current) setLoading(false);
      }
    },
    [api, mailbox, heard],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // The object URL holds the audio in memory until it is revoked.
  useEffect(() => {
    return () => {
      if (playing) URL.revokeObjectURL(playing.url);
    };
  }, [playing]);

  function replace(vm: Voicemail) {
    setItems((list) => list && list.map((x) => (x.id === vm.id ? vm : x)));
  }

  async function play(vm: Voicemail) {
    setNotice(null);
    setBusy(vm.id);
    try {
      const audio = await callsApi.audio(api, vm.id);
      setPlaying({ id: vm.id, url: URL.createObjectURL(audio) });
      if (!vm.heard) replace(await callsApi.setHeard(api, vm.id, true));
    } catch (err) {
      setNotice({ kind: 'error', text: `Could not play the message: ${message(err)}` });
    } finally {
      setBusy(null);
    }
  }

  async function toggleHeard(vm: Voicemail) {
    setNotice(null);
    setBusy(vm.id);
    try {
      replace(await callsApi.setHeard(api, vm.id, !vm.heard));
    } catch (err) {
      setNotice({ kind: 'error', text: message(err) });
    } finally {
      setBusy(null);
    }
  }

  async function remove(vm: Voicemail) {
    setNotice(null);
    setBusy(vm.id);
    try {
      await callsApi.deleteVoicemail(api, vm.id);
      setItems((list) => list && list.filter((x) => x.id !== vm.id));
      if (playing?.id === vm.id) setPlaying(null);
      setNotice({ kind: 'success', text: `Message from ${vm.caller} deleted.` });
    } catch (err) {
      setNotice({ kind: 'error', text: message(err) });
    } finally {
      setBusy(null);
    }
  }

  function applyMailbox(e: FormEvent) {
    e.preventDefault();
    setMailbox(mailboxDraft.trim());
  }

  const filtered = mailbox !== '' || heard !== '';
  return (
    <div className="page" data-testid="page-voicemail">
      <div className="page-header">
        <div>
          <h1>Voicemail</h1>
          <p className="page-subtitle">Messages callers left, newest first.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void load()} disabled={loading} data-testid="voicemail-refresh">
          Refresh
        </button>
      </div>
      {notice ? (
        <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'voicemail-success' : 'voicemail-notice-error'}>
          {notice.text}
        </Banner>
      ) : null}
      <section className="panel">
        <form className="filters" aria-label="Filter voicemail" onSubmit={applyMailbox}>
          <TextInput label="Mailbox" path="mailbox" value={mailboxDraft} onChange={setMailboxDraft} placeholder="All mailboxes" />
          <SelectInput label="Status" path="heard" value={heard} onChange={setHeard} placeholder="All messages" options={HEARD_OPTIONS} />
          <button type="submit" className="btn btn-secondary" data-testid="voicemail-filter">
            Filter
          </button>
        </form>
        {error ? <Banner testId="voicemail-error">Could not load voicemail: {error}</Banner> : null}
        {playing ? (
          <div className="player" data-testid="voicemail-player">
            <audio controls autoPlay src={playing.url} aria-label="Voicemail message" />
          </div>
        ) : null}
        {items === null && loading ? (
          <div className="loading-row">
            <Spinner label="Loading voicemail" /> Loading…
          </div>
        ) : items && items.length === 0 ? (
          <p className="empty" data-testid="voicemail-empty">
            No messages{filtered ? ' match these filters' : ' yet'}.
          </p>
        ) : items ? (
          <div className="table-wrap">
            <table className="table" data-testid="voicemail-table">
              <thead>
                <tr>
                  <th scope="col">Left</th>
                  <th scope="col">Mailbox</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Length</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((vm) => (
                  <tr key={vm.id} data-testid="voicemail-row" className={vm.heard ? undefined : 'row-unread'}>
                    <td className="cell-muted nowrap">{formatDateTime(vm.created_at)}</td>
                    <td>{vm.mailbox}</td>
                    <td className="cell-strong">{vm.caller}</td>
                    <td className="nowrap">{formatDuration(vm.duration_ms)}</td>
                    <td data-testid={`voicemail-status-${vm.id}`}>{vm.heard ? 'Heard' : 'New'}</td>
                    <td className="cell-actions">
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        disabled={busy === vm.id}
                        onClick={() => void play(vm)}
                        aria-label={`Play message from ${vm.caller}`}
                        data-testid={`voicemail-play-${vm.id}`}
                      >
                        Play
                      </button>
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        disabled={busy === vm.id}
                        onClick={() => void toggleHeard(vm)}
                        data-testid={`voicemail-heard-${vm.id}`}
                      >
                        {vm.heard ? 'Mark unheard' : 'Mark heard'}
                      </button>
                      <ConfirmDelete
                        question={`Delete the message from ${vm.caller}?`}
                        ariaLabel={`Delete message from ${vm.caller}`}
                        busy={busy === vm.id}
                        testId={`voicemail-delete-${vm.id}`}
                        onConfirm={() => remove(vm)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {next && items ? (
          <div className="load-more">
            <button type="button" className="btn btn-secondary" disabled={loading} onClick={() => void load(next)} data-testid="voicemail-more">
              {loading ? <Spinner label="Loading more" /> : null}
              <span>Load older messages</span>
            </button>
          </div>
        ) : null}
      </section>
    </div>
  );
}
