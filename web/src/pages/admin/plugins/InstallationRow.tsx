import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { Installation, PluginVersion } from '../../../api/plugins';
import { ConfirmDelete } from '../../../components/form';
import { Spinner } from '../../../components/ui';
import { formatDateTime } from '../../../format';
import { compareVersions, otherVersions } from '../../../plugins/versions';

export type InstallationAction =
  | { kind: 'version'; version: string; verb: 'Upgraded' | 'Rolled back' | 'Switched' }
  | { kind: 'configure' }
  | { kind: 'uninstall' };

/** One installed plugin with its actions: change version, roll back, configure, try, uninstall. */
export function InstallationRow({
  installation: inst,
  versions,
  publisherLabel,
  busy,
  onAction,
}: {
  installation: Installation;
  versions: readonly PluginVersion[];
  publisherLabel: string;
  busy: boolean;
  onAction(action: InstallationAction): void;
}) {
  const choices = otherVersions(inst, versions);
  const [target, setTarget] = useState(choices[0]?.version ?? '');
  const chosen = choices.some((c) => c.version === target) ? target : (choices[0]?.version ?? '');
  const newer = chosen && compareVersions(chosen, inst.version) > 0;
  const id = `inst-${inst.id}`;

  return (
    <tr data-testid={`installation-row-${inst.name}`}>
      <td>
        <span className="cell-strong">{inst.name}</span>
        <div className="cell-muted">{publisherLabel}</div>
      </td>
      <td>
        <span data-testid={`installation-version-${inst.name}`}>{inst.version}</span>
        {inst.previous_version ? <div className="cell-muted">before: {inst.previous_version}</div> : null}
      </td>
      <td className="cell-muted nowrap">{formatDateTime(inst.updated_at)}</td>
      <td className="cell-actions">
        <div className="row-actions">
          {busy ? <Spinner label="Working" /> : null}
          {choices.length ? (
            <>
              <label className="visually-hidden" htmlFor={`${id}-version`}>
                Version for {inst.name}
              </label>
              <select id={`${id}-version`} value={chosen} onChange={(e) => setTarget(e.target.value)} data-testid={`installation-target-${inst.name}`}>
                {choices.map((v) => (
                  <option key={v.version} value={v.version}>
                    {v.version}
                    {compareVersions(v.version, inst.version) > 0 ? ' (newer)' : ''}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busy || !chosen}
                onClick={() => onAction({ kind: 'version', version: chosen, verb: newer ? 'Upgraded' : 'Switched' })}
                data-testid={`installation-upgrade-${inst.name}`}
              >
                {newer ? 'Upgrade' : 'Switch'}
              </button>
            </>
          ) : null}
          {inst.previous_version ? (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={busy}
              onClick={() => onAction({ kind: 'version', version: inst.previous_version!, verb: 'Rolled back' })}
              data-testid={`installation-rollback-${inst.name}`}
            >
              Roll back to {inst.previous_version}
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-secondary btn-small"
            disabled={busy}
            onClick={() => onAction({ kind: 'configure' })}
            data-testid={`installation-configure-${inst.name}`}
          >
            Configure
          </button>
          <Link className="btn btn-secondary btn-small" to={`/admin/plugins/installations/${encodeURIComponent(inst.id)}/try`} data-testid={`installation-try-${inst.name}`}>
            Try it
          </Link>
          <Link className="btn btn-secondary btn-small" to={`/admin/plugin-log?installation_id=${encodeURIComponent(inst.id)}`}>
            Log
          </Link>
          <ConfirmDelete
            question={`Uninstall ${inst.name}?`}
            label="Uninstall"
            confirmLabel="Yes, uninstall"
            ariaLabel={`Uninstall ${inst.name}`}
            busy={busy}
            testId={`installation-uninstall-${inst.name}`}
            onConfirm={() => onAction({ kind: 'uninstall' })}
          />
        </div>
      </td>
    </tr>
  );
}
