import { AppShell, type NavItem } from '../../components/Shell';

const NAV: NavItem[] = [{ to: '/agent', label: 'Workspace', end: true }];

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * The agent desktop. State, softphone and call panels are laid out for real; they come alive
 * when the softphone and routing land (later issues).
 */
export function AgentShell() {
  return (
    <AppShell shell="agent" nav={NAV}>
      <div className="page" data-testid="page-agent-workspace">
        <div className="page-header">
          <div>
            <h1>Workspace</h1>
            <p className="page-subtitle">Your state, your phone and the call in front of you.</p>
          </div>
        </div>
        <div className="agent-grid">
          <section className="panel" aria-labelledby="agent-state-title" data-testid="panel-state">
            <h2 id="agent-state-title">My state</h2>
            <div className="state-current">
              <span className="state-dot state-offline" aria-hidden="true" />
              <span className="state-name" data-testid="agent-state">Offline</span>
            </div>
            <div className="state-buttons" role="group" aria-label="Change state">
              <button type="button" className="btn btn-secondary" disabled>Ready</button>
              <button type="button" className="btn btn-secondary" disabled>Not ready</button>
              <button type="button" className="btn btn-secondary" disabled>Offline</button>
            </div>
            <p className="muted">Going ready connects your softphone. Available soon.</p>
          </section>

          <section className="panel" aria-labelledby="agent-call-title" data-testid="panel-call">
            <h2 id="agent-call-title">Current call</h2>
            <div className="call-empty">
              <div className="call-empty-icon" aria-hidden="true">☎</div>
              <p>No active call</p>
              <p className="muted">Caller details and the customer card appear here when a call is put through.</p>
            </div>
            <dl className="call-facts">
              <div><dt>Caller</dt><dd>—</dd></div>
              <div><dt>Queue</dt><dd>—</dd></div>
              <div><dt>Duration</dt><dd>00:00</dd></div>
            </dl>
            <div className="call-controls" role="group" aria-label="Call controls">
              <button type="button" className="btn btn-secondary" disabled>Hold</button>
              <button type="button" className="btn btn-secondary" disabled>Mute</button>
              <button type="button" className="btn btn-secondary" disabled>Transfer</button>
              <button type="button" className="btn btn-danger" disabled>Hang up</button>
            </div>
          </section>

          <section className="panel" aria-labelledby="agent-phone-title" data-testid="panel-softphone">
            <h2 id="agent-phone-title">Softphone</h2>
            <label className="visually-hidden" htmlFor="dial-number">Number to dial</label>
            <input id="dial-number" className="dial-input" placeholder="Enter a number" disabled />
            <div className="dialpad" aria-label="Dial pad">
              {KEYS.map((k) => (
                <button type="button" key={k} className="dialpad-key" disabled>
                  {k}
                </button>
              ))}
            </div>
            <button type="button" className="btn btn-primary btn-block" disabled>Call</button>
            <p className="muted">Outbound calling arrives with the softphone.</p>
          </section>
        </div>
      </div>
    </AppShell>
  );
}
