// Add or edit an inbound trunk: name, allowed sources (one per line), optional digest credentials.
// The password is never shown; on an edit, leaving it empty keeps the stored one.

import { useState, type FormEvent } from 'react';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { telephonyApi, type InboundTrunk, type InboundTrunkBody } from '../../../api/telephony';
import { useSignedIn } from '../../../auth/AuthContext';
import { FieldShell, Switch, TextInput } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';
import { parseSources } from '../../../telephony/forms';

const FIELDS = new Set(['name', 'sources', 'digest_username', 'digest_password']);

export function InboundTrunkForm({
  editing,
  onSaved,
  onCancel,
}: {
  editing: InboundTrunk | null;
  onSaved(trunk: InboundTrunk, created: boolean): void;
  onCancel(): void;
}) {
  const { api } = useSignedIn();
  const [name, setName] = useState(editing?.name ?? '');
  const [sources, setSources] = useState(editing?.sources.join('\n') ?? '');
  const [username, setUsername] = useState(editing?.digest_username ?? '');
  const [password, setPassword] = useState('');
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: InboundTrunkBody = {
      name: name.trim(),
      enabled,
      sources: parseSources(sources),
      digest_username: username.trim() || null,
    };
    if (password) body.digest_password = password;
    if (!body.name) {
      setErrors({ fields: { name: 'Give the trunk a name' }, banner: null });
      return;
    }
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      const saved = editing
        ? await telephonyApi.replaceInbound(api, editing.id, body)
        : await telephonyApi.createInbound(api, body);
      onSaved(saved, !editing);
    } catch (err) {
      setErrors(placeErrors(err, (p) => FIELDS.has(p)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>{editing ? `Edit inbound trunk “${editing.name}”` : 'Add an inbound trunk'}</h2>
      <p className="page-subtitle">
        Calls are accepted from the listed addresses, or from anywhere with the digest credentials; a trunk with both
        needs both.
      </p>
      {errors.banner ? <Banner testId="inbound-error">{errors.banner}</Banner> : null}
      <form onSubmit={submit} noValidate aria-label="Inbound trunk" data-testid="inbound-form">
        <TextInput label="Name" path="name" testId="inbound-name" value={name} onChange={setName}
          error={errors.fields.name} disabled={busy} placeholder="Carrier A" />
        <FieldShell label="Allowed source addresses" path="sources" testId="inbound-sources" error={errors.fields.sources}
          hint="One IP address or network per line, like 203.0.113.7 or 2001:db8::/48">
          {(control) => (
            <textarea {...control} name="sources" rows={3} value={sources} disabled={busy}
              spellCheck={false} onChange={(e) => setSources(e.target.value)} />
          )}
        </FieldShell>
        <div className="form-row">
          <TextInput label="Digest username" path="digest_username" testId="inbound-digest_username" value={username}
            onChange={setUsername} error={errors.fields.digest_username} disabled={busy} autoComplete="off"
            autoCapitalize="none" spellCheck={false} hint="Optional; unique across Kefu" />
          <TextInput label="Digest password" path="digest_password" testId="inbound-digest_password" type="password"
            value={password} onChange={setPassword} error={errors.fields.digest_password} disabled={busy}
            autoComplete="new-password"
            hint={editing?.digest_username ? 'Leave empty to keep the current password' : 'At least 12 characters'} />
        </div>
        <Switch label="Enabled" checked={enabled} onChange={setEnabled} testId="inbound-enabled"
          hint="A disabled trunk accepts no calls." />
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…" data-testid="inbound-save">
            {editing ? 'Save trunk' : 'Add inbound trunk'}
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
