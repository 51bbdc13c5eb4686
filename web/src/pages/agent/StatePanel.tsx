import { useState } from 'react';
import { formatElapsed, useNow } from '../../agent/clock';
import { abilities, type DeskState } from '../../agent/desk';
import { useI18n, type MessageKey } from '../../agent/i18n';
import type { DeskActions } from '../../agent/useAgentDesk';

export interface ReasonOption {
  code: string;
  label: string;
}

/** Where the agent stands and the buttons that change it. */
export function StatePanel({ desk, actions, reasons }: { desk: DeskState; actions: DeskActions; reasons: ReasonOption[] }) {
  const { t } = useI18n();
  const now = useNow();
  const [reason, setReason] = useState('');
  const chosen = reason || reasons[0]?.code || '';
  const can = abilities(desk);
  const s = desk.agentState;
  const name = s ? t(`state.${s.state}` as MessageKey) : t('state.unknown');
  const reasonLabel = (code: string) =>
    code === 'missed' ? t('reason.missed') : (reasons.find((r) => r.code === code)?.label ?? code);

  return (
    <section className="panel" aria-labelledby="agent-state-title" data-testid="panel-state">
      <h2 id="agent-state-title">{t('state.title')}</h2>
      <div className="state-current">
        <span className={`state-dot state-${s?.state ?? 'logged_out'}`} aria-hidden="true" />
        <span className="state-name" data-testid="agent-state" data-state={s?.state ?? ''}>
          {name}
        </span>
        {s ? (
          <span className="state-since muted" data-testid="state-since">
            {t('state.since', { time: formatElapsed(now - desk.stateSince) })}
          </span>
        ) : null}
      </div>
      {s?.state === 'not_ready' ? (
        <p className="state-reason" data-testid="state-reason">
          {t('state.reason', { reason: reasonLabel(s.reason) })}
        </p>
      ) : null}
      <div className="state-buttons" role="group" aria-label={t('state.group')}>
        <button
          type="button"
          className={`btn ${s?.state === 'available' ? 'btn-primary' : 'btn-secondary'}`}
          disabled={!can.setState || s?.state === 'available'}
          onClick={actions.ready}
          data-testid="go-ready"
        >
          {t('state.go_ready')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={!can.setState || !chosen}
          onClick={() => actions.notReady(chosen)}
          data-testid="go-not-ready"
        >
          {t('state.go_not_ready')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={!can.setState || s?.state === 'logged_out'}
          onClick={actions.offline}
          data-testid="go-offline"
        >
          {t('state.go_offline')}
        </button>
      </div>
      {reasons.length > 0 ? (
        <label className="state-reason-picker">
          <span>{t('state.reason_label')}</span>
          <select value={chosen} onChange={(e) => setReason(e.target.value)} data-testid="reason-select">
            {reasons.map((r) => (
              <option key={r.code} value={r.code}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <p className="muted" data-testid="no-reasons">{t('state.no_reasons')}</p>
      )}
      <p className="muted">
        <span className={`audio-status audio-${desk.audio}`} data-testid="audio-status" data-audio={desk.audio}>
          {desk.audio === 'connected' || desk.audio === 'off' || desk.audio === 'starting' || desk.audio === 'connecting'
            ? t(`audio.${desk.audio}`)
            : t('audio.problem')}
        </span>{' '}
        · {t('state.hint')}
      </p>
    </section>
  );
}
