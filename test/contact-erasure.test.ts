import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { flowsFolder } from "./support/flows-folder.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flow = `id: lead
title: Lead
default: true
settings: { requireConsent: false }
steps:
  - id: name
    ask: { type: text, text: Как вас зовут?, save: contact.first_name }
  - id: phone
    ask: { type: phone, text: Ваш телефон?, save: contact.phone }
  - id: email
    ask: { type: email, text: Ваш email?, save: contact.email }
  - id: city
    ask: { type: text, text: Ваш город?, save: vars.city }
  - id: wait
    say: "Спасибо, {{ contact.first_name }}! Пришлём подборку в {{ vars.city }}."
    buttons: [{ text: Ещё раз, goto: name }]
    followUps: [{ after: 1d, say: "{{ contact.first_name }}, подборка готова" }]
`;

/** One person's facts, each distinctive enough that finding it anywhere means it was kept. */
const zina = { chatId: 730155501, name: "Зинаида", phone: "+79161234567", email: "zina.erasure@example.com", city: "Кострома" };
const boris = { chatId: 730155502, name: "Борис", phone: "+79167654321", email: "boris.keeps@example.com", city: "Тверь" };
const vera = { chatId: 730155503, name: "Верония", phone: "+79031112233", email: "vera.asks@example.com", city: "Вологда" };
const lida = { chatId: 730155504, name: "Лидия", phone: "+79035556677", email: "lida.again@example.com", city: "Таганрог" };

/**
 * The right to erasure on real PostgreSQL: a person's data exported as JSON, then erased with
 * the CLI; afterwards no column or JSON value of any table holds their name, phone, email,
 * city or Telegram id, while another person's data is untouched and the anonymous facts remain.
 */
describe("contacts export and erase", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await flowsFolder({ "lead.yaml": flow });
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
    });
    env = { DATABASE_URL: running.config.DATABASE_URL as string };
    for (const person of [zina, boris, vera, lida]) {
      telegram.pushText(person.chatId, "/start", person.name);
      await telegram.waitForSent(person.chatId, 1);
      for (const [n, answer] of [person.name, person.phone, person.email, person.city].entries()) {
        telegram.pushText(person.chatId, answer, person.name);
        await telegram.waitForSent(person.chatId, n + 2);
      }
    }
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  /** Every row of every table of the app, as text. */
  const everything = async () => {
    const tables = (
      await running.db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`)
    ).rows.map((r) => r.tablename as string);
    const rows: string[] = [];
    for (const table of tables)
      rows.push(...(await running.db.query(`SELECT row_to_json(t)::text AS row FROM "${table}" t`)).rows.map((r) => `${table}: ${r.row}`));
    return rows;
  };
  const facts = (person: typeof zina) => [person.name, person.phone.slice(2), person.email, person.city];
  const traces = (person: typeof zina) => [...facts(person), String(person.chatId)];
  /** No row of any table holds a trace of `gone`; `kept`'s are all still there. (The stranger's update holds Zina's digits, not Zina.) */
  const expectGoneKeeping = async (gone: typeof zina, kept: typeof zina) => {
    const after = (await everything()).filter((row) => !row.includes("Незнакомец"));
    for (const trace of traces(gone))
      expect(
        after.filter((row) => row.includes(trace)),
        trace,
      ).toEqual([]);
    for (const trace of traces(kept))
      expect(
        after.some((row) => row.includes(trace)),
        trace,
      ).toBe(true);
  };

  it("exports everything stored about the person as JSON", async () => {
    const run = await orkestr(["contacts", "export", "8 (916) 123-45-67"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [exported] = JSON.parse(run.stdout);
    expect(exported).toMatchObject({ firstName: zina.name, phone: zina.phone, email: zina.email });
    expect(exported.identities).toEqual([expect.objectContaining({ channel: "telegram", externalId: String(zina.chatId) })]);
    expect(exported.conversations[0].state.vars).toEqual({ city: zina.city });
    expect(exported.events.some((e: { type: string }) => e.type === "message_in")).toBe(true);
  });

  it("asks for --yes, then erases: nothing anywhere names the person, the other is untouched, anonymous facts remain", async () => {
    // Updates that could not be read, kept as received: one of the person's, and one of a stranger
    // whose Telegram id holds the person's digits (it must stay: it is not theirs).
    const stranger = `1${zina.chatId}9`;
    await running.db.query(
      `INSERT INTO "RejectedInbound" (channel, key, reason, body) VALUES ('telegram', '1', 'malformed', $1), ('telegram', '2', 'malformed', $2)`,
      [
        JSON.stringify({ update_id: 1, message: { from: { id: zina.chatId, first_name: zina.name }, text: 7 } }),
        JSON.stringify({ update_id: 2, message: { from: { id: Number(stranger), first_name: "Незнакомец" }, text: 7 } }),
      ],
    );
    const before = await everything();
    for (const trace of traces(zina))
      expect(
        before.some((row) => row.includes(trace)),
        trace,
      ).toBe(true);
    const eventsBefore = Number((await running.db.query(`SELECT count(*) FROM "Event"`)).rows[0].count);

    const unsure = await orkestr(["contacts", "erase", zina.email], { env });
    expect(unsure.code).toBe(1);
    expect(unsure.stderr).toContain("add --yes");
    const erased = await orkestr(["contacts", "erase", zina.email.toUpperCase(), "--yes"], { env });
    expect(erased.stderr).toBe("");
    expect(erased.stdout).toContain("Erased 1 contact(s)");

    await expectGoneKeeping(zina, boris);
    expect((await running.db.query(`SELECT key FROM "RejectedInbound" WHERE body LIKE '%Незнакомец%'`)).rows).toEqual([{ key: "2" }]);
    // The event log keeps its count (and one more: the erasure); the follow-up will not go.
    expect(Number((await running.db.query(`SELECT count(*) FROM "Event"`)).rows[0].count)).toBe(eventsBefore + 1);
    expect((await running.db.query(`SELECT count(*)::int AS n FROM "Event" WHERE type = 'contact_erased'`)).rows[0].n).toBe(1);
    const followUps = (await running.db.query(`SELECT status FROM "FollowUp" ORDER BY "dueAt"`)).rows.map((r) => r.status);
    expect(followUps.sort()).toEqual(["cancelled", "pending", "pending", "pending"]);
    expect((await orkestr(["contacts", "export", zina.email], { env })).code).toBe(1);
  });

  it("in the chat: «удалите мои данные» asks to confirm with a button, then erases; the confirmation is the last message", async () => {
    telegram.pushText(vera.chatId, "Удалите, пожалуйста, все мои данные", vera.name);
    const [, , , , , ask] = await telegram.waitForSent(vera.chatId, 6);
    expect(ask?.text).toContain("Удалить все ваши данные");
    telegram.pressButton(vera.chatId, "Да, удалить");
    const [, , , , , , done] = await telegram.waitForSent(vera.chatId, 7);
    expect(done?.text).toContain("ваши данные удалены");
    // The sweep removes the address once the confirmation went.
    expect(await running.app.runtime.finishErasures()).toBe(1);
    await expectGoneKeeping(vera, boris);
    expect(telegram.sent(vera.chatId)).toHaveLength(7);
  });

  it("in the chat: a person who writes again before the sweep starts afresh, and nothing of them joins the erased contact", async () => {
    telegram.pushText(lida.chatId, "удалите мои данные", lida.name);
    await telegram.waitForSent(lida.chatId, 6);
    telegram.pressButton(lida.chatId, "Да, удалить");
    await telegram.waitForSent(lida.chatId, 7);
    // Before the sweep has removed the address: a new contact, asked from the start.
    telegram.pushText(lida.chatId, "/start", "Лида");
    const [again] = (await telegram.waitForSent(lida.chatId, 8)).slice(7);
    expect(again?.text).toBe("Как вас зовут?");
    const owners = await running.db.query(
      `SELECT c."erasedAt" IS NOT NULL AS erased, c."firstName" FROM "ChannelIdentity" i JOIN "Contact" c ON c.id = i."contactId" WHERE i."externalId" = $1`,
      [String(lida.chatId)],
    );
    expect(owners.rows).toEqual([{ erased: false, firstName: "Лида" }]);
    const erasedEvents = await running.db.query(
      `SELECT e.type, e.data::text AS data FROM "Event" e JOIN "Contact" c ON c.id = e."contactId" WHERE c."erasedAt" IS NOT NULL AND e.data::text <> '{}'`,
    );
    expect(erasedEvents.rows).toEqual([]);
    // The sweep still removes what was sent to the erased contact.
    expect(await running.app.runtime.finishErasures()).toBe(1);
    const after = (await everything()).filter((row) => facts(lida).some((fact) => row.includes(fact)));
    expect(after).toEqual([]);
  });
});
