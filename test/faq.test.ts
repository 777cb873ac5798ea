import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

const exampleFlows = new URL("../flows/", import.meta.url).pathname;
const lastLine = (text: string) => text.trimEnd().split("\n").at(-1);

/** The example knowledge base in the running app (real PostgreSQL) and the `orkestr faq` commands. */
describe("FAQ answering", () => {
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    running = await startTestAppWithDatabase({ FLOWS_DIR: exampleFlows });
  });
  afterAll(() => running?.stop());

  it("answers a question mid-flow, repeats the step once, records what it could not answer, and lists it", async () => {
    const chat = new WebChatClient(running.app.url);
    await chat.start("checklist-funnel");
    await chat.waitForBotMessages(1);
    await chat.say("Сколько стоит консультация?");
    const [, answer, again] = await chat.waitForBotMessages(3);
    expect(answer).toMatch(/^Первый разбор рекламного кабинета бесплатный/);
    expect(again).toMatch(/^Привет, друг! 👋/);

    // Not found, twice: the step is not shown again after each (it was, once, above).
    await chat.say("А вы любите котиков?");
    await chat.say("а вы любите котиков ?!");
    const [, , , first, second] = await chat.waitForBotMessages(5);
    expect([first, second]).toEqual(["Не нашёл готового ответа на этот вопрос.", "Не нашёл готового ответа на этот вопрос."]);

    const listed = await orkestr(["faq", "unanswered"], { env: { DATABASE_URL: running.config.DATABASE_URL as string } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ {3}2× {2}а вы любите котиков \?! {2}\(last \d{4}-\d\d-\d\d\)$/m);
  });

  it("faq eval: the shipped labelled questions reach the 90 % target; the last line is the accuracy", async () => {
    const run = await orkestr(["faq", "eval", "flows/faq/eval/labelled-questions.yaml"]);
    expect(run.code).toBe(0);
    const accuracy = Number(/^accuracy: (0\.\d\d|1\.00)$/.exec(lastLine(run.stdout) ?? "")?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  /**
   * The held-out knowledge bases (written blind, see docs/faq-evaluation.md), each with its
   * floor: what the matcher reaches today, so a change that makes it worse fails. The issue's
   * targets (0.90 top-1, 0.97 precision, 0.90 rejection) are not all met yet: top-1 is not.
   */
  const sets = [
    ["development/dental-clinic", "0.86"],
    ["development/online-school", "0.81"],
    ["development/food-delivery", "0.86"],
    ["development/guesthouse-en", "0.76"],
    ["final/furniture-store", "0.79"],
  ] as const;
  it.each(sets)(
    "faq eval on the held-out set %s: in-scope top-1 ≥ %s, outright answers ≥ 0.97 right, off-topic ≥ 0.90 unanswered",
    async (set, min) => {
      const run = await orkestr([
        "faq",
        "eval",
        `test/fixtures/faq-sets/${set}`,
        "--min",
        min,
        "--min-precision",
        "0.97",
        "--min-rejection",
        "0.9",
      ]);
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(/^in-scope top-1: 0\.\d\d /m);
      expect(run.code).toBe(0);
    },
  );

  it("faq eval: fails below --min and names the misses", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "orkestr-faq-")), "cases.yaml");
    writeFileSync(file, "cases:\n  - { q: сколько стоит консультация, expect: refund }\n  - { q: как оплатить картой, expect: payment }\n");
    const run = await orkestr(["faq", "eval", file, "--min", "0.9"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ "сколько стоит консультация": expected refund, answered consultation-price');
    expect(run.stdout).toContain("in-scope top-1: 0.50 (1 of 2; ranked first, shown or not: 1)");
    expect(run.stderr).toContain("below the minimum: in-scope top-1");
  });
});
