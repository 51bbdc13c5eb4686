import { useState } from 'react';
import { Link } from 'react-router-dom';
import { placeErrors } from '../../../api/fieldPaths';
import { pluginsApi, type Installation, type PluginVersion } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { Banner } from '../../../components/ui';
import { formatDateTime } from '../../../format';
import { groupVersions, versionOf, type PluginGroup } from '../../../plugins/versions';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';
import { ConfigDialog } from './ConfigDialog';
import { InstallationRow, type InstallationAction } from './InstallationRow';

type Notice = { kind: 'success' | 'error'; text: string };
type Open = { version: PluginVersion; installation?: Installation } | null;

async function loadAll(api: Parameters<typeof pluginsApi.listVersions>[0]) {
  const [versions, installations] = await Promise.all([pluginsApi.listVersions(api), pluginsApi.listInstallations(api)]);
  return { versions, installations };
}

/** Installed plugins with their actions, and the catalog of versions this company can install. */
export function PluginsPage() {
  const { api, tenant } = useSignedIn();
  const { data, setData, error, loading, reload } = useLoad(loadAll);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const publisherLabel = (id: string) => (id === tenant.id ? 'Your company' : `Public, from ${id}`);

  function replace(inst: Installation) {
    setData((d) => d && { ...d, installations: d.installations.map((i) => (i.id === inst.id ? inst : i)) });
  }

  async function act(inst: Installation, action: InstallationAction) {
    setNotice(null);
    if (action.kind === 'configure') {
      const version = data && versionOf(inst, data.versions);
      if (version) setOpen({ version, installation: inst });
      else setNotice({ kind: 'error', text: `${inst.name}@${inst.version} is no longer listed; its configuration cannot be edited here.` });
      return;
    }
    setBusy(inst.id);
    try {
      if (action.kind === 'uninstall') {
        await pluginsApi.uninstall(api, inst.id);
        setData((d) => d && { ...d, installations: d.installations.filter((i) => i.id !== inst.id) });
        setNotice({ kind: 'success', text: `${inst.name} uninstalled.` });
      } else {
        const changed = await pluginsApi.changeInstallation(api, inst.id, { version: action.version });
        replace(changed);
        setNotice({ kind: 'success', text: `${action.verb} ${inst.name} to ${changed.version}.` });
      }
    } catch (err) {
      const verb = action.kind === 'uninstall' ? 'uninstall' : 'change';
      const placed = placeErrors(err, () => false);
      setNotice({ kind: 'error', text: `Could not ${verb} ${inst.name}: ${placed.banner ?? 'the server refused.'}` });
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="page" data-testid="page-plugins">
      <div className="page-header">
        <div>
          <h1>Plugins</h1>
          <p className="page-subtitle">Install IVR, CRM, routing and integration plugins, and choose which version runs.</p>
        </div>
        <div className="page-header-actions">
          <Link className="btn btn-secondary" to="/admin/plugin-log">
            Invocation log
          </Link>
          <Link className="btn btn-secondary" to="/admin/plugin-limits">
            Limits
          </Link>
        </div>
      </div>
      {notice ? (
        <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'plugins-success' : 'plugins-error'}>
          {notice.text}
        </Banner>
      ) : null}
      {error ? <LoadError what="plugins" error={error} onRetry={() => void reload()} testId="plugins-load-error" /> : null}
      {loading && !data ? <Loading what="plugins" /> : null}
      {data ? (
        <>
          <section className="panel" aria-labelledby="installed-title">
            <h2 id="installed-title">Installed</h2>
            {data.installations.length === 0 ? (
              <p className="empty" data-testid="installations-empty">
                Nothing is installed yet: pick a plugin from the catalog below.
              </p>
            ) : (
              <div className="table-wrap">
                <table className="table" data-testid="installations-table">
                  <thead>
                    <tr>
                      <th scope="col">Plugin</th>
                      <th scope="col">Version</th>
                      <th scope="col">Changed</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.installations.map((inst) => (
                      <InstallationRow
                        key={inst.id}
                        installation={inst}
                        versions={data.versions}
                        publisherLabel={publisherLabel(inst.publisher)}
                        busy={busy === inst.id}
                        onAction={(a) => void act(inst, a)}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <Catalog groups={groupVersions(data.versions)} publisherLabel={publisherLabel} onInstall={(version) => setOpen({ version })} />
        </>
      ) : null}
      {open ? (
        <ConfigDialog
          version={open.version}
          installation={open.installation}
          onClose={() => setOpen(null)}
          onDone={(inst) => {
            setOpen(null);
            if (open.installation) {
              replace(inst);
              setNotice({ kind: 'success', text: `${inst.name} reconfigured.` });
            } else {
              setData((d) => d && { ...d, installations: [...d.installations, inst] });
              setNotice({ kind: 'success', text: `${inst.name}@${inst.version} installed.` });
            }
          }}
        />
      ) : null}
    </div>
  );
}

function Catalog({
  groups,
  publisherLabel,
  onInstall,
}: {
  groups: PluginGroup[];
  publisherLabel(id: string): string;
  onInstall(version: PluginVersion): void;
}) {
  const [picked, setPicked] = useState<Record<string, string>>({});
  return (
    <section className="panel" aria-labelledby="catalog-title">
      <h2 id="catalog-title">Catalog</h2>
      {groups.length === 0 ? (
        <p className="empty" data-testid="catalog-empty">
          No versions are available yet. Your developers publish them in the <Link to="/developer">developer portal</Link>.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="catalog-table">
            <thead>
              <tr>
                <th scope="col">Plugin</th>
                <th scope="col">Extension point</th>
                <th scope="col">Publisher</th>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => {
                const key = `${g.publisher}/${g.name}`;
                const version = g.versions.find((v) => v.version === picked[key]) ?? g.versions[0]!;
                const selectId = `catalog-version-${key}`;
                return (
                  <tr key={key} data-testid={`catalog-row-${g.name}`}>
                    <td className="cell-strong">{g.name}</td>
                    <td>
                      <span className="tag">{g.world}</span>
                    </td>
                    <td>{publisherLabel(g.publisher)}</td>
                    <td>
                      <label className="visually-hidden" htmlFor={selectId}>
                        Version of {g.name} to install
                      </label>
                      <select
                        id={selectId}
                        value={version.version}
                        onChange={(e) => setPicked((p) => ({ ...p, [key]: e.target.value }))}
                        data-testid={`catalog-version-${g.name}`}
                      >
                        {g.versions.map((v) => (
                          <option key={v.version} value={v.version}>
                            {v.version}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="cell-muted nowrap">{formatDateTime(version.created_at)}</td>
                    <td className="cell-actions">
                      <button type="button" className="btn btn-primary btn-small" onClick={() => onInstall(version)} data-testid={`catalog-install-${g.name}`}>
                        Install…
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
