/**
 * Words the server itself writes for people: notices to parents and the headings of exported
 * reports, in Russian, Ukrainian, Kazakh and English, with each language's plural forms, dates in
 * the branch's time zone and money in the currency's own format.
 */

export type Locale = 'ru' | 'uk' | 'kk' | 'en';
export const LOCALES: readonly Locale[] = ['ru', 'uk', 'kk', 'en'];
export const asLocale = (v: string | null | undefined): Locale => (LOCALES.includes(v as Locale) ? (v as Locale) : 'ru');

const INTL: Record<Locale, string> = { ru: 'ru-RU', uk: 'uk-UA', kk: 'kk-KZ', en: 'en-GB' };

/** One of the forms by the language's plural rules: `plural('ru', 3, { one: 'урок', few: 'урока', many: 'уроков' })`. */
export function plural(locale: Locale, n: number, forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }): string {
  const rule = new Intl.PluralRules(INTL[locale]).select(n);
  return `${n} ${forms[rule] ?? forms.other}`;
}

export function formatDateTime(at: string | Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(INTL[locale], { timeZone, weekday: 'short', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(new Date(at));
}

export function formatDate(date: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL[locale], { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${date}T00:00:00Z`));
}

export function formatTime(at: string | Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(INTL[locale], { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(at));
}

/** Integer minor units in the currency's format: 1 500 000 → «15 000,00 ₸». */
export function formatMoney(minor: number, currency: string, locale: Locale): string {
  const fmt = new Intl.NumberFormat(INTL[locale], { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

const LESSONS: Record<Locale, Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }> = {
  ru: { one: 'урок', few: 'урока', many: 'уроков', other: 'урока' },
  uk: { one: 'урок', few: 'уроки', many: 'уроків', other: 'уроку' },
  kk: { one: 'сабақ', other: 'сабақ' },
  en: { one: 'lesson', other: 'lessons' },
};
export const lessonsWord = (locale: Locale, n: number) => plural(locale, n, LESSONS[locale]);

export type NoticeWords = {
  reminder(v: { student: string; lesson: string; when: string; room: string | null }): string;
  absence(v: { student: string; lesson: string; time: string }): string;
  passLow(v: { student: string; pass: string; left: string; until: string }): string;
  debt(v: { student: string; amount: string; since: string; link: string | null }): string;
};

export const NOTICES: Record<Locale, NoticeWords> = {
  ru: {
    reminder: (v) => `Напоминаем: ${v.student}, занятие «${v.lesson}» — ${v.when}${v.room ? `, ${v.room}` : ''}.`,
    absence: (v) => `${v.student} не был(а) на занятии «${v.lesson}» сегодня в ${v.time}. Если что-то случилось, пожалуйста, сообщите нам.`,
    passLow: (v) => `${v.student}: на абонементе «${v.pass}» осталось ${v.left} (до ${v.until}). Продлите абонемент, чтобы не пропускать занятия.`,
    debt: (v) => `${v.student}: задолженность ${v.amount} с ${v.since}.${v.link ? ` Оплатить онлайн: ${v.link}` : ' Пожалуйста, оплатите в ближайшее время.'}`,
  },
  uk: {
    reminder: (v) => `Нагадуємо: ${v.student}, заняття «${v.lesson}» — ${v.when}${v.room ? `, ${v.room}` : ''}.`,
    absence: (v) => `${v.student} не був(ла) на занятті «${v.lesson}» сьогодні о ${v.time}. Якщо щось сталося, будь ласка, повідомте нам.`,
    passLow: (v) => `${v.student}: на абонементі «${v.pass}» залишилося ${v.left} (до ${v.until}). Продовжте абонемент, щоб не пропускати заняття.`,
    debt: (v) => `${v.student}: заборгованість ${v.amount} з ${v.since}.${v.link ? ` Сплатити онлайн: ${v.link}` : ' Будь ласка, сплатіть найближчим часом.'}`,
  },
  kk: {
    reminder: (v) => `Еске саламыз: ${v.student}, «${v.lesson}» сабағы — ${v.when}${v.room ? `, ${v.room}` : ''}.`,
    absence: (v) => `${v.student} бүгін сағат ${v.time}-дағы «${v.lesson}» сабағына келмеді. Бірдеңе болса, бізге хабарлаңыз.`,
    passLow: (v) => `${v.student}: «${v.pass}» абонементінде ${v.left} қалды (${v.until} дейін). Сабақтарды жібермеу үшін абонементті ұзартыңыз.`,
    debt: (v) => `${v.student}: ${v.since} бастап ${v.amount} қарыз.${v.link ? ` Онлайн төлеу: ${v.link}` : ' Жақын арада төлеуіңізді сұраймыз.'}`,
  },
  en: {
    reminder: (v) => `Reminder: ${v.student}, "${v.lesson}" — ${v.when}${v.room ? `, ${v.room}` : ''}.`,
    absence: (v) => `${v.student} missed "${v.lesson}" today at ${v.time}. If something happened, please let us know.`,
    passLow: (v) => `${v.student}: ${v.left} left on the pass "${v.pass}" (until ${v.until}). Renew it so no lesson is missed.`,
    debt: (v) => `${v.student}: ${v.amount} due since ${v.since}.${v.link ? ` Pay online: ${v.link}` : ' Please pay at your earliest convenience.'}`,
  },
};

/** Headings of the reports and their exports. */
const L = (ru: string, uk: string, kk: string, en: string) => ({ ru, uk, kk, en });
export const REPORT_WORDS = {
  attendanceTitle: L('Посещаемость', 'Відвідуваність', 'Қатысу', 'Attendance'),
  financeTitle: L('Финансы', 'Фінанси', 'Қаржы', 'Finance'),
  payrollTitle: L('Зарплата преподавателей', 'Зарплата викладачів', 'Оқытушылардың жалақысы', 'Teacher payroll'),
  debtsTitle: L('Долги', 'Борги', 'Қарыздар', 'Debts'),
  leadsTitle: L('Конверсия лидов', 'Конверсія лідів', 'Лидтердің конверсиясы', 'Lead conversion'),
  period: L('Период', 'Період', 'Кезең', 'Period'),
  total: L('Итого', 'Разом', 'Барлығы', 'Total'),
  name: L('Название', 'Назва', 'Атауы', 'Name'),
  group: L('Группа', 'Група', 'Топ', 'Group'),
  teacher: L('Преподаватель', 'Викладач', 'Оқытушы', 'Teacher'),
  student: L('Ученик', 'Учень', 'Оқушы', 'Student'),
  lessons: L('Уроков', 'Уроків', 'Сабақ', 'Lessons'),
  marks: L('Отметок', 'Відміток', 'Белгі', 'Marks'),
  attended: L('Был', 'Був', 'Келді', 'Attended'),
  excused: L('Уваж. пропуск', 'Пропуск з поваж. причини', 'Дәлелді себеп', 'Excused'),
  unexcused: L('Пропуск', 'Пропуск', 'Себепсіз', 'Unexcused'),
  rate: L('Посещаемость', 'Відвідуваність', 'Қатысу', 'Attendance rate'),
  date: L('Дата', 'Дата', 'Күні', 'Date'),
  cash: L('Наличные', 'Готівка', 'Қолма-қол', 'Cash'),
  card: L('Карта', 'Картка', 'Карта', 'Card'),
  transfer: L('Перевод', 'Переказ', 'Аударым', 'Transfer'),
  online: L('Онлайн', 'Онлайн', 'Онлайн', 'Online'),
  refunds: L('Возвраты', 'Повернення', 'Қайтарулар', 'Refunds'),
  net: L('Итого поступило', 'Разом надійшло', 'Барлығы түсті', 'Net received'),
  invoiced: L('Выставлено счетов', 'Виставлено рахунків', 'Шот қойылды', 'Invoiced'),
  attendees: L('Учеников на уроках', 'Учнів на уроках', 'Сабақтағы оқушылар', 'Attendees'),
  revenue: L('Выручка уроков', 'Виручка уроків', 'Сабақтар түсімі', 'Lesson revenue'),
  pay: L('К выплате', 'До виплати', 'Төленеді', 'Pay'),
  unrated: L('Без ставки', 'Без ставки', 'Ставкасыз', 'No rate'),
  debt: L('Долг', 'Борг', 'Қарыз', 'Debt'),
  overdue: L('Просрочено', 'Прострочено', 'Мерзімі өткен', 'Overdue'),
  oldestDue: L('Срок самого старого', 'Термін найстарішого', 'Ең ескі мерзім', 'Oldest due'),
  daysOverdue: L('Дней просрочки', 'Днів прострочення', 'Кешіккен күн', 'Days overdue'),
  phone: L('Телефон', 'Телефон', 'Телефон', 'Phone'),
  source: L('Источник', 'Джерело', 'Дереккөз', 'Source'),
  leads: L('Лидов', 'Лідів', 'Лид', 'Leads'),
  trials: L('Пробных', 'Пробних', 'Сынақ', 'Trials'),
  enrolled: L('Записались', 'Записалися', 'Жазылды', 'Enrolled'),
  rejected: L('Отказ', 'Відмова', 'Бас тартты', 'Rejected'),
  conversion: L('Конверсия', 'Конверсія', 'Конверсия', 'Conversion'),
  noSource: L('Без источника', 'Без джерела', 'Дереккөзсіз', 'No source'),
} as const;
export type ReportWord = keyof typeof REPORT_WORDS;
export const reportWord = (locale: Locale, w: ReportWord) => REPORT_WORDS[w][locale];

/** Names of the built-in lead sources (their code, until someone renames them). */
export const SOURCE_WORDS: Record<string, Record<Locale, string>> = {
  call: L('Звонок', 'Дзвінок', 'Қоңырау', 'Call'),
  website: L('Сайт', 'Сайт', 'Сайт', 'Website'),
  social: L('Соцсети', 'Соцмережі', 'Әлеуметтік желілер', 'Social media'),
  referral: L('Рекомендация', 'Рекомендація', 'Ұсыныс', 'Referral'),
  walk_in: L('Пришли сами', 'Прийшли самі', 'Өздері келді', 'Walk-in'),
};
