import { useState, type FormEvent } from 'react';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { routingApi, type ReasonCode } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete, TextInput } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';
import { LoadError, Loading } from './common';
import { useLoad } from './useLoad';

const FIELDS = new Set(['code', 'label']);
const CODE_PATTERN = /^[a-z0-9_-]{1,32}$/;

export function ReasonCodesPage() {
  const { api } = useSignedIn();
  const { data: codes, setData: setCodes, error, loading, reload } = useLoad(routingApi.listReasonCodes);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  async function remove(rc: ReasonCode) {
    setNotice(null);
    setDeleting(rc.code);
    try {
      await routingApi.deleteReasonCode(api, rc.code);
      setCodes((list) => list?.filter((c) => c.code !== rc.code) ?? null);
      setNotice({ kind: 'success', text: `Reason code “${rc.code}” deleted.` });
    } catch (err) {
      setNotice({ kind: 'error', text: placeErrors(err, () => false).banner ?? 'Could not delete.' });
    } finally {
      setDeleting(null);
    }
  }

  return (
    <div className="page" data-testid="page-reason-codes">
      <div className="page-header">
        <div>
          <h1>Reason codes</h1>
          <p className="page-subtitle">Why an agent is not ready: the choices agents pick from when they step away.</p>
        </div>
      </div>

      <AddReasonCodeForm
        onAdded={(rc) => {
          setCodes((list) => [...(list ?? []), rc]);
          setNotice({ kind: 'success', text: `Reason code “${rc.code}” added.` });
        }}
      />

      <section className="panel">
        <h2>Your reason codes</h2>
        {notice ? (
          <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'reason-codes-success' : 'reason-codes-error'}>
            {notice.text}
          </Banner>
        ) : null}
        {error ? <LoadError what="reason codes" error={error} onRetry={() => void reload()} testId="reason-codes-load-error" /> : null}
        {loading && !codes ? <Loading what="reason codes" /> : null}
        {codes ? (
          <div className="table-wrap">
            <table className="table" data-testid="reason-codes-table">
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Label agents see</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {codes.map((rc) => (
                  <tr key={rc.code} data-testid={`reason-code-row-${rc.code}`}>
                    <td>
                      <code>{rc.code}</code>
                    </td>
                    <td>{rc.label}</td>
                    <td className="cell-actions">
                      <ConfirmDelete
                        question={`Delete “${rc.code}”?`}
                        ariaLabel={`Delete ${rc.code}`}
                        busy={deleting === rc.code}
                        testId={`reason-code-delete-${rc.code}`}
                        onConfirm={() => remove(rc)}
                      />
                    </td>
                  </tr>
                ))}
                <tr className="row-muted" data-testid="reason-code-row-missed">
                  <td>
                    <code>missed</code>
                  </td>
                  <td>Set automatically when an agent lets an offered call ring out</td>
                  <td className="cell-actions">
                    <span className="tag">built in</span>
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}

function AddReasonCodeForm({ onAdded }: { onAdded(rc: ReasonCode): void }) {
  const { api } = useSignedIn();
  const [code, setCode] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const c = code.trim();
    const fields: Record<string, string> = {};
    if (!CODE_PATTERN.test(c)) fields.code = '1–32 lowercase letters, digits, - or _';
    if (!label.trim()) fields.label = 'Give the label agents will see';
    if (Object.keys(fields).length) {
      setErrors({ fields, banner: null });
      return;
    }
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      onAdded(await routingApi.createReasonCode(api, { code: c, label: label.trim() }));
      setCode('');
      setLabel('');
    } catch (err) {
      setErrors(placeErrors(err, (p) => FIELDS.has(p)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>Add a reason code</h2>
      {errors.banner ? <Banner testId="reason-code-add-error">{errors.banner}</Banner> : null}
      <form className="form-row" onSubmit={submit} noValidate aria-label="Add a reason code" data-testid="reason-code-add-form">
        <TextInput
          label="Code"
          path="code"
          value={code}
          onChange={setCode}
          error={errors.fields.code}
          disabled={busy}
          placeholder="lunch"
          hint="Lowercase letters, digits, - and _"
          autoCapitalize="none"
          spellCheck={false}
        />
        <TextInput
          label="Label"
          path="label"
          value={label}
          onChange={setLabel}
          error={errors.fields.label}
          disabled={busy}
          placeholder="Lunch break"
          className="grow"
        />
        <div className="form-row-submit">
          <SubmitButton busy={busy} busyLabel="Adding…" data-testid="reason-code-add-submit">
            Add reason code
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
