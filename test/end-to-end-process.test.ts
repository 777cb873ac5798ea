import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { AppProcess } from "./support/app-process.ts";
import { testConfig } from "./support/test-app.ts";

/** The production entry point as a process, with Telegram and VK pointed at the local fakes. */
describe("end to end: the app process with Telegram and VK", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(999);
  let app: AppProcess;

  beforeAll(async () => {
    await Promise.all([telegram.start(), vk.start()]);
    const config = await testConfig({
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "999",
      VK_API_BASE_URL: `${vk.url}/method`,
      LOG_LEVEL: "info",
    });
    app = await AppProcess.create(config);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([telegram.stop(), vk.stop()]);
  });

  it("carries a Telegram user and a VK user through a flow, follow-up included, and stops cleanly", async () => {
    expect(app.output).toContain("telegram polling started");
    expect(app.output).toContain("vk long poll started");

    telegram.pushText(71, "/start");
    vk.pushMessage(72, "Привет");
    const [tgHello] = await telegram.waitForSent(71, 1);
    const [vkHello] = await vk.waitForSent(72, 1);
    expect(tgHello?.text).toBe("Hello, Анна!");
    expect(vkHello?.text).toBe("Hello, guest!");

    const tgMarkup = tgHello?.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> };
    telegram.pushCallback(71, tgMarkup.inline_keyboard[0]?.[0]?.callback_data as string, {
      message_id: 1,
      date: 0,
      chat: { id: 71, type: "private" },
      reply_markup: tgMarkup,
    });
    const vkKeyboard = vkHello?.keyboard as { buttons: Array<Array<{ action: { payload: string } }>> };
    vk.pushMessage(72, "Continue", { payload: vkKeyboard.buttons[0]?.[0]?.action.payload as string });
    await telegram.waitForSent(71, 2);
    await vk.waitForSent(72, 2);
    telegram.pushText(71, "Tom");
    vk.pushMessage(72, "Vera");

    expect((await telegram.waitForSent(71, 4)).map((m) => m.text).slice(2)).toEqual(["Thanks, Tom", "Follow-up for Tom"]);
    expect((await vk.waitForSent(72, 4)).map((m) => m.text).slice(2)).toEqual(["Thanks, Vera", "Follow-up for Vera"]);
    expect(await app.stop("SIGTERM")).toBe(0);
  });
});
