import { useCallback, useEffect, useState } from 'react';
import { routingApi } from '../../api/routing';
import { useSignedIn } from '../../auth/AuthContext';
import { AppShell, type NavItem, type ShellText } from '../../components/Shell';
import { abilities } from '../../agent/desk';
import { I18nProvider, useI18n, type Lang } from '../../agent/i18n';
import { useShortcuts, type Shortcut } from '../../agent/shortcuts';
import { useAgentDesk } from '../../agent/useAgentDesk';
import { CallPanel } from './CallPanel';
import { DeskBanners } from './DeskBanners';
import { IncomingCall } from './IncomingCall';
import { Softphone } from './Softphone';
import { StatePanel, type ReasonOption } from './StatePanel';

/** The agent desktop: a browser softphone on the agent channel, in English or Chinese. */
export function AgentShell() {
  return (
    <I18nProvider>
      <AgentWorkspace />
    </I18nProvider>
  );
}

function AgentWorkspace() {
  const { t } = useI18n();
  const nav: NavItem[] = [{ to: '/agent', label: t('nav.workspace'), end: true, testId: 'nav-workspace' }];
  const text: ShellText = {
    title: t('shell.title'),
    signOut: t('shell.sign_out'),
    signingOut: t('shell.signing_out'),
    roles: {
      owner: t('role.owner'),
      admin: t('role.admin'),
      supervisor: t('role.supervisor'),
      agent: t('role.agent'),
      developer: t('role.developer'),
    },
  };
  return (
    <AppShell shell="agent" nav={nav} text={text}>
      <AgentDesk />
    </AppShell>
  );
}

function useReasonCodes(): ReasonOption[] {
  const { api } = useSignedIn();
  const [reasons, setReasons] = useState<ReasonOption[]>([]);
  useEffect(() => {
    let cancelled = false;
    routingApi
      .listReasonCodes(api)
      .then((items) => {
        if (!cancelled && Array.isArray(items)) setReasons(items);
      })
      // Without reason codes the agent can still go ready or offline.
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [api]);
  return reasons;
}

export function AgentDesk() {
  const { api } = useSignedIn();
  const { t } = useI18n();
  const { desk, actions, audioRef } = useAgentDesk(api);
  const reasons = useReasonCodes();
  const can = abilities(desk);

  const onShortcut = useCallback(
    (s: Shortcut) => {
      if (s === 'answer' && can.answer) actions.accept();
      else if (s === 'hang_up' && can.hangUp) actions.hangUp();
      else if (s === 'mute' && can.mute) actions.toggleMute();
    },
    [actions, can.answer, can.hangUp, can.mute],
  );
  useShortcuts(onShortcut);

  return (
    <div className="page" data-testid="page-agent-workspace">
      <div className="page-header">
        <div>
          <h1>{t('page.title')}</h1>
          <p className="page-subtitle">{t('page.subtitle')}</p>
        </div>
        <LanguageSwitch />
      </div>
      <DeskBanners desk={desk} actions={actions} />
      {desk.offer ? (
        <IncomingCall offer={desk.offer} onAnswer={actions.accept} onDecline={actions.decline} canAnswer={can.answer} />
      ) : null}
      <div className="agent-grid">
        <StatePanel desk={desk} actions={actions} reasons={reasons} />
        <CallPanel desk={desk} actions={actions} />
        <div>
          <Softphone />
          <Shortcuts />
        </div>
      </div>
      <audio ref={audioRef} autoPlay data-testid="remote-audio" />
    </div>
  );
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span>{t('lang.label')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang-select">
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
    </label>
  );
}

function Shortcuts() {
  const { t } = useI18n();
  return (
    <section className="panel shortcuts" aria-labelledby="agent-keys-title" data-testid="panel-shortcuts">
      <h2 id="agent-keys-title">{t('keys.title')}</h2>
      <dl>
        <div>
          <dt><kbd>Alt+A</kbd></dt>
          <dd>{t('keys.answer')}</dd>
        </div>
        <div>
          <dt><kbd>Alt+H</kbd></dt>
          <dd>{t('keys.hang_up')}</dd>
        </div>
        <div>
          <dt><kbd>Alt+M</kbd></dt>
          <dd>{t('keys.mute')}</dd>
        </div>
      </dl>
    </section>
  );
}
