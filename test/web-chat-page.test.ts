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

  // The page, the server and the browser share two busy cores: wait as long as a slow machine needs.
  const eventually = { timeout: 15_000 };
  const botMessages = () => page.locator('[data-testid="msg"][data-direction="out"] [data-testid="msg-text"]');

  it("runs the example flow: buttons, typing, the checklist file, an FAQ answer, and the chart at the current step", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${running.app.url}/`);
    // The panel shows the session the server chose; the page's scripts cannot read its cookie.
    const sessionId = page.locator('[data-testid="session-id"]');
    await expect.poll(() => sessionId.textContent(), eventually).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    const session = (await sessionId.textContent()) as string;
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(session);
    await page.locator("select").selectOption("checklist-funnel");
    await expect.poll(() => botMessages().first().textContent(), eventually).toMatch(/^Привет, друг!/);

    await page.getByRole("button", { name: "Получить чек-лист" }).click();
    await expect.poll(() => botMessages().last().textContent(), eventually).toBe("Как к вам обращаться?");
    const send = async (text: string) => {
      await page.getByPlaceholder("Напишите сообщение…").fill(text);
      await page.keyboard.press("Enter");
    };
    await send("Анна");
    await page.getByRole("button", { name: "Согласен", exact: true }).last().click();
    await expect.poll(() => botMessages().last().textContent(), eventually).toBe("Анна, куда прислать чек-лист? Напишите email.");

    // The chart shows the step the conversation is at.
    await expect.poll(() => page.locator('[data-testid="graph"]').getAttribute("data-step"), eventually).toBe("ask_email");
    expect(await page.locator('[data-testid="graph"] svg .current').count()).toBe(1);

    await send("Сколько стоит консультация?");
    await expect
      .poll(async () => (await botMessages().allTextContents()).some((t) => t.startsWith("Первый разбор")), eventually)
      .toBe(true);

    await send("anna@example.com");
    const file = page.locator('[data-testid="msg-file"]');
    await expect.poll(() => file.count(), eventually).toBe(1);
    expect(await file.getAttribute("download")).toBe("checklist-10-oshibok.pdf");
    const download = await page.request.get(`${running.app.url}${await file.getAttribute("href")}`);
    expect(download.status()).toBe(200);
    expect((await download.body()).subarray(0, 5).toString()).toBe("%PDF-");

    // A reload resumes the same conversation: same session, the history back from the server.
    const shown = await botMessages().allTextContents();
    await page.reload();
    await expect.poll(() => sessionId.textContent(), eventually).toBe(session);
    await expect.poll(() => botMessages().allTextContents(), eventually).toEqual(shown);
    expect(errors).toEqual([]);
  });

  it("opens a new session by itself when its cookie is gone, and shows only that conversation", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const sessionId = page.locator('[data-testid="session-id"]');
    await page.goto(`${running.app.url}/`);
    await page.locator("select").selectOption("checklist-funnel");
    await expect.poll(() => botMessages().first().textContent(), eventually).toMatch(/^Привет, друг!/);
    const before = (await sessionId.textContent()) as string;

    // As when the cookie expired or the server's secret changed: the next request is refused with 401.
    await page.context().clearCookies();
    await page.getByPlaceholder("Напишите сообщение…").fill("Снова здесь");
    await page.keyboard.press("Enter");
    await expect.poll(() => sessionId.textContent(), eventually).not.toBe(before);
    const userMessages = page.locator('[data-testid="msg"][data-direction="in"] [data-testid="msg-text"]');
    await expect.poll(() => userMessages.allTextContents(), eventually).toEqual(["Снова здесь"]);
    // The old conversation's messages are gone: the new one starts with what the person wrote
    // (its own welcome of the default flow may follow).
    await expect.poll(() => page.locator('[data-testid="msg"]').first().getAttribute("data-direction"), eventually).toBe("in");
    expect(errors).toEqual([]);
  });
});
