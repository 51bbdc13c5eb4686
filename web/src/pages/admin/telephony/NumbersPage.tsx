// The Numbers page: the tenant's phone numbers (DIDs), where each one's calls go (an installed
// IVR plugin or a queue), which queue takes an IVR number's calls when its IVR fails, and which
// inbound trunks may reach it.

import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../../../api/client';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { routingApi } from '../../../api/routing';
import { telephonyApi, type NumberBody, type NumberEntry, type PhoneNumber } from '../../../api/telephony';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete, FieldShell, SelectInput, TextInput, type Option } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';
import { compactNumber, E164, entryFromValue, entryValue } from '../../../telephony/forms';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';

const FIELDS = new Set(['number', 'label', 'entry', 'trunks', 'fallback_queue']);

async function loadNumbers(api: ApiClient) {
  const [numbers, trunks, queues, ivrs] = await Promise.all([
    telephonyApi.listNumbers(api),
    telephonyApi.listInbound(api),
    routingApi.listQueues(api),
    telephonyApi.listIvrInstallations(api),
  ]);
  const entries: Option[] = [
    ...ivrs.map((i) => ({ value: entryValue({ kind: 'ivr', installation: i.id }), label: `IVR: ${i.name} ${i.version}` })),
    ...queues.map((q) => ({ value: entryValue({ kind: 'queue', queue: q.id }), label: `Queue: ${q.name}` })),
  ];
  const queueOptions: Option[] = queues.map((q) => ({ value: q.id, label: q.name }));
  return { numbers, trunks, entries, queueOptions };
}

type Loaded = Awaited<ReturnType<typeof loadNumbers>>;

function entryLabel(data: Loaded, entry: NumberEntry): string {
  return data.entries.find((o) => o.value === entryValue(entry))?.label ?? 'Unknown entry';
}

function fallbackLabel(data: Loaded, n: PhoneNumber): string | null {
  if (n.entry.kind !== 'ivr') return null;
  if (!n.fallback_queue) return 'if the IVR fails: hang up';
  const name = data.queueOptions.find((o) => o.value === n.fallback_queue)?.label ?? n.fallback_queue;
  return `if the IVR fails: queue ${name}`;
}

