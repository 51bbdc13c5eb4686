import type { DeskState } from '../../agent/desk';
import { useI18n } from '../../agent/i18n';
import type { DeskActions } from '../../agent/useAgentDesk';
import { Banner } from '../../components/ui';

/** What is wrong with the channel or the audio, in words, and the way out when there is one. */
export function DeskBanners({ desk, actions }: { desk: DeskState; actions: DeskActions }) {
  const { t } = useI18n();
  const link =
    desk.link === 'replaced'
      ? t('link.replaced')
      : desk.link === 'refused'
        ? t(desk.refusal === 'telephony_off' ? 'link.telephony_off' : 'link.not_agent')
        : desk.link === 'reconnecting'
          ? t('link.reconnecting')
          : null;
  const audio =
    desk.audio === 'mic_denied' || desk.audio === 'no_device' || desk.audio === 'failed' ? t(`audio.${desk.audio}`) : null;
  const onCall = desk.agentState?.state === 'on_call';
  return (
    <div className="desk-banners">
      {link ? (
        <Banner kind={desk.link === 'reconnecting' ? 'info' : 'error'} testId={`desk-link-${desk.link}`}>
          {link}
        </Banner>
      ) : null}
      {audio && desk.link === 'online' ? (
        <Banner testId={`desk-audio-${desk.audio}`}>
          {audio}{' '}
          {desk.audio === 'failed' && !onCall ? (
            <button type="button" className="btn-link" onClick={actions.retryAudio} data-testid="retry-audio">
              {t('audio.retry')}
            </button>
          ) : null}
        </Banner>
      ) : null}
      {desk.error ? (
        <Banner testId="desk-error">
          {sentence(desk.error)}{' '}
          <button type="button" className="btn-link" onClick={actions.dismissError} data-testid="dismiss-error">
            {t('error.dismiss')}
          </button>
        </Banner>
      ) : null}
    </div>
  );
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
