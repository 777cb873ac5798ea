import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { courseSaleCustomer } from "./support/course-sale-customer.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flowsDir = new URL("../flows/", import.meta.url).pathname;

/** The demo's way to pay: no shop configured, `PAYMENTS_TEST=true`, the built-in test double's page. */
describe("payments through the built-in test double (as in the demo)", () => {
  let running: TestAppWithDatabase;
  let app: RunningOrkestr;

  beforeAll(async () => {
    running = await startTestAppWithDatabase({ FLOWS_DIR: flowsDir, PAYMENTS_TEST: "true" });
    app = running.app;
  });
  afterAll(() => running?.stop());

  it("sells the course with a test payment the customer is told about, paid on the app's own page", async () => {
    const { chat, offer, payUrl } = await courseSaleCustomer(app.url, { tariff: "С куратором — 9 990 ₽", email: "test@example.com" });
    expect(offer).toContain("9990 ₽");
    expect(offer).toContain("тестовая оплата");
    const url = payUrl as string;
    expect(url).toMatch(new RegExp(`^${app.url}/payments/test/test-`));
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("деньги не спишутся");
    const paid = await fetch(`${url}/paid`, { method: "POST" });
    expect(paid.status).toBe(200);
    const texts = await chat.waitForBotMessages(6);
    expect(texts.join("\n")).toContain("Оплата получена");
    // Pressing "pay" again on the page changes nothing.
    expect((await fetch(`${url}/paid`, { method: "POST" })).status).toBe(200);
    expect((await chat.botTexts()).filter((t) => t.includes("Оплата получена"))).toHaveLength(1);
    expect((await fetch(`${app.url}/payments/test/test-00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });
});
