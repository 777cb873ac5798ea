import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium } from "./support/chromium.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

/** The web chat page in a real browser (system Chromium), against the app with the example flow. */
describe("web chat page in Chromium", () => {
  let running: TestAppWithDatabase;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const executablePath = await findChromium();
    running = await startTestAppWithDatabase({ FLOWS_DIR: new URL("../flows/", import.meta.url).pathname });
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
    page = await browser.newPage();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  const botMessages = () => page.locator('[data-testid="msg"][data-direction="out"] [data-testid="msg-text"]');

  it("runs the example flow: buttons, typing, the checklist file, an FAQ answer, and the chart at the current step", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${running.app.url}/?session=page-test-0001`);
    await page.locator("select").selectOption("checklist-funnel");
    await expect.poll(() => botMessages().first().textContent()).toMatch(/^Привет, друг!/);

    await page.getByRole("button", { name: "Получить чек-лист" }).click();
    await expect.poll(() => botMessages().last().textContent()).toBe("Как к вам обращаться?");
    const send = async (text: string) => {
      await page.getByPlaceholder("Напишите сообщение…").fill(text);
      await page.keyboard.press("Enter");
    };
    await send("Анна");
    await page.getByRole("button", { name: "Согласен", exact: true }).last().click();
    await expect.poll(() => botMessages().last().textContent()).toBe("Анна, куда прислать чек-лист? Напишите email.");

    // The chart shows the step the conversation is at.
    await expect.poll(() => page.locator('[data-testid="graph"]').getAttribute("data-step")).toBe("ask_email");
    expect(await page.locator('[data-testid="graph"] svg .current').count()).toBe(1);

    await send("Сколько стоит консультация?");
    await expect.poll(async () => (await botMessages().allTextContents()).some((t) => t.startsWith("Первый разбор"))).toBe(true);

    await send("anna@example.com");
    const file = page.locator('[data-testid="msg-file"]');
    await expect.poll(() => file.count()).toBe(1);
    expect(await file.getAttribute("download")).toBe("checklist-10-oshibok.pdf");
    const download = await page.request.get(`${running.app.url}${await file.getAttribute("href")}`);
    expect(download.status()).toBe(200);
    expect((await download.body()).subarray(0, 5).toString()).toBe("%PDF-");
    expect(errors).toEqual([]);
  });
});
