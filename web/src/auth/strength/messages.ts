/**
 * What the strength verdict says to the user, in English and Chinese. The app has no i18n
 * framework yet; the browser's language picks the table (zh* → Chinese, otherwise English).
 */
import { MIN_LEN, type Verdict, type WarningKey } from './rule';

export type Lang = 'en' | 'zh';

export function browserLang(): Lang {
  const langs = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
  return langs.some((l) => typeof l === 'string' && l.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

const WARNINGS: Record<Lang, Record<WarningKey, string>> = {
  en: {
    userInputs: 'It contains your name, e-mail, company or a very common word.',
    straightRow: 'Straight rows of keys are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeats like "aaa" are easy to guess.',
    extendedRepeat: 'Repeats like "abcabc" are easy to guess.',
    sequences: 'Sequences like "abc" or "1234" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is one of the most common passwords.',
    topHundred: 'This is one of the most common passwords.',
    common: 'This is a very common password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'A word by itself is easy to guess.',
    namesByThemselves: 'Names are easy to guess.',
    commonNames: 'Common names are easy to guess.',
  },
  zh: {
    userInputs: '包含您的姓名、邮箱、公司名或常见词语。',
    straightRow: '键盘上连续的一排按键很容易被猜到。',
    keyPattern: '简短的键盘图案很容易被猜到。',
    simpleRepeat: '像 “aaa” 这样的重复很容易被猜到。',
    extendedRepeat: '像 “abcabc” 这样的重复很容易被猜到。',
    sequences: '像 “abc” 或 “1234” 这样的序列很容易被猜到。',
    recentYears: '近几年的年份很容易被猜到。',
    dates: '日期很容易被猜到。',
    topTen: '这是最常用的密码之一。',
    topHundred: '这是最常用的密码之一。',
    common: '这是非常常见的密码。',
    similarToCommon: '与常用密码过于相似。',
    wordByItself: '单个词语很容易被猜到。',
    namesByThemselves: '姓名很容易被猜到。',
    commonNames: '常见姓名很容易被猜到。',
  },
};

const TEXT = {
  en: {
    length: (missing: number) =>
      missing > 0 ? `At least ${MIN_LEN} characters (${missing} more)` : `At least ${MIN_LEN} characters`,
    tooLong: 'At most 256 characters',
    strong: 'Hard to guess',
    weak: 'Too easy to guess',
    advice: 'Add a few more words or characters.',
    pending: 'Hard to guess',
  },
  zh: {
    length: (missing: number) =>
      missing > 0 ? `至少 ${MIN_LEN} 个字符（还差 ${missing} 个）` : `至少 ${MIN_LEN} 个字符`,
    tooLong: '最多 256 个字符',
    strong: '不易被猜到',
    weak: '太容易被猜到',
    advice: '请再加几个词或字符。',
    pending: '不易被猜到',
  },
} as const;

/** The length hint's text. */
export function lengthLabel(missing: number, lang: Lang): string {
  return TEXT[lang].length(Math.max(0, missing));
}

/** The strength hint: a short verdict and, when refused, the reason and what to do. */
export function strengthLabel(v: Verdict, lang: Lang): { verdict: string; reason: string | null } {
  const t = TEXT[lang];
  if (v.ok) return { verdict: t.strong, reason: null };
  if (v.reason === 'too_long') return { verdict: t.tooLong, reason: null };
  if (v.reason === 'too_short') return { verdict: t.pending, reason: null };
  const why = v.warning ? WARNINGS[lang][v.warning] : null;
  return { verdict: t.weak, reason: why ? `${why} ${t.advice}` : t.advice };
}
