import { ringSecondsLeft, useNow } from '../../agent/clock';
import type { Offer } from '../../agent/desk';
import { useI18n } from '../../agent/i18n';

/** The ringing call: who, from which queue, what the IVR collected, how long it still rings. */
export function IncomingCall({
  offer,
  onAnswer,
  onDecline,
  canAnswer,
}: {
  offer: Offer;
  onAnswer(): void;
  onDecline(): void;
  canAnswer: boolean;
}) {
  const { t } = useI18n();
  const now = useNow(250);
  const left = ringSecondsLeft(offer.at, offer.ringMs, now);
  return (
    <div className="incoming" role="alertdialog" aria-labelledby="incoming-title" data-testid="incoming-call">
      <div className="incoming-head">
        <span className="incoming-icon" aria-hidden="true">☎</span>
        <h2 id="incoming-title">{t('offer.title')}</h2>
        <span className="incoming-countdown" data-testid="ring-countdown" aria-live="off">
          {t('offer.ringing', { seconds: left })}
        </span>
      </div>
      <dl className="call-facts">
        <div>
          <dt>{t('offer.caller')}</dt>
          <dd data-testid="incoming-caller">{offer.caller || t('call.unknown_caller')}</dd>
        </div>
        <div>
          <dt>{t('offer.queue')}</dt>
          <dd data-testid="incoming-queue">{offer.queue}</dd>
        </div>
      </dl>
      {offer.data.length > 0 ? <CallData data={offer.data} /> : null}
      <div className="incoming-actions">
        <button type="button" className="btn btn-primary" onClick={onAnswer} disabled={!canAnswer} data-testid="answer">
          {t('offer.answer')} <kbd>Alt+A</kbd>
        </button>
        <button type="button" className="btn btn-secondary" onClick={onDecline} data-testid="decline">
          {t('offer.decline')}
        </button>
      </div>
    </div>
  );
}

/** What the IVR collected (`set-data`), in order. */
export function CallData({ data }: { data: [string, string][] }) {
  const { t } = useI18n();
  return (
    <div className="call-data" data-testid="call-data">
      <h3>{t('offer.data')}</h3>
      <dl>
        {data.map(([k, v], i) => (
          <div key={`${k}-${i}`}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
