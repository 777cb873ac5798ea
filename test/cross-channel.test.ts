import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { htmlToPlainText } from "../bots/vk/html-to-plain-text.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestApp, testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/** What one person does and sees on one channel. */
interface ChannelDriver {
  start(): Promise<void>;
  say(text: string): Promise<void>;
  press(label: string): Promise<void>;
  /** The bot's messages as the person reads them (formatting removed). */
  seen(): Promise<string[]>;
}

const telegram = new FakeTelegramApi();
const vk = new FakeVkApi(888);
let app: RunningOrkestr;

const drivers: Record<string, (id: number) => ChannelDriver> = {
  web: () => {
    const chat = new WebChatClient(app.url);
    return {
      start: () => chat.start("reminder"),
      say: (text) => chat.say(text),
      press: (label) => chat.press(label),
      seen: async () => (await chat.botTexts()).map(htmlToPlainText),
    };
  },
  telegram: (id) => ({
    start: async () => void telegram.pushText(id, "/start", "guest"),
    say: async (text) => void telegram.pushText(id, text, "guest"),
    press: async (label) => {
      const last = telegram.sent(id).findLast((m) => m.params.reply_markup);
      const markup = last?.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
      const button = markup.inline_keyboard.flat().find((b) => b.text === label);
      telegram.pushCallback(id, button?.callback_data as string, {
        message_id: 1,
        date: 0,
        chat: { id, type: "private" },
        reply_markup: markup,
      });
    },
    seen: async () => telegram.sent(id).map((m) => htmlToPlainText(m.text)),
  }),
  vk: (id) => ({
    start: async () => void vk.pushMessage(id, "/start"),
    say: async (text) => void vk.pushMessage(id, text),
    press: async (label) => {
      const keyboard = vk.sent(id).findLast((m) => m.keyboard)?.keyboard as {
        buttons: Array<Array<{ action: { label: string; payload: string } }>>;
      };
      const button = keyboard.buttons.flat().find((b) => b.action.label === label);
      vk.pushMessage(id, label, { payload: button?.action.payload as string });
    },
    seen: async () => vk.sent(id).map((m) => m.text),
  }),
};

function waitForSeen(driver: ChannelDriver, count: number): Promise<string[]> {
  return waitFor(
    () => driver.seen(),
    (seen) => seen.length >= count,
    `${count} bot messages`,
  );
}

/** The same flow on the web chat, Telegram and VK must read the same to the person. */
describe.each(Object.keys(drivers))("the reminder flow on %s", (channel) => {
  beforeAll(async () => {
    if (app) return;
    await Promise.all([telegram.start(), vk.start()]);
    app = await startTestApp(
      await testConfig({
        TELEGRAM_BOT_TOKEN: "123:TEST-token",
        TELEGRAM_API_ROOT: telegram.url,
        VK_GROUP_TOKEN: "vk1.a.test-token",
        VK_GROUP_ID: "888",
        VK_API_BASE_URL: `${vk.url}/method`,
      }),
    );
  });

  it("greets, takes a button press and an answer, and follows up", async () => {
    const person = (drivers[channel] as (id: number) => ChannelDriver)(600 + Object.keys(drivers).indexOf(channel));
    await person.start();
    expect(await waitForSeen(person, 1)).toEqual(["Hello, guest!"]);
    await person.press("Continue");
    await waitForSeen(person, 2);
    await person.say("Ann & <Co>");
    expect(await waitForSeen(person, 4)).toEqual(["Hello, guest!", "Your name?", "Thanks, Ann & <Co>", "Follow-up for Ann & <Co>"]);
  });
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([telegram.stop(), vk.stop()]);
});
