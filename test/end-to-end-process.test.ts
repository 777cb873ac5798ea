import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { AppProcess } from "./support/app-process.ts";
import { testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The example flow, with its follow-up delays cut to seconds and its quiet hours dropped (the
 * suite may run at night), in a copy of flows/: everything else as shipped.
 */
function exampleFlowsWithShortDelays(): string {
  const dir = mkdtempSync(join(tmpdir(), "orkestr-e2e-flows-"));
  cpSync(new URL("../flows/", import.meta.url).pathname, dir, { recursive: true });
  const file = join(dir, "checklist-funnel.yaml");
  const source = readFileSync(file, "utf8");
  const shortened = source
    .replace("after: 1h", "after: 2s")
    .replace("after: 1d", "after: 3s")
    .replace(/^settings: .*$/m, "");
  if (shortened.includes("after: 1") || shortened.includes("quietHours")) throw new Error("the example flow changed: update this test");
  writeFileSync(file, shortened);
  return dir;
}

/** The production entry point as a process, with Telegram and VK pointed at the local fakes. */
describe("end to end: the app process with Telegram and VK", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(999);
  let app: AppProcess;

  beforeAll(async () => {
    await Promise.all([telegram.start(), vk.start()]);
    const config = await testConfig({
      FLOWS_DIR: exampleFlowsWithShortDelays(),
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

  /** What the Telegram user read: messages and document captions, in order. */
  const telegramSeen = () =>
    telegram.calls
      .filter((c) => (c.method === "sendMessage" || c.method === "sendDocument") && c.status === 200 && c.params.chat_id === "71")
      .map((c) => String(c.params.text ?? c.params.caption));
  const untilTelegram = (count: number) => waitFor(telegramSeen, (seen) => seen.length >= count, `${count} Telegram messages`);
  const untilVk = async (count: number) => (await vk.waitForSent(72, count)).map((m) => m.text);

  it("carries a Telegram user and a VK user through the example flow, follow-ups and file included, and stops cleanly", async () => {
    expect(app.output).toContain("telegram polling started");
    expect(app.output).toContain("vk long poll started");

    telegram.pushText(71, "/start checklist");
    vk.pushMessage(72, "Начать", { ref: "checklist" });
    expect((await untilTelegram(1))[0]).toMatch(/^Привет, Анна! 👋\n/);
    expect((await untilVk(1))[0]).toMatch(/^Привет, друг! 👋\n/);
    // Nobody pressed anything: the reminder of the first step comes (2 s here, 1 h in the flow).
    expect((await untilTelegram(2))[1]).toBe("Чек-лист всё ещё ждёт вас 🙂 Нажмите «Получить чек-лист».");
    expect((await untilVk(2))[1]).toBe("Чек-лист всё ещё ждёт вас 🙂 Нажмите «Получить чек-лист».");

    telegram.pressButton(71, "Получить чек-лист");
    vk.pressButton(72, "Получить чек-лист");
    await untilTelegram(3);
    await untilVk(3);
    telegram.pushText(71, "Анна");
    vk.pushMessage(72, "Вера");
    await untilTelegram(4);
    await untilVk(4);
    telegram.pressButton(71, "Согласен");
    vk.pressButton(72, "Согласен");
    await untilTelegram(5);
    await untilVk(5);
    telegram.pushText(71, "anna@example.com");
    vk.pushMessage(72, "vera@example.com");
    expect((await untilTelegram(7)).slice(5, 7)).toEqual([
      "Готово! Вот ваш чек-лист, копия уже летит на anna@example.com.",
      "Чтобы подсказать, с чего начать, — какой у вас бюджет на рекламу в месяц?",
    ]);
    expect((await untilVk(7)).slice(5, 7)).toEqual([
      "Готово! Вот ваш чек-лист, копия уже летит на vera@example.com.",
      "Чтобы подсказать, с чего начать, — какой у вас бюджет на рекламу в месяц?",
    ]);
    expect(telegram.documents(71).map((d) => d.file?.file_name)).toEqual(["checklist-10-oshibok.pdf"]);
    expect(vk.attachments(72).map((a) => a.document?.title)).toEqual(["checklist-10-oshibok.pdf"]);

    telegram.pressButton(71, "Больше 300 тыс. ₽");
    vk.pressButton(72, "Больше 300 тыс. ₽");
    const reminder = "Напоминаю про бесплатный разбор рекламы — на этой неделе осталось 3 свободных слота.";
    expect((await untilTelegram(9)).slice(7)).toEqual([expect.stringMatching(/^При бюджете Больше 300 тыс\. ₽/), reminder]);
    expect((await untilVk(9)).slice(7)).toEqual([expect.stringMatching(/^При бюджете Больше 300 тыс\. ₽/), reminder]);
    expect(await app.stop("SIGTERM")).toBe(0);
  });
});
