// Add or edit an outbound trunk: the carrier's proxy, transport, credentials, registration,
// caller id and concurrency cap. The password is never shown; empty on an edit keeps it.

import { useState, type FormEvent } from 'react';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { telephonyApi, type OutboundTrunk, type OutboundTrunkBody, type Transport } from '../../../api/telephony';
import { useSignedIn } from '../../../auth/AuthContext';
import { NumberInput, SelectInput, Switch, TextInput } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';

const FIELDS = new Set(['name', 'proxy', 'transport', 'username', 'password', 'register_expiry', 'caller_id', 'max_calls']);
const TRANSPORTS = [
  { value: 'udp', label: 'UDP' },
  { value: 'tcp', label: 'TCP' },
];

export function OutboundTrunkForm({
  editing,
  onSaved,
  onCancel,
}: {
  editing: OutboundTrunk | null;
  onSaved(trunk: OutboundTrunk, created: boolean): void;
  onCancel(): void;
}) {
  const { api } = useSignedIn();
  const [name, setName] = useState(editing?.name ?? '');
  const [proxy, setProxy] = useState(editing?.proxy ?? '');
  const [transport, setTransport] = useState<Transport>(editing?.transport ?? 'udp');
  const [username, setUsername] = useState(editing?.username ?? '');
  const [password, setPassword] = useState('');
  const [register, setRegister] = useState(editing?.register ?? false);
  const [expiry, setExpiry] = useState(String(editing?.register_expiry ?? 600));
  const [callerId, setCallerId] = useState(editing?.caller_id ?? '');
  const [maxCalls, setMaxCalls] = useState(String(editing?.max_calls ?? 30));
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: OutboundTrunkBody = {
      name: name.trim(),
      proxy: proxy.trim(),
      transport,
      username: username.trim() || null,
      register,
      register_expiry: Number(expiry),
      caller_id: callerId.trim() || null,
      max_calls: Number(maxCalls),
    };
    if (password) body.password = password;
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      const saved = editing
        ? await telephonyApi.replaceOutbound(api, editing.id, body)
        : await telephonyApi.createOutbound(api, body);
      onSaved(saved, !editing);
    } catch (err) {
      setErrors(placeErrors(err, (p) => FIELDS.has(p)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>{editing ? `Edit outbound trunk “${editing.name}”` : 'Add an outbound trunk'}</h2>
      {errors.banner ? <Banner testId="outbound-error">{errors.banner}</Banner> : null}
      <form onSubmit={submit} noValidate aria-label="Outbound trunk" data-testid="outbound-form">
        <div className="form-row">
          <TextInput label="Name" path="name" testId="outbound-name" value={name} onChange={setName}
            error={errors.fields.name} disabled={busy} placeholder="Carrier A out" />
          <TextInput label="Proxy" path="proxy" testId="outbound-proxy" value={proxy} onChange={setProxy}
            error={errors.fields.proxy} disabled={busy} placeholder="sip.carrier.example:5060" spellCheck={false}
            autoCapitalize="none" className="grow" />
          <SelectInput label="Transport" path="transport" testId="outbound-transport" value={transport}
            onChange={(v) => setTransport(v as Transport)} options={TRANSPORTS} error={errors.fields.transport} />
        </div>
        <div className="form-row">
          <TextInput label="Username" path="username" testId="outbound-username" value={username} onChange={setUsername}
            error={errors.fields.username} disabled={busy} autoComplete="off" autoCapitalize="none" spellCheck={false} />
          <TextInput label="Password" path="password" testId="outbound-password" type="password" value={password}
            onChange={setPassword} error={errors.fields.password} disabled={busy} autoComplete="new-password"
            hint={editing?.has_password ? 'Leave empty to keep the current password' : undefined} />
          <TextInput label="Caller id" path="caller_id" testId="outbound-caller_id" value={callerId} onChange={setCallerId}
            error={errors.fields.caller_id} disabled={busy} placeholder="+15555550100" />
          <NumberInput label="Most calls at once" path="max_calls" testId="outbound-max_calls" value={maxCalls}
            onChange={setMaxCalls} min={1} max={10000} error={errors.fields.max_calls} disabled={busy} />
        </div>
        <Switch label="Register with the carrier" checked={register} onChange={setRegister} testId="outbound-register" />
        {register ? (
          <NumberInput label="Registration expiry" path="register_expiry" testId="outbound-register_expiry" unit="s"
            value={expiry} onChange={setExpiry} min={60} max={3600} error={errors.fields.register_expiry} disabled={busy} />
        ) : null}
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…" data-testid="outbound-save">
            {editing ? 'Save trunk' : 'Add outbound trunk'}
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
