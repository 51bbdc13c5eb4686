import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { problemFields, readable } from '../../api/fieldPaths';
import { pluginsApi, type PluginVersion } from '../../api/plugins';
import { useSignedIn } from '../../auth/AuthContext';
import { FieldError, Switch, TextAreaInput } from '../../components/form';
import { Banner, SubmitButton } from '../../components/ui';
import { checkComponentFile, checkManifest, MAX_MANIFEST_CHARS, readFileBytes, toBase64 } from '../../plugins/upload';
import { formatBytes } from '../../plugins/versions';

interface Errors {
  component?: string;
  manifest?: { field: string; message: string };
  banner?: string;
}

type Stage = { step: 'reading'; fraction: number } | { step: 'uploading'; bytes: number } | null;

const EXAMPLE = `{
  "name": "ivr-menu",
  "version": "1.0.0",
  "world": "ivr",
  "capabilities": { "config": true },
  "config_schema": {
    "type": "object",
    "required": ["menu"],
    "properties": { "menu": { "type": "object", "title": "Menu tree" } }
  }
}`;

/** Where a refused upload's messages go: the component input, the manifest editor, or a banner. */
export function publishErrors(err: unknown): Errors {
  if (!(err instanceof ApiError)) return { banner: `Something went wrong: ${err instanceof Error ? err.message : String(err)}` };
  const errors: Errors = {};
  const other: string[] = [];
  for (const { field, message } of problemFields(err.problem)) {
    const text = readable(message);
    if (field === 'component') errors.component ??= text;
    else if (field === 'manifest' || field.startsWith('manifest.')) errors.manifest ??= { field, message: text };
    else other.push(`${field}: ${text}`);
  }
  if (other.length) errors.banner = other.join('; ');
  else if (!errors.component && !errors.manifest) errors.banner = readable(err.userMessage);
  return errors;
}

/** Upload a component with its manifest; the server loads it to check it before it is listed. */
export function PublishPage() {
  const { api } = useSignedIn();
  const [file, setFile] = useState<File | null>(null);
  const [manifest, setManifest] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [stage, setStage] = useState<Stage>(null);
  const [published, setPublished] = useState<PluginVersion | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  async function loadManifestFile(f: File | undefined) {
    if (!f) return;
    if (f.size > MAX_MANIFEST_CHARS) {
      setErrors({ manifest: { field: 'manifest', message: 'That file is too large to be a manifest' } });
      return;
    }
    setManifest(await f.text());
    setErrors((e) => ({ ...e, manifest: undefined }));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPublished(null);
    const found: Errors = {};
    const checked = checkManifest(manifest);
    if (!checked.ok) found.manifest = { field: checked.field, message: checked.message };
    let bytes: Uint8Array | null = null;
    let fileError = checkComponentFile(file);
    if (!fileError && file) {
      setStage({ step: 'reading', fraction: 0 });
      try {
        bytes = await readFileBytes(file, (fraction) => setStage({ step: 'reading', fraction }));
        fileError = checkComponentFile(file, bytes.subarray(0, 4));
      } catch (err) {
        fileError = `Could not read the file: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    if (fileError) found.component = fileError;
    if (found.component || found.manifest || !checked.ok || !bytes) {
      setStage(null);
      setErrors(found);
      focusInvalid(formRef.current);
      return;
    }
    setErrors({});
    setStage({ step: 'uploading', bytes: bytes.length });
    try {
      const version = await pluginsApi.publish(api, { manifest: checked.manifest, component: toBase64(bytes), public: isPublic });
      setPublished(version);
    } catch (err) {
      setErrors(publishErrors(err));
      focusInvalid(formRef.current);
    } finally {
      setStage(null);
    }
  }

  const busy = stage !== null;
  return (
    <div className="page" data-testid="page-publish">
      <div className="page-header">
        <div>
          <h1>Publish a version</h1>
          <p className="page-subtitle">
            Upload a WebAssembly component built for <code>wasm32-wasip2</code> with its manifest. Versions cannot be
            changed once published.
          </p>
        </div>
      </div>

      {published ? (
        <Banner kind="success" testId="publish-success">
          Published <strong data-testid="published-name">{`${published.name}@${published.version}`}</strong> (
          {published.world}, {formatBytes(published.size)}, {published.public ? 'public' : 'only your company'}). SHA-256{' '}
          <code data-testid="published-sha256">{published.sha256}</code>. <Link to="/developer">See your plugins</Link>
        </Banner>
      ) : null}
      {errors.banner ? <Banner testId="publish-error">{errors.banner}</Banner> : null}

      <section className="panel">
        <form ref={formRef} onSubmit={submit} noValidate aria-label="Publish a version" data-testid="publish-form">
          <div className={`field${errors.component ? ' field-invalid' : ''}`}>
            <label htmlFor="publish-component">Component (.wasm)</label>
            <input
              id="publish-component"
              type="file"
              accept=".wasm,application/wasm"
              disabled={busy}
              aria-invalid={errors.component ? true : undefined}
              aria-describedby={errors.component ? 'publish-component-error' : undefined}
              data-testid="input-component"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setErrors((x) => ({ ...x, component: undefined }));
              }}
            />
            {file ? <div className="field-hint">{`${file.name}, ${formatBytes(file.size)}`}</div> : null}
            {errors.component ? <FieldError id="publish-component-error" path="component" message={errors.component} /> : null}
          </div>

          <TextAreaInput
            label="Manifest (JSON)"
            path="manifest"
            value={manifest}
            onChange={(v) => {
              setManifest(v);
              if (errors.manifest) setErrors((x) => ({ ...x, manifest: undefined }));
            }}
            disabled={busy}
            rows={12}
            placeholder={EXAMPLE}
            error={errors.manifest ? `${errors.manifest.field}: ${errors.manifest.message}` : undefined}
            hint={
              <>
                <code>name</code>, <code>version</code> (semver), <code>world</code> (ivr, crm, router or integration),{' '}
                <code>capabilities</code> (log, kv, config, customers, http) and an optional <code>config_schema</code>{' '}
                (JSON Schema of the settings admins fill in when installing).
              </>
            }
          />
          <div className="field">
            <label htmlFor="publish-manifest-file">Or load the manifest from a file</label>
            <input
              id="publish-manifest-file"
              type="file"
              accept=".json,application/json"
              disabled={busy}
              data-testid="input-manifest-file"
              onChange={(e) => void loadManifestFile(e.target.files?.[0])}
            />
          </div>

          <Switch
            label="Public: list this version for every company (otherwise only your company sees it)"
            checked={isPublic}
            onChange={setPublic}
            testId="input-public"
          />

          {stage ? (
            <div className="upload-progress" role="status" data-testid="publish-progress">
              {stage.step === 'reading' ? (
                <>
                  <progress max={1} value={stage.fraction} aria-label="Reading the component" />
                  <span>Reading the component…</span>
                </>
              ) : (
                <>
                  <progress aria-label="Uploading" />
                  <span>Uploading {formatBytes(stage.bytes)}; the server loads the component to check it…</span>
                </>
              )}
            </div>
          ) : null}

          <div className="form-actions">
            <SubmitButton busy={busy} busyLabel="Publishing…" data-testid="publish-submit">
              Publish
            </SubmitButton>
          </div>
        </form>
      </section>
    </div>
  );
}

function focusInvalid(root: HTMLElement | null) {
  root?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