export function NumbersPage() {
  const { api } = useSignedIn();
  const { data, setData, error, loading, reload } = useLoad(loadNumbers);
  const [editing, setEditing] = useState<PhoneNumber | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  // A new key after each save gives the next "add" form empty fields.
  const [saves, setSaves] = useState(0);

  async function remove(n: PhoneNumber) {
    setNotice(null);
    setDeleting(n.id);
    try {
      await telephonyApi.deleteNumber(api, n.id);
      setData((d) => d && { ...d, numbers: d.numbers.filter((x) => x.id !== n.id) });
      setNotice({ kind: 'success', text: `Number ${n.number} released.` });
    } catch (err) {
      setNotice({ kind: 'error', text: placeErrors(err, () => false).banner ?? 'Could not delete.' });
    } finally {
      setDeleting(null);
    }
  }

  function saved(n: PhoneNumber, created: boolean) {
    setData((d) => d && { ...d, numbers: created ? [...d.numbers, n] : d.numbers.map((x) => (x.id === n.id ? n : x)) });
    setEditing(null);
    setSaves((n) => n + 1);
    setNotice({ kind: 'success', text: `Number ${n.number} ${created ? 'added' : 'saved'}.` });
  }

  return (
    <div className="page" data-testid="page-numbers">
      <div className="page-header">
        <div>
          <h1>Numbers</h1>
          <p className="page-subtitle">Your phone numbers and where their calls go: an IVR or a queue.</p>
        </div>
      </div>
      {notice ? (
        <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'numbers-success' : 'numbers-error'}>
          {notice.text}
        </Banner>
      ) : null}
      {error ? <LoadError what="numbers" error={error} onRetry={() => void reload()} testId="numbers-load-error" /> : null}
      {loading && !data ? <Loading what="numbers" /> : null}
      {data ? (
        <>
          <NumberForm key={editing?.id ?? `new-${saves}`} data={data} editing={editing} onSaved={saved} onCancel={() => setEditing(null)} />
          <section className="panel">
            <h2>Your numbers</h2>
            {data.numbers.length === 0 ? <p className="empty">No numbers yet. Add the first one above.</p> : (
              <div className="table-wrap">
                <table className="table" data-testid="numbers-table">
                  <thead>
                    <tr>
                      <th scope="col">Number</th>
                      <th scope="col">Label</th>
                      <th scope="col">Calls go to</th>
                      <th scope="col">Through trunks</th>
                      <th scope="col"><span className="visually-hidden">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.numbers.map((n) => (
                      <tr key={n.id} data-testid={`number-row-${n.number}`}>
                        <td className="cell-strong">{n.number}</td>
                        <td>{n.label}</td>
                        <td>
                          {entryLabel(data, n.entry)}
                          {fallbackLabel(data, n) ? (
                            <div className="cell-muted" data-testid={`number-fallback-${n.number}`}>{fallbackLabel(data, n)}</div>
                          ) : null}
                        </td>
                        <td className="cell-muted">
                          {n.trunks.length === 0
                            ? 'any of yours'
                            : n.trunks.map((id) => data.trunks.find((t) => t.id === id)?.name ?? id).join(', ')}
                        </td>
                        <td className="cell-actions">
                          <button type="button" className="btn btn-secondary btn-small" onClick={() => setEditing(n)}
                            data-testid={`number-edit-${n.number}`}>Edit</button>
                          <ConfirmDelete question={`Release ${n.number}?`} ariaLabel={`Delete ${n.number}`}
                            busy={deleting === n.id} testId={`number-delete-${n.number}`} onConfirm={() => remove(n)} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}

function NumberForm({
  data,
  editing,
  onSaved,
  onCancel,
}: {
  data: Loaded;
  editing: PhoneNumber | null;
  onSaved(n: PhoneNumber, created: boolean): void;
  onCancel(): void;
}) {
  const { api } = useSignedIn();
  const [number, setNumber] = useState(editing?.number ?? '');
  const [label, setLabel] = useState(editing?.label ?? '');
  const [entry, setEntry] = useState(entryValue(editing?.entry ?? null));
  const [trunks, setTrunks] = useState<string[]>(editing?.trunks ?? []);
  const [fallback, setFallback] = useState(editing?.fallback_queue ?? '');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const chosen = entryFromValue(entry);
    const fields: Record<string, string> = {};
    if (!chosen) fields.entry = 'Choose where calls go';
    if (Object.keys(fields).length || !chosen) {
      setErrors({ fields, banner: null });
      return;
    }
    // The format is checked by the server too; the server's message is the one shown.
    const body: NumberBody = {
      number: compactNumber(number),
      label: label.trim(),
      entry: chosen,
      trunks,
      // Only an IVR can fail over to a queue; a queue entry sends none.
      fallback_queue: chosen.kind === 'ivr' && fallback ? fallback : null,
    };
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      const saved = editing
        ? await telephonyApi.replaceNumber(api, editing.id, body)
        : await telephonyApi.createNumber(api, body);
      onSaved(saved, !editing);
    } catch (err) {
      setErrors(placeErrors(err, (p) => FIELDS.has(p)));
    } finally {
      setBusy(false);
    }
  }

  const looksValid = number === '' || E164.test(compactNumber(number));
  return (
    <section className="panel">
      <h2>{editing ? `Edit ${editing.number}` : 'Add a number'}</h2>
      {errors.banner ? <Banner testId="number-error">{errors.banner}</Banner> : null}
      <form onSubmit={submit} noValidate aria-label="Number" data-testid="number-form">
        <div className="form-row">
          <TextInput label="Number" path="number" value={number} onChange={setNumber} error={errors.fields.number}
            disabled={busy} placeholder="+15555550100" inputMode="tel"
            hint={looksValid ? 'E.164: + and the country code, 8 to 15 digits' : 'Needs + and 8 to 15 digits'} />
          <TextInput label="Label" path="label" value={label} onChange={setLabel} error={errors.fields.label}
            disabled={busy} placeholder="Sales hotline" className="grow" />
          <SelectInput label="Calls go to" path="entry" value={entry} onChange={setEntry} options={data.entries}
            placeholder="Choose an IVR or a queue…" error={errors.fields.entry} disabled={busy} />
        </div>
        {entryFromValue(entry)?.kind === 'ivr' ? (
          <div className="form-row">
            <SelectInput label="If the IVR fails" path="fallback_queue" value={fallback} onChange={setFallback}
              options={data.queueOptions} placeholder="Hang up after an apology" error={errors.fields.fallback_queue}
              disabled={busy}
              hint="The caller hears an apology, then waits in this queue, if the IVR plugin errs, traps or times out." />
          </div>
        ) : null}
        {data.trunks.length > 0 ? (
          <FieldShell label="Only through these inbound trunks" path="trunks" error={errors.fields.trunks}
            hint="None ticked: any of your inbound trunks.">
            {(control) => (
              <div id={control.id} aria-describedby={control['aria-describedby']} data-testid={control['data-testid']}
                className="checkbox-list" role="group">
                {data.trunks.map((t) => (
                  <label key={t.id} className="checkbox">
                    <input type="checkbox" checked={trunks.includes(t.id)} disabled={busy}
                      data-testid={`number-trunk-${t.name}`}
                      onChange={(e) => setTrunks((list) => (e.target.checked ? [...list, t.id] : list.filter((x) => x !== t.id)))} />
                    <span>{t.name}</span>
                  </label>
                ))}
              </div>
            )}
          </FieldShell>
        ) : null}
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…" data-testid="number-save">
            {editing ? 'Save number' : 'Add number'}
          </SubmitButton>
          {editing ? (
            <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
