import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const token = "test-admin-token-0123456789";
const flows = {
  "hello.yaml": "id: hello\ntitle: Hello\ndefault: true\nsteps:\n  - id: hi\n    end: Здравствуйте!\n",
  "big-order.yaml": `id: big-order
title: Big order delivered
triggers: [{ event: order_delivered, if: "event.data.total > 1000" }]
steps:
  - id: delivered
    say: "Заказ {{ event.data.order }} доставлен! Спасибо за покупку на {{ event.data.total }} ₽."
    buttons: [{ text: Всё хорошо, goto: bye }]
  - id: bye
    end: Рады помочь!
`,
  "order.yaml": `id: order
title: Order delivered
triggers: [{ event: order_delivered }]
steps:
  - id: delivered
    end: "Заказ {{ event.data.order }} доставлен."
`,
};

/**
 * Events from other systems on real PostgreSQL and Redis, through the app's HTTP API and the
 * real grammY: a bearer token guards it, an event starts its flow once however often and however
 * concurrently it is posted, a contact who never wrote is not written to, and the OpenAPI
 * description comes from the same schema as the checks.
 */
describe("the admin API: events from other systems", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-events-"));
    for (const [name, text] of Object.entries(flows)) await writeFile(join(flowsDir, name), text);
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      ADMIN_TOKEN: token,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
    });
    telegram.pushText(8001, "/start", "Нина");
    await telegram.waitForSent(8001, 1);
    await running.db.query(
      `UPDATE "Contact" SET phone = '+79161234567' WHERE id = (SELECT "contactId" FROM "ChannelIdentity" WHERE "externalId" = '8001')`,
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const post = (body: unknown, auth: string | null = `Bearer ${token}`) =>
    fetch(`${running.app.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
  const eventsOf = async () =>
    (await running.db.query(`SELECT data FROM "Event" WHERE type = 'external_event' ORDER BY id`)).rows.map((r) => r.data);

  it("refuses a missing or wrong token (401) and a malformed event (400), and does nothing", async () => {
    const event = { id: "e-0", type: "order_delivered", contact: { telegram_id: 8001 }, data: { total: 5000, order: "A-0" } };
    const missing = await post(event, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect((await post(event, "Bearer not-the-token")).status).toBe(401);
    const malformed = await post({ id: "e-1", type: "Order Delivered!", contact: { phone: "+79161234567", email: "a@b.ru" } });
    expect(malformed.status).toBe(400);
    const problem = await malformed.json();
    expect(problem.error).toBe("invalid_event");
    expect(problem.message).toContain("type:");
    expect(problem.message).toContain("exactly one of phone, email");
    expect(await eventsOf()).toEqual([]);
    expect(telegram.sent(8001)).toHaveLength(1);
  });

  it("starts the flow once when the same event is posted three times at once; event.* is in the flow's texts", async () => {
    const event = {
      id: "crm-1001",
      type: "order_delivered",
      contact: { phone: "8 (916) 123-45-67" },
      data: { total: 5000, order: "A-1001" },
    };
    const answers = await Promise.all([post(event), post(event), post(event)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 202]);
    const bodies = await Promise.all(answers.map((a) => a.json()));
    expect(bodies).toContainEqual({ status: "started", flow: "big-order" });
    const [, delivered] = await telegram.waitForSent(8001, 2);
    expect(delivered?.text).toBe("Заказ A-1001 доставлен! Спасибо за покупку на 5000 ₽.");
    expect(await eventsOf()).toEqual([
      { id: "crm-1001", type: "order_delivered", outcome: "started", flowId: "big-order", marketing: true },
    ]);
    // Sent again later: still nothing.
    expect((await post(event)).status).toBe(200);
    expect(telegram.sent(8001)).toHaveLength(2);
  });

  it("picks the first flow whose condition holds; an unknown contact is 404 and gets nothing", async () => {
    const small = await post({
      id: "crm-1002",
      type: "order_delivered",
      contact: { telegram_id: "8001" },
      data: { total: 300, order: "A-1002" },
    });
    expect(await small.json()).toEqual({ status: "started", flow: "order" });
    const [, , smallSent] = await telegram.waitForSent(8001, 3);
    expect(smallSent?.text).toBe("Заказ A-1002 доставлен.");
    const unknown = await post({ id: "crm-1003", type: "order_delivered", contact: { email: "nobody@example.com" } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toBe("unknown_contact");
    const nobodyWaits = await post({ id: "crm-1004", type: "invoice_overdue", contact: { telegram_id: 8001 } });
    expect(await nobodyWaits.json()).toEqual({ status: "no_flow" });
  });

  it("describes itself at /api/openapi.json from the same schema", async () => {
    const doc = await (await fetch(`${running.app.url}/api/openapi.json`)).json();
    const schema = doc.paths["/api/events"].post.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["id", "type", "contact"]);
    expect(Object.keys(schema.properties.contact.properties)).toEqual(["phone", "email", "telegram_id", "vk_id", "contact_id"]);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    expect(Object.keys(doc.paths["/api/events"].post.responses).sort()).toEqual(["200", "202", "400", "401", "404", "429", "503"]);
  });

  it("has a CLI twin: `orkestr event send` posts with the token and says what happened", async () => {
    const env = { ADMIN_TOKEN: token, DATABASE_URL: running.config.DATABASE_URL ?? "" };
    const sent = await orkestr(
      ["event", "send", "order_delivered", "--telegram-id", "8001", "--data", '{"total":2000,"order":"A-2"}', "--url", running.app.url],
      { env },
    );
    expect(sent.stderr).toBe("");
    expect(sent.stdout.trim()).toBe('202 {"status":"started","flow":"big-order"}');
    const [, , , cliSent] = await telegram.waitForSent(8001, 4);
    expect(cliSent?.text).toContain("Заказ A-2 доставлен!");
    const bad = await orkestr(["event", "send", "order_delivered", "--data", "{oops", "--url", running.app.url], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--data is no JSON");
  });
});
