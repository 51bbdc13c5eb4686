import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { placeErrors } from '../../../api/fieldPaths';
import { pluginsApi, type TestFunction, type TestRun } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { SelectInput, TextAreaInput } from '../../../components/form';
import { InvocationView } from '../../../components/plugins/InvocationView';
import { Banner, SubmitButton } from '../../../components/ui';
import { isObject } from '../../../plugins/configSchema';
import { trySamples } from '../../../plugins/tryInput';
import { versionOf } from '../../../plugins/versions';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';

/** Largest test input the form sends. */
const MAX_INPUT_CHARS = 64 * 1024;

async function loadAll(api: Parameters<typeof pluginsApi.listVersions>[0]) {
  const [versions, installations] = await Promise.all([pluginsApi.listVersions(api), pluginsApi.listInstallations(api)]);
  return { versions, installations };
}

/** "Try it": send an installation a test event now; it runs and is logged like any invocation. */
export function TryItPage() {
  const { installationId = '' } = useParams();
  const { data, error, loading, reload } = useLoad(loadAll, installationId);
  const installation = data?.installations.find((i) => i.id === installationId);
  const world = installation && data ? (versionOf(installation, data.versions)?.world ?? null) : null;

  return (
    <div className="page" data-testid="page-try-it">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/admin/plugins">Plugins</Link>
      </nav>
      <div className="page-header">
        <div>
          <h1>Try {installation ? `${installation.name}@${installation.version}` : 'a plugin'}</h1>
          <p className="page-subtitle">
            Send a test event with its current configuration. The run is logged like any other invocation; nothing happens to
            real calls.
          </p>
        </div>
      </div>
      {error ? <LoadError what="the installation" error={error} onRetry={() => void reload()} testId="try-load-error" /> : null}
      {loading && !data ? <Loading what="the installation" /> : null}
      {data && !installation ? <Banner testId="try-missing">This installation does not exist (any more).</Banner> : null}
      {installation ? <TryForm installationId={installation.id} world={world} /> : null}
    </div>
  );
}

function TryForm({ installationId, world }: { installationId: string; world: string | null }) {
  const { api, tenant } = useSignedIn();
  const samples = useMemo(() => trySamples(world ?? 'ivr', tenant.id), [world, tenant.id]);
  const [sample, setSample] = useState(0);
  const [fn, setFn] = useState<TestFunction>(samples[0]?.function ?? 'on-event');
  const [input, setInput] = useState(() => JSON.stringify(samples[0]?.input ?? {}, null, 2));
  const [inputError, setInputError] = useState<string | undefined>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [run, setRun] = useState<TestRun | null>(null);
  const functions = [...new Set(samples.map((s) => s.function))];

  function pick(index: number) {
    const s = samples[index];
    if (!s) return;
    setSample(index);
    setFn(s.function);
    setInput(JSON.stringify(s.input, null, 2));
    setInputError(undefined);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBanner(null);
    setInputError(undefined);
    if (input.length > MAX_INPUT_CHARS) return setInputError(`The input is larger than ${MAX_INPUT_CHARS / 1024} KiB`);
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (err) {
      return setInputError(`Not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Every function's input is an object of named arguments (the server's `TestRequest`).
    if (!isObject(value)) {
      return setInputError('The input must be a JSON object: {"context": …, "event": …}');
    }
    setBusy(true);
    setRun(null);
    try {
      setRun(await pluginsApi.testInstallation(api, installationId, fn, value));
    } catch (err) {
      const placed = placeErrors(err, (p) => p === 'input' || p === 'function');
      setInputError(placed.fields.input);
      setBanner(placed.fields.function ?? placed.banner);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="panel">
        <h2>Test event</h2>
        {banner ? <Banner testId="try-error">{banner}</Banner> : null}
        <form onSubmit={submit} noValidate aria-label="Send a test event" data-testid="try-form">
          <div className="form-row">
            {samples.length > 1 ? (
              <SelectInput
                label="Example"
                path="example"
                value={String(sample)}
                onChange={(v) => pick(Number(v))}
                options={samples.map((s, i) => ({ value: String(i), label: s.label }))}
              />
            ) : null}
            <SelectInput
              label="Function"
              path="function"
              value={fn}
              onChange={(v) => setFn(v as TestFunction)}
              options={functions.map((f) => ({ value: f, label: f }))}
            />
          </div>
          <TextAreaInput
            label="Input (JSON)"
            path="input"
            value={input}
            onChange={setInput}
            error={inputError}
            rows={16}
            hint="The call context carries your company's id; an input for another company is rejected."
          />
          <div className="form-actions">
            <SubmitButton busy={busy} busyLabel="Running…" data-testid="try-send">
              Send test event
            </SubmitButton>
          </div>
        </form>
      </section>
      {run ? (
        <section className="panel" aria-labelledby="try-result-title" data-testid="try-result">
          <h2 id="try-result-title">Result</h2>
          <p>
            {run.invocation.id ? (
              <Link to={`/admin/plugin-log/${encodeURIComponent(run.invocation.id)}`} data-testid="try-log-link">
                Open this run in the invocation log
              </Link>
            ) : (
              <Link to={`/admin/plugin-log?installation_id=${encodeURIComponent(installationId)}`} data-testid="try-log-link">
                See it in the invocation log
              </Link>
            )}
          </p>
          <InvocationView invocation={run.invocation} testId="try-invocation" />
        </section>
      ) : null}
    </>
  );
}
