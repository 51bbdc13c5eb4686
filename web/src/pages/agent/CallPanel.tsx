import { formatElapsed, useNow } from '../../agent/clock';
import { abilities, type DeskState } from '../../agent/desk';
import { useI18n } from '../../agent/i18n';
import type { DeskActions } from '../../agent/useAgentDesk';
import { CallData } from './IncomingCall';

/** The call in front of the agent: talking (timer, mute, hang up) or wrapping up (Done). */
export function CallPanel({ desk, actions }: { desk: DeskState; actions: DeskActions }) {
  const { t } = useI18n();
  const now = useNow();
  const can = abilities(desk);
  const state = desk.agentState?.state;
  const call = desk.call;
  const talking = state === 'on_call';

  return (
    <section className="panel" aria-labelledby="agent-call-title" data-testid="panel-call">
      <h2 id="agent-call-title">{t('call.title')}</h2>
      {!call ? (
        <div className="call-empty" data-testid="call-empty">
          <div className="call-empty-icon" aria-hidden="true">☎</div>
          <p>{t('call.none')}</p>
          <p className="muted">{t('call.none_hint')}</p>
        </div>
      ) : null}
      <dl className="call-facts">
        <div>
          <dt>{t('call.caller')}</dt>
          <dd data-testid="call-caller">{call ? call.caller || t('call.unknown_caller') : '—'}</dd>
        </div>
        <div>
          <dt>{t('call.queue')}</dt>
          <dd data-testid="call-queue">{call?.queue || '—'}</dd>
        </div>
        <div>
          <dt>{t('call.duration')}</dt>
          <dd data-testid="call-timer">{talking && call ? formatElapsed(now - call.since) : '00:00'}</dd>
        </div>
      </dl>
      {call && call.data.length > 0 ? <CallData data={call.data} /> : null}
      {desk.held && talking ? (
        <p className="call-muted" role="status" data-testid="held-notice">
          {t('call.held')}
        </p>
      ) : null}
      {desk.muted && talking ? (
        <p className="call-muted" role="status" data-testid="muted-notice">
          {t('call.muted')}
        </p>
      ) : null}
      {state === 'after_call_work' ? (
        <div className="wrap-up" data-testid="wrap-up">
          <p>{t('call.wrap_up')}</p>
          <button type="button" className="btn btn-primary" onClick={actions.wrapUpDone} disabled={!can.wrapUp} data-testid="wrap-up-done">
            {t('call.done')}
          </button>
        </div>
      ) : (
        <div className="call-controls" role="group" aria-label={t('call.controls')}>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={actions.toggleMute}
            disabled={!can.mute}
            aria-pressed={desk.muted}
            data-testid="mute"
          >
            {desk.muted ? t('call.unmute') : t('call.mute')} <kbd>Alt+M</kbd>
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={actions.toggleHold}
            disabled={!can.hold}
            aria-pressed={desk.held}
            data-testid="hold"
          >
            {desk.held ? t('call.resume') : t('call.hold')}
          </button>
          <button type="button" className="btn btn-danger" onClick={actions.hangUp} disabled={!can.hangUp} data-testid="hang-up">
            {t('call.hang_up')} <kbd>Alt+H</kbd>
          </button>
        </div>
      )}
    </section>
  );
}
