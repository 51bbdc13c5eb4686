// The agent desktop's words in English and Chinese. A tiny dictionary: `t(key, {name})` fills
// `{name}` placeholders. The language follows the browser (zh* → Chinese) until the agent picks
// one, which is remembered in localStorage.

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'en' | 'zh';
export const LANG_KEY = 'kefu.lang';

const en = {
  'shell.title': 'Agent desktop',
  'shell.sign_out': 'Sign out',
  'shell.signing_out': 'Signing out',
  'role.owner': 'Owner',
  'role.admin': 'Admin',
  'role.supervisor': 'Supervisor',
  'role.agent': 'Agent',
  'role.developer': 'Developer',
  'nav.workspace': 'Workspace',
  'page.title': 'Workspace',
  'page.subtitle': 'Your state, your phone and the call in front of you.',
  'lang.label': 'Language',
  'state.title': 'My state',
  'state.logged_out': 'Offline',
  'state.available': 'Ready',
  'state.reserved': 'Ringing',
  'state.on_call': 'On a call',
  'state.after_call_work': 'Wrap-up',
  'state.not_ready': 'Not ready',
  'state.unknown': 'Connecting…',
  'state.reason': 'Reason: {reason}',
  'state.since': 'for {time}',
  'state.group': 'Change state',
  'state.go_ready': 'Ready',
  'state.go_not_ready': 'Not ready',
  'state.go_offline': 'Offline',
  'state.reason_label': 'Not-ready reason',
  'state.no_reasons': 'No reason codes are defined yet; an administrator adds them.',
  'state.hint': 'Going ready connects your softphone’s audio.',
  'reason.missed': 'Missed call',
  'link.connecting': 'Connecting to the call service…',
  'link.reconnecting': 'Connection lost. Reconnecting…',
  'link.replaced': 'This desk was taken over by another tab or device. Calls now ring there; reload this page to take it back.',
  'link.not_agent': 'You are not set up to take calls yet: an administrator must give you a routing profile.',
  'link.telephony_off': 'Telephony is off on this server, so calls cannot reach you.',
  'audio.off': 'Audio off',
  'audio.starting': 'Opening the microphone…',
  'audio.connecting': 'Connecting audio…',
  'audio.connected': 'Audio connected',
  'audio.failed': 'Audio is not connected: the browser could not reach the media server. Check your network or firewall.',
  'audio.mic_denied': 'Microphone access was denied. Allow the microphone for this site in the browser, then go ready again.',
  'audio.no_device': 'No microphone was found. Plug in a headset, then go ready again.',
  'audio.retry': 'Reconnect audio',
  'audio.problem': 'Audio problem',
  'offer.title': 'Incoming call',
  'offer.queue': 'Queue',
  'offer.caller': 'Caller',
  'offer.ringing': 'Ringing, {seconds} s left',
  'offer.answer': 'Answer',
  'offer.decline': 'Decline',
  'offer.data': 'Collected by the IVR',
  'call.title': 'Current call',
  'call.none': 'No active call',
  'call.none_hint': 'Caller details appear here when a call is put through.',
  'call.caller': 'Caller',
  'call.queue': 'Queue',
  'call.duration': 'Duration',
  'call.controls': 'Call controls',
  'call.mute': 'Mute',
  'call.unmute': 'Unmute',
  'call.muted': 'Your microphone is muted',
  'call.hold': 'Hold',
  'call.resume': 'Resume',
  'call.held': 'On hold: the caller hears music and neither of you hears the other',
  'call.hang_up': 'Hang up',
  'call.wrap_up': 'Wrap-up: finish your notes, then click Done.',
  'call.done': 'Done',
  'call.unknown_caller': 'Unknown',
  'keys.title': 'Shortcuts',
  'keys.answer': 'Answer',
  'keys.hang_up': 'Hang up',
  'keys.mute': 'Mute / unmute',
  'phone.title': 'Softphone',
  'phone.number': 'Number to dial',
  'phone.placeholder': 'Enter a number',
  'phone.pad': 'Dial pad',
  'phone.call': 'Call',
  'phone.later': 'Outbound calling arrives later.',
  'error.dismiss': 'Dismiss',
} as const;

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'shell.title': '坐席工作台',
  'shell.sign_out': '退出登录',
  'shell.signing_out': '正在退出',
  'role.owner': '所有者',
  'role.admin': '管理员',
  'role.supervisor': '主管',
  'role.agent': '坐席',
  'role.developer': '开发者',
  'nav.workspace': '工作台',
  'page.title': '工作台',
  'page.subtitle': '你的状态、你的电话和当前的通话。',
  'lang.label': '语言',
  'state.title': '我的状态',
  'state.logged_out': '离线',
  'state.available': '就绪',
  'state.reserved': '振铃中',
  'state.on_call': '通话中',
  'state.after_call_work': '话后处理',
  'state.not_ready': '未就绪',
  'state.unknown': '正在连接…',
  'state.reason': '原因：{reason}',
  'state.since': '已持续 {time}',
  'state.group': '更改状态',
  'state.go_ready': '就绪',
  'state.go_not_ready': '未就绪',
  'state.go_offline': '离线',
  'state.reason_label': '未就绪原因',
  'state.no_reasons': '尚未定义未就绪原因，请联系管理员添加。',
  'state.hint': '切换为就绪时会连接软电话的音频。',
  'reason.missed': '未接来电',
  'link.connecting': '正在连接呼叫服务…',
  'link.reconnecting': '连接已断开，正在重新连接…',
  'link.replaced': '此工作台已被另一个标签页或设备接管，来电将在那里振铃。重新加载本页面即可取回。',
  'link.not_agent': '你还不能接听电话：需要管理员为你设置路由配置。',
  'link.telephony_off': '此服务器未开启电话功能，来电无法转接给你。',
  'audio.off': '音频未开启',
  'audio.starting': '正在打开麦克风…',
  'audio.connecting': '正在连接音频…',
  'audio.connected': '音频已连接',
  'audio.failed': '音频未连接：浏览器无法连接到媒体服务器。请检查网络或防火墙。',
  'audio.mic_denied': '麦克风权限被拒绝。请在浏览器中允许本网站使用麦克风，然后重新切换为就绪。',
  'audio.no_device': '未找到麦克风。请接上耳机，然后重新切换为就绪。',
  'audio.retry': '重新连接音频',
  'audio.problem': '音频异常',
  'offer.title': '来电',
  'offer.queue': '队列',
  'offer.caller': '主叫',
  'offer.ringing': '振铃中，剩余 {seconds} 秒',
  'offer.answer': '接听',
  'offer.decline': '拒接',
  'offer.data': 'IVR 收集的信息',
  'call.title': '当前通话',
  'call.none': '没有进行中的通话',
  'call.none_hint': '来电接通后，这里会显示主叫信息。',
  'call.caller': '主叫',
  'call.queue': '队列',
  'call.duration': '通话时长',
  'call.controls': '通话控制',
  'call.mute': '静音',
  'call.unmute': '取消静音',
  'call.muted': '你的麦克风已静音',
  'call.hold': '保持',
  'call.resume': '恢复通话',
  'call.held': '通话保持中：来电者听到音乐，你们双方互相听不到',
  'call.hang_up': '挂断',
  'call.wrap_up': '话后处理：完成记录后点击“完成”。',
  'call.done': '完成',
  'call.unknown_caller': '未知',
  'keys.title': '快捷键',
  'keys.answer': '接听',
  'keys.hang_up': '挂断',
  'keys.mute': '静音 / 取消静音',
  'phone.title': '软电话',
  'phone.number': '拨打号码',
  'phone.placeholder': '输入号码',
  'phone.pad': '拨号盘',
  'phone.call': '呼叫',
  'phone.later': '外呼功能稍后提供。',
  'error.dismiss': '关闭',
};

export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, zh };

/** zh, zh-CN, zh-TW … → Chinese; everything else → English. */
export function langOf(tag: string | undefined | null): Lang {
  return tag && /^zh\b/i.test(tag) ? 'zh' : 'en';
}

/** The remembered choice, else the browser's language. */
export function initialLang(): Lang {
  try {
    const saved = window.localStorage.getItem(LANG_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // Storage may be off; fall back to the browser.
  }
  return langOf(typeof navigator !== 'undefined' ? navigator.language : undefined);
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dict = DICTIONARIES[lang];
  return (key, values) => {
    const text = dict[key] ?? en[key];
    return values ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m)) : text;
  };
}

interface I18n {
  lang: Lang;
  t: Translate;
  setLang(lang: Lang): void;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, lang: fixed }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => fixed ?? initialLang());
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(LANG_KEY, next);
    } catch {
      // Not remembered; still switched for this page.
    }
  }, []);
  const value = useMemo(() => ({ lang, t: translator(lang), setLang }), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
