import { afterAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { htmlToPlainText } from "../core/template/html-to-plain-text.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { fixtureFlowsDir, startTestApp, testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/** What one person does and sees on one channel. */
interface ChannelDriver {
  /** The name the platform tells the bot (Telegram's profile), if any. */
  profileName?: string;
  start(): Promise<void>;
  say(text: string): Promise<void>;
  press(label: string): Promise<void>;
  /** The bot's messages (and documents' captions) as the person reads them, formatting removed. */
  seen(): Promise<string[]>;
  /** Names of the documents the person received. */
  files(): Promise<string[]>;
}

/** One app with its own Telegram and VK fakes, serving the flows of one folder. */
interface Stand {
  app: RunningOrkestr;
  telegram: FakeTelegramApi;
  vk: FakeVkApi;
}

async function startStand(flowsDir: string): Promise<Stand> {
  const telegram = await new FakeTelegramApi().start();
  const vk = await new FakeVkApi(888).start();
  const app = await startTestApp(
    await testConfig({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "888",
      VK_API_BASE_URL: `${vk.url}/method`,
    }),
  );
  return { app, telegram, vk };
}

type DriverFactory = (stand: Stand, id: number, flow: { id: string; startPayload?: string }) => ChannelDriver;

const drivers: Record<string, DriverFactory> = {
  web: ({ app }, _id, flow) => {
    const chat = new WebChatClient(app.url);
    return {
      start: () => chat.start(flow.id),
      say: (text) => chat.say(text),
      press: (label) => chat.press(label),
      seen: async () => (await chat.botTexts()).map(htmlToPlainText),
      files: async () => (await chat.history()).flatMap((m) => (m.file ? [m.file.name] : [])),
    };
  },
  telegram: ({ telegram }, id, flow) => {
    const name = "Анна";
    const delivered = () =>
      telegram.calls.filter(
        (c) => (c.method === "sendMessage" || c.method === "sendDocument") && c.status === 200 && c.params.chat_id === String(id),
      );
    return {
      profileName: name,
      start: async () => void telegram.pushText(id, flow.startPayload ? `/start ${flow.startPayload}` : "/start", name),
      say: async (text) => void telegram.pushText(id, text, name),
      press: async (label) => void telegram.pressButton(id, label),
      seen: async () => delivered().map((c) => htmlToPlainText(String(c.params.text ?? c.params.caption ?? ""))),
      files: async () => telegram.documents(id).map((d) => d.file?.file_name ?? "?"),
    };
  },
  vk: ({ vk }, id, flow) => ({
    start: async () => void vk.pushMessage(id, "Начать", flow.startPayload ? { ref: flow.startPayload } : {}),
    say: async (text) => void vk.pushMessage(id, text),
    press: async (label) => void vk.pressButton(id, label),
    seen: async () => vk.sent(id).map((m) => m.text),
    files: async () => vk.attachments(id).map((a) => a.document?.title ?? "?"),
  }),
};
const channels = Object.keys(drivers);

function waitForSeen(driver: ChannelDriver, count: number): Promise<string[]> {
  return waitFor(
    () => driver.seen(),
    (seen) => seen.length >= count,
    `${count} bot messages`,
  );
}

const stands = new Map<string, Promise<Stand>>();
/** One stand per flows folder, shared by the channels' tests. */
function standFor(flowsDir: string): Promise<Stand> {
  let stand = stands.get(flowsDir);
  if (!stand) {
    stand = startStand(flowsDir);
    stands.set(flowsDir, stand);
  }
  return stand;
}

afterAll(async () => {
  for (const stand of stands.values()) {
    const { app, telegram, vk } = await stand;
    await app.stop();
    await Promise.all([telegram.stop(), vk.stop()]);
  }
});

/** The same flow on the web chat, Telegram and VK must read the same to the person. */
describe.each(channels)("the reminder flow on %s", (channel) => {
  it("greets, takes a button press and an answer, and follows up", async () => {
    const stand = await standFor(fixtureFlowsDir);
    const person = (drivers[channel] as DriverFactory)(stand, 600 + channels.indexOf(channel), { id: "reminder" });
    await person.start();
    const greeting = `Hello, ${person.profileName ?? "guest"}!`;
    expect(await waitForSeen(person, 1)).toEqual([greeting]);
    await person.press("Continue");
    await waitForSeen(person, 2);
    await person.say("Ann & <Co>");
    expect(await waitForSeen(person, 4)).toEqual([greeting, "Your name?", "Thanks, Ann & <Co>", "Follow-up for Ann & <Co>"]);
  });
});

describe.each(channels)("the example flow (flows/checklist-funnel.yaml) on %s", (channel) => {
  it("captures name and email, delivers the checklist file, qualifies and books a call", async () => {
    const stand = await standFor(new URL("../flows/", import.meta.url).pathname);
    const person = (drivers[channel] as DriverFactory)(stand, 700 + channels.indexOf(channel), {
      id: "checklist-funnel",
      startPayload: "checklist",
    });
    await person.start();
    const [greeting] = await waitForSeen(person, 1);
    // Only Telegram tells the bot the person's name; elsewhere the flow's default is used.
    expect(greeting).toMatch(new RegExp(`^Привет, ${person.profileName ?? "друг"}! 👋\\nЯ пришлю вам чек-лист «10 ошибок в рекламе»`));
    const steps: Array<[action: "press" | "say", input: string, replies: string[]]> = [
      ["press", "Получить чек-лист", ["Как к вам обращаться?"]],
      [
        "say",
        "Анна",
        [
          "Анна, чтобы прислать чек-лист, нам нужно ваше согласие на обработку персональных данных (email и телефон) по политике конфиденциальности (https://example.com/privacy).",
        ],
      ],
      ["press", "Согласен", ["Анна, куда прислать чек-лист? Напишите email."]],
      // A question instead of the email: answered from the knowledge base, then the step again.
      [
        "say",
        "Сколько стоит консультация?",
        [
          "Первый разбор рекламного кабинета бесплатный — 30 минут с нашим специалистом. Дальнейшую работу считаем после разбора, цену называем заранее.",
          "Анна, куда прислать чек-лист? Напишите email.",
        ],
      ],
      ["say", "anna@", ["Похоже, в адресе опечатка. Пример: anna@example.com\n\nАнна, куда прислать чек-лист? Напишите email."]],
      [
        "say",
        "anna@example.com",
        [
          "Готово! Вот ваш чек-лист, копия уже летит на anna@example.com.",
          "Чтобы подсказать, с чего начать, — какой у вас бюджет на рекламу в месяц?",
        ],
      ],
      [
        "press",
        "50–300 тыс. ₽",
        ["При бюджете 50–300 тыс. ₽ ошибки стоят дорого. Проведём бесплатный 30-минутный разбор вашего кабинета?"],
      ],
      ["press", "Да, запишите", ["Оставьте номер телефона — менеджер позвонит в удобное время."]],
      [
        "say",
        "8 916 123 45 67",
        ["Спасибо! Менеджер позвонит на +79161234567 в течение рабочего дня.", "Хорошего дня! Если появятся вопросы — просто напишите."],
      ],
    ];
    let count = 1;
    for (const [action, input, replies] of steps) {
      await person[action](input);
      count += replies.length;
      expect((await waitForSeen(person, count)).slice(-replies.length), `after ${action} "${input}"`).toEqual(replies);
    }
    expect(await person.files()).toEqual(["checklist-10-oshibok.pdf"]);
  });
});
