import { Link } from 'react-router-dom';
import { pluginsApi } from '../../api/plugins';
import { useSignedIn } from '../../auth/AuthContext';
import { formatDateTime } from '../../format';
import { formatBytes, groupVersions } from '../../plugins/versions';
import { LoadError, Loading } from '../admin/routing/common';
import { useLoad } from '../admin/routing/useLoad';

/** The versions this company published, grouped by plugin, newest first. */
export function MyPluginsPage() {
  const { tenant } = useSignedIn();
  const { data, error, loading, reload } = useLoad(pluginsApi.listVersions);
  const groups = data ? groupVersions(data.filter((v) => v.publisher === tenant.id)) : null;

  return (
    <div className="page" data-testid="page-developer-plugins">
      <div className="page-header">
        <div>
          <h1>My plugins</h1>
          <p className="page-subtitle">
            Versions your company published. Write plugins with the Kefu plugin SDK, test them with{' '}
            <code>kefu-plugin test</code>, then publish them here.
          </p>
        </div>
        <div className="page-header-actions">
          <Link className="btn btn-primary" to="/developer/publish" data-testid="publish-new">
            Publish a version
          </Link>
        </div>
      </div>
      {error ? <LoadError what="your plugins" error={error} onRetry={() => void reload()} testId="my-plugins-load-error" /> : null}
      {loading && !data ? <Loading what="your plugins" /> : null}
      {groups && groups.length === 0 ? (
        <section className="panel">
          <p className="empty" data-testid="my-plugins-empty">
            You have not published anything yet. <Link to="/developer/publish">Publish your first version</Link>.
          </p>
        </section>
      ) : null}
      {groups?.map((g) => (
        <section className="panel plugin-group" key={g.name} data-testid={`my-plugin-${g.name}`} aria-labelledby={`plugin-${g.name}`}>
          <h2 id={`plugin-${g.name}`}>
            {g.name} <span className="tag">{g.world}</span>
          </h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Visible to</th>
                  <th scope="col">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Published</th>
                </tr>
              </thead>
              <tbody>
                {g.versions.map((v) => (
                  <tr key={v.version} data-testid={`my-version-${g.name}@${v.version}`}>
                    <td className="cell-strong">{v.version}</td>
                    <td>{v.public ? 'Every company' : 'Your company'}</td>
                    <td className="nowrap">{formatBytes(v.size)}</td>
                    <td title={v.sha256}>
                      <code>{v.sha256.slice(0, 16)}…</code>
                    </td>
                    <td className="cell-muted nowrap">{formatDateTime(v.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
