/**
 * What the bot says on its own behalf — not written in any flow: opt-out, consent, stale
 * buttons, retries, the knowledge base's phrases, the link-accounts dialogue, channel labels.
 * In Russian and English; a flow (`texts:`) or the installation (`flows/texts.yaml`) overrides
 * any of them, and `language:` picks the base.
 */
const ru = {
  optedOut: "Вы отписались от сообщений. Чтобы вернуться, напишите /start.",
  optedOutWithConsent: "Вы отписались от сообщений и отозвали согласие на обработку персональных данных. Чтобы вернуться, напишите /start.",
  consentAccept: "Согласен",
  consentDecline: "Не согласен",
  consentDeclined: "Понимаем. Без согласия мы не сможем продолжить. Если передумаете — напишите /start.",
  linkCode: "Чтобы связать аккаунты, отправьте боту в другом мессенджере (Telegram или VK) этот код в течение часа:",
  linked: "Готово, аккаунты связаны: продолжайте там, где вам удобнее.",
  linkInvalid: "Этот код не подошёл: он неверный или устарел. Запросите новый командой /link.",
  linkTooManyAttempts: "Слишком много попыток ввести код. Попробуйте снова через час.",
  staleButton: "Эта кнопка уже неактуальна.",
  chooseButton: "Пожалуйста, выберите вариант на кнопках.",
  noFlow: "Напишите /start, чтобы начать.",
  retryText: "Пожалуйста, напишите ответ текстом.",
  retryNumber: "Нужно число. Попробуйте ещё раз.",
  retryEmail: "Похоже, это не email. Пример: name@example.com",
  retryPhone: "Не получилось распознать номер. Пример: +7 900 123-45-67",
  retryChoice: "Пожалуйста, выберите один из вариантов.",
  surveyRetry: "Оцените, пожалуйста, от {min} до {max}: нажмите кнопку или напишите число.",
  surveyThanks: "Спасибо за ответ!",
  surveyAlreadyAnswered: "Оценка уже принята, спасибо.",
  surveySkipComment: "Пропустить",
  magnetLinkButton: "Открыть",
  payButton: "Оплатить",
  paymentUnavailable: "Не получилось подготовить оплату. Попробуйте чуть позже: напишите сюда что-нибудь, и я пришлю ссылку снова.",
  paymentTestNotice: "Это тестовая оплата: деньги не спишутся.",
  paymentNotPayable: "Этот счёт уже неактуален. Вернитесь в чат — я пришлю новый.",
  faqDidYouMean: "Возможно, вы спрашиваете об этом:",
  faqNotFound: "Не нашёл готового ответа на этот вопрос.",
  faqAskHuman: "Позвать менеджера",
  faqHumanRequested: "Передал ваш вопрос менеджеру — он ответит здесь же в рабочее время.",
  handoffStarted: "Передаю разговор менеджеру — он ответит здесь же. Пока с вами общается человек, бот не вмешивается.",
  supportHours: "Мы отвечаем",
  supportClosedToday: "Сейчас мы не на связи — ответим сегодня с {time}.",
  supportClosedTomorrow: "Сейчас мы не на связи — ответим завтра с {time}.",
  supportClosedUntil: "Сейчас мы не на связи — ответим в {day} с {time}.",
  weekdays: "пн,вт,ср,чт,пт,сб,вс",
  handoffEnded: "Менеджер завершил разговор. Если появятся вопросы — просто напишите.",
  staffHelp:
    "Всё, что вы пишете в этой теме, получает клиент. Команды: /close — вернуть разговор боту; /resume <шаг> — вернуть и продолжить сценарий с шага; /info — карточка клиента; /tag <метка> — добавить метку; /stop_followups — отменить напоминания; // или /note — заметка для своих, клиент её не видит.",
  staffClosed: "Разговор возвращён боту.",
  staffTimedOut: "Разговор вернулся к боту сам: долго не было сообщений ни от клиента, ни от вас.",
  staffReminder: "⏰ Клиент ждёт ответа с {since} (UTC).",
  staffNoStep: "В сценарии нет такого шага:",
  staffTagged: "Метка добавлена:",
  staffFollowUpsStopped: "Напоминания клиенту отменены.",
  staffFileNotCarried: "⚠️ Файл не передан: канал клиента не принимает такие файлы. Подпись отправлена, если была.",
  staffFileUndelivered: "📎 Менеджер прислал файл, но его не удалось передать сюда. Попросите прислать его ещё раз.",
  sharePhone: "📱 Отправить мой номер",
  eraseConfirm: "Удалить все ваши данные: имя, телефон, email, переписку? Это нельзя отменить, и бот больше не будет вам писать.",
  eraseYes: "Да, удалить",
  eraseNo: "Нет, оставить",
  eraseDone: "Готово: ваши данные удалены. Если напишете снова, начнём с чистого листа.",
  eraseKept: "Хорошо, ничего не удаляю.",
};

