import { useI18n } from '../../agent/i18n';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** The dial pad: outbound calling is not there yet, so it is shown disabled. */
export function Softphone() {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="agent-phone-title" data-testid="panel-softphone">
      <h2 id="agent-phone-title">{t('phone.title')}</h2>
      <label className="visually-hidden" htmlFor="dial-number">
        {t('phone.number')}
      </label>
      <input id="dial-number" className="dial-input" placeholder={t('phone.placeholder')} disabled />
      <div className="dialpad" aria-label={t('phone.pad')}>
        {KEYS.map((k) => (
          <button type="button" key={k} className="dialpad-key" disabled>
            {k}
          </button>
        ))}
      </div>
      <button type="button" className="btn btn-primary btn-block" disabled>
        {t('phone.call')}
      </button>
      <p className="muted">{t('phone.later')}</p>
    </section>
  );
}
