import { AppShell, type NavItem } from '../../components/Shell';
import { Placeholder } from '../../components/ui';

const NAV: NavItem[] = [{ to: '/developer', label: 'Plugins', end: true }];

export function DeveloperShell() {
  return <AppShell shell="developer" nav={NAV} />;
}

export function DeveloperPluginsPage() {
  return (
    <div className="page" data-testid="page-developer-plugins">
      <div className="page-header">
        <div>
          <h1>Plugins</h1>
          <p className="page-subtitle">Build IVR, CRM, routing and integration plugins for Kefu.</p>
        </div>
      </div>
      <Placeholder title="Your plugins" testId="placeholder-developer-plugins">
        <ol className="steps">
          <li>Write a plugin with the Kefu plugin SDK (WebAssembly components).</li>
          <li>Test it locally with the <code>kefu-plugin</code> command line tool.</li>
          <li>Publish versions here; companies install them from their admin pages.</li>
        </ol>
        <p className="muted">Publishing opens in a later release.</p>
      </Placeholder>
    </div>
  );
}