export type EngineTextKey = keyof typeof ru;
export type EngineTexts = Record<EngineTextKey, string>;

const en: EngineTexts = {
  optedOut: "You have unsubscribed. To come back, send /start.",
  optedOutWithConsent: "You have unsubscribed and withdrawn your consent to the processing of personal data. To come back, send /start.",
  consentAccept: "I agree",
  consentDecline: "I do not agree",
  consentDeclined: "Understood. We cannot continue without your consent. If you change your mind, send /start.",
  linkCode: "To link your accounts, send this code to the bot in your other messenger (Telegram or VK) within an hour:",
  linked: "Done, your accounts are linked: carry on wherever suits you.",
  linkInvalid: "This code did not work: it is wrong or has expired. Ask for a new one with /link.",
  linkTooManyAttempts: "Too many attempts to enter a code. Please try again in an hour.",
  staleButton: "This button is no longer current.",
  chooseButton: "Please choose one of the buttons.",
  noFlow: "Send /start to begin.",
  retryText: "Please write your answer as text.",
  retryNumber: "A number is needed. Please try again.",
  retryEmail: "That does not look like an email. Example: name@example.com",
  retryPhone: "Could not read the number. Example: +44 20 7946 0958",
  retryChoice: "Please choose one of the options.",
  surveyRetry: "Please rate from {min} to {max}: press a button or type a number.",
  surveyThanks: "Thank you for your answer!",
  surveyAlreadyAnswered: "Your rating is already in, thank you.",
  surveySkipComment: "Skip",
  magnetLinkButton: "Open",
  payButton: "Pay",
  paymentUnavailable: "Payment could not be prepared. Please try again a little later: write anything here and I will send the link again.",
  paymentTestNotice: "This is a test payment: no money is charged.",
  paymentNotPayable: "This invoice is no longer valid. Go back to the chat and I will send a new one.",
  faqDidYouMean: "Perhaps you are asking about this:",
  faqNotFound: "I could not find a ready answer to this question.",
  faqAskHuman: "Talk to a person",
  faqHumanRequested: "I have passed your question to a manager, who will answer here during working hours.",
  handoffStarted: "I am passing the conversation to a manager, who will answer here. While a person talks with you, the bot keeps quiet.",
  supportHours: "We answer",
  supportClosedToday: "We are away now and will answer today from {time}.",
  supportClosedTomorrow: "We are away now and will answer tomorrow from {time}.",
  supportClosedUntil: "We are away now and will answer on {day} from {time}.",
  weekdays: "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
  handoffEnded: "The manager has closed the conversation. If you have more questions, just write.",
  staffHelp:
    "The customer gets everything you write in this topic. Commands: /close — hand the conversation back to the bot; /resume <step> — hand it back and go on with the flow at that step; /info — the customer's card; /tag <tag> — add a tag; /stop_followups — cancel the reminders; // or /note — a note for the team that the customer never sees.",
  staffClosed: "The conversation is back with the bot.",
  staffTimedOut: "The conversation went back to the bot by itself: neither the customer nor you wrote for a long time.",
  staffReminder: "⏰ The customer has been waiting for an answer since {since} (UTC).",
  staffNoStep: "The flow has no such step:",
  staffTagged: "Tag added:",
  staffFollowUpsStopped: "The customer's reminders are cancelled.",
  staffFileNotCarried:
    "⚠️ The file was not passed on: the customer's channel does not take such files. The caption was sent, if there was one.",
  staffFileUndelivered: "📎 Support sent you a file that could not be delivered here. Ask them to send it again.",
  sharePhone: "📱 Share my number",
  eraseConfirm: "Erase all your data — name, phone, email, messages? This cannot be undone, and the bot will not write to you again.",
  eraseYes: "Yes, erase",
  eraseNo: "No, keep it",
  eraseDone: "Done: your data is erased. If you write again, we start from scratch.",
  eraseKept: "All right, nothing is erased.",
};

export const engineTextLanguages = ["ru", "en"] as const;
export type EngineTextLanguage = (typeof engineTextLanguages)[number];

export const engineTexts: Record<EngineTextLanguage, EngineTexts> = { ru, en };
export const engineTextKeys = Object.keys(ru) as EngineTextKey[];

/** The texts in `language` with `overrides` applied, later overrides winning (installation, then flow). */
export function resolveEngineTexts(
  language: EngineTextLanguage = "ru",
  ...overrides: Array<Partial<EngineTexts> | undefined>
): EngineTexts {
  return Object.assign({}, engineTexts[language], ...overrides.filter(Boolean));
}
