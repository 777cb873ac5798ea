import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ReportSurveysOptions, reportSurveysCommand } from "../cli/report-command.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { orkestr } from "./support/orkestr-cli.ts";

// A moment far from the machine's own clock: `--since 30d` must count back from the given one.
const now = new Date("2031-03-01T12:00:00.000Z");
const daysAgo = (days: number, plusHours = 0) => new Date(now.getTime() - days * 86_400_000 + plusHours * 3_600_000);

interface Answer {
  channel: string;
  score: number | null;
  source?: string;
  comment?: string;
  daysAgo: number;
}

/**
 * Survey after-call (NPS, flow sales), sent within the last 30 days:
 *   telegram: 10, 9, 9 (these three came by deep link «ads»), 8, 3, unanswered
 *   vk:       10, 6, 5, unanswered
 * → 10 sent, 8 answered; 4 promoters, 1 passive, 3 detractors.
 * Plus one older than 30 days: a telegram 0 (the first contact's earlier visit).
 * Survey delivery (CSAT, flow shop, web): 5, 4, 2.
 */
const afterCall: Answer[] = [
  { channel: "telegram", score: 10, source: "ads", daysAgo: 10 },
  { channel: "telegram", score: 9, source: "ads", daysAgo: 9 },
  { channel: "telegram", score: 9, source: "ads", daysAgo: 8 },
  { channel: "telegram", score: 8, daysAgo: 7 },
  { channel: "telegram", score: 3, comment: "Долго, и дорого", daysAgo: 6 },
  { channel: "telegram", score: null, daysAgo: 5 },
  { channel: "vk", score: 10, daysAgo: 4 },
  { channel: "vk", score: 6, comment: 'Сказали "перезвоним", не перезвонили', daysAgo: 3 },
  { channel: "vk", score: 5, comment: "Не понравилось", daysAgo: 2 },
  { channel: "vk", score: null, daysAgo: 1 },
];
const band = (score: number) => (score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor");

describe("orkestr report surveys (real PostgreSQL)", () => {
  let databaseUrl: string;
  let db: pg.Client;
  const contacts: string[] = [];

  async function insertResponse(
    contactId: string,
    surveyId: string,
    scale: string,
    flowId: string,
    answer: Answer,
    visit = 1,
  ): Promise<void> {
    const conversation = await db.query<{ id: string }>(
      `INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", channel, "updatedAt") VALUES ($1, $2, $3, 'v1', $4, now())
       ON CONFLICT ("contactId", "flowId") DO UPDATE SET "updatedAt" = now() RETURNING id`,
      [randomUUID(), contactId, flowId, answer.channel],
    );
    const sentAt = daysAgo(answer.daysAgo);
    await db.query(
      `INSERT INTO "SurveyResponse" (id, "surveyId", scale, question, "contactId", "conversationId", "flowId", "flowVersion", "stepId",
         visit, channel, score, "scoreGroup", comment, "sentAt", "answeredAt")
       VALUES ($1, $2, $3, 'How likely…?', $4, $5, $6, 'v1', 'survey', $7, $8, $9, $10, $11, $12, $13)`,
      [
        randomUUID(),
        surveyId,
        scale,
        contactId,
        conversation.rows[0]?.id,
        flowId,
        visit,
        answer.channel,
        answer.score,
        scale === "nps" && answer.score !== null ? band(answer.score) : null,
        answer.comment ?? null,
        // ISO strings: a timestamp column keeps the UTC wall time, as Prisma writes and reads it.
        sentAt.toISOString(),
        answer.score === null ? null : daysAgo(answer.daysAgo, 1).toISOString(),
      ],
    );
  }

  async function insertContact(source?: string): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO "Contact" (id, "firstSource", "lastSource", "updatedAt") VALUES ($1, $2, $2, now())`, [id, source ?? null]);
    contacts.push(id);
    return id;
  }

  async function insertReviewLink(contactId: string, clicks: number, createdDaysAgo = 1): Promise<void> {
    await db.query(
      `INSERT INTO "ReviewLink" (id, "contactId", "flowId", "surveyId", label, url, "createdAt", clicks, "firstClickedAt")
       VALUES ($1, $2, 'sales', 'after-call', 'Яндекс Карты', 'https://yandex.ru/maps/org/1', $3, $4, $5)`,
      [randomUUID().slice(0, 12), contactId, daysAgo(createdDaysAgo).toISOString(), clicks, clicks ? daysAgo(0).toISOString() : null],
    );
  }

  beforeAll(async () => {
    databaseUrl = await freshDatabase(inject("databaseUrl"));
    await (await openDatabase({ databaseUrl, dataDir: "" })).close(); // applies the migrations
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (const answer of afterCall) await insertResponse(await insertContact(answer.source), "after-call", "nps", "sales", answer);
    const [first, second, , , , , vkFirst, , , vkLast] = contacts as [string, ...string[]];
    await insertResponse(first, "after-call", "nps", "sales", { channel: "telegram", score: 0, comment: "old news", daysAgo: 40 }, 0);
    for (const score of [5, 4, 2])
      await insertResponse(await insertContact(), "delivery", "csat", "shop", { channel: "web", score, daysAgo: 3 });
    // Review links of after-call: the first contact twice (2 and 1 clicks), the second never
    // clicked, the first vk contact once; one link from 40 days ago with 7 clicks.
    await insertReviewLink(first, 2);
    await insertReviewLink(first, 1);
    await insertReviewLink(second ?? "", 0);
    await insertReviewLink(vkFirst ?? "", 1);
    await insertReviewLink(vkLast ?? "", 7, 40);
  });
  afterAll(async () => {
    await db?.end();
  });

  async function report(options: ReportSurveysOptions) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = { log: (line: string) => void stdout.push(line), error: (line: string) => void stderr.push(line) };
    const code = await reportSurveysCommand(options, out, {
      clock: () => now,
      openDatabase: () => openDatabase({ databaseUrl, dataDir: "" }),
    });
    return { code, stdout, stderr };
  }
  const json = async (options: ReportSurveysOptions) => {
    const run = await report({ ...options, format: "json" });
    expect(run).toMatchObject({ code: 0, stderr: [] });
    return JSON.parse(run.stdout.join("\n"));
  };

  it("the last 30 days: NPS 12.5 ± 64.2 of 8 answers to 10 surveys, CSAT 3.67", async () => {
    // N = 8, P = 4, D = 3: NPS = 100·(4 − 3)/8 = 12.5; p_P = 0.5, p_D = 0.375
    // var = (0.875 − 0.125²)/8 = 0.107421875; margin = 1.96·√var·100 = 64.24 → [−51.74, 76.74]
    const [afterCallRow, delivery, ...others] = await json({ since: "30d" });
    expect(others).toEqual([]);
    expect(afterCallRow).toMatchObject({ group: "all", surveyId: "after-call", sent: 10, answered: 8, responseRatePercent: 80 });
    expect(afterCallRow).toMatchObject({
      promoters: 4,
      passives: 1,
      detractors: 3,
      nps: 12.5,
      npsMargin: 64.2,
      npsLow: -51.7,
      npsHigh: 76.7,
    });
    // Links made within 30 days: the first, second and vk contacts asked; two clicked, 2 + 1 + 1 clicks.
    expect(afterCallRow).toMatchObject({ reviewRequests: 3, reviewClickedContacts: 2, reviewClicks: 4 });
    expect(afterCallRow.detractorComments.map((c: { comment: string }) => c.comment)).toEqual([
      "Не понравилось",
      'Сказали "перезвоним", не перезвонили',
      "Долго, и дорого",
    ]);
    // (5 + 4 + 2)/3 = 3.67; 4s and 5s: 2 of 3 = 66.7 %
    expect(delivery).toMatchObject({ surveyId: "delivery", scale: "csat", sent: 3, answered: 3, average: 3.67, satisfiedPercent: 66.7 });
    expect(delivery.distribution).toEqual({ 1: 0, 2: 1, 3: 0, 4: 1, 5: 1 });
  });

  it("all time: the old 0 and the old link count too", async () => {
    // N = 9, P = 4, D = 4: NPS 0; var = (8/9)/9 = 0.098765…; margin = 1.96·0.31427·100 = 61.6
    const [afterCallRow] = await json({ survey: "after-call" });
    expect(afterCallRow).toMatchObject({ sent: 11, answered: 9, detractors: 4, nps: 0, npsMargin: 61.6, npsLow: -61.6, npsHigh: 61.6 });
    expect(afterCallRow).toMatchObject({ reviewRequests: 4, reviewClickedContacts: 3, reviewClicks: 11 });
    expect(afterCallRow.detractorComments.at(-1).comment).toBe("old news");
  });

  it("--by channel: review links in the channel of the survey they followed", async () => {
    // telegram: N = 5, P = 3, D = 1: NPS 40, margin 1.96·√((0.8 − 0.16)/5)·100 = 70.1 → [−30.1, 100]
    // vk: N = 3, P = 1, D = 2: NPS −33.3, margin 1.96·√((1 − 1/9)/3)·100 = 106.7 → [−100, 73.4]
    const rows = await json({ since: "30d", by: "channel" });
    expect(rows.map((row: { group: string; surveyId: string }) => `${row.group}/${row.surveyId}`)).toEqual([
      "telegram/after-call",
      "vk/after-call",
      "web/delivery",
    ]);
    expect(rows[0]).toMatchObject({
      sent: 6,
      answered: 5,
      nps: 40,
      npsMargin: 70.1,
      npsLow: -30.1,
      npsHigh: 100,
      reviewRequests: 2,
      reviewClicks: 3,
    });
    expect(rows[1]).toMatchObject({ sent: 4, answered: 3, nps: -33.3, npsMargin: 106.7, npsLow: -100, npsHigh: 73.4, reviewRequests: 1 });
  });

  it("--by source and --by flow", async () => {
    const bySource = await json({ since: "30d", by: "source", survey: "after-call" });
    expect(bySource.map((row: { group: string; sent: number; nps: number }) => [row.group, row.sent, row.nps])).toEqual([
      ["ads", 3, 100],
      ["—", 7, -40],
    ]);
    const byFlow = await json({ since: "2031-01-30", by: "flow" });
    expect(byFlow.map((row: { group: string; sent: number }) => [row.group, row.sent])).toEqual([
      ["sales", 10],
      ["shop", 3],
    ]);
  });

  it("--format csv: a header and one record per group and survey, comments quoted", async () => {
    const run = await report({ since: "30d", by: "channel", format: "csv" });
    expect(run.code).toBe(0);
    const [header, telegram, vk, web, ...more] = run.stdout;
    expect(more).toEqual([]);
    expect(header).toMatch(/^group,survey,scale,sent,answered,response_rate_percent,promoters,passives,detractors,nps,nps_margin,/);
    expect(telegram).toMatch(/^telegram,after-call,nps,6,5,83.3,3,1,1,40,70.1,-30.1,100,/);
    expect(telegram?.endsWith(',"Долго, и дорого"')).toBe(true);
    expect(vk?.endsWith(',"Не понравилось\nСказали ""перезвоним"", не перезвонили"')).toBe(true);
    expect(web).toMatch(/^web,delivery,csat,3,3,100,,,,,,,,3.67,66.7,1:0 2:1 3:0 4:1 5:1,0,0,0,$/);
  });

  it("text: a title and the table", async () => {
    const run = await report({ since: "30d", survey: "after-call" });
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toBe("Survey after-call sent since 2031-01-30 12:00 UTC");
    expect(run.stdout[3]).toMatch(
      /^all\s+after-call\s+nps\s+10\s+8\s+80\.0%\s+12\.5\s+±64\.2 \[-51\.7, 76\.7\]\s+4\/1\/3\s+—\s+—\s+3\/2\/4$/,
    );
  });

  it("the real executable: `orkestr report surveys` with its options", async () => {
    const env = { DATABASE_URL: databaseUrl };
    const run = await orkestr(["report", "surveys", "--survey", "delivery", "--by", "channel", "--format", "csv"], { env });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.split("\n")[1]).toBe("web,delivery,csat,3,3,100,,,,,,,,3.67,66.7,1:0 2:1 3:0 4:1 5:1,0,0,0,");
    const help = await orkestr(["report", "surveys", "--help"]);
    expect(help.stdout).toContain("--since <when>");
  });

  it("nothing to report, and wrong options", async () => {
    expect(await report({ survey: "no-such-survey" })).toEqual({ code: 0, stdout: ["No survey responses match."], stderr: [] });
    expect(await report({ since: "12h" })).toMatchObject({ code: 0, stdout: ["No survey responses match."] });
    expect(await report({ by: "weekday" })).toEqual({ code: 1, stdout: [], stderr: ["--by must be one of: channel, source, flow"] });
    expect(await report({ format: "xml" })).toEqual({ code: 1, stdout: [], stderr: ["--format must be one of: text, csv, json"] });
    const since = await report({ since: "last week" });
    expect(since).toMatchObject({ code: 1, stdout: [] });
    expect(since.stderr[0]).toContain('--since "last week" is neither a period');
  });

  // Last: its rows would change the other figures.
  it("200 NPS surveys in the database: NPS 25.0, 95 % interval [12.2, 37.8], 80 % answered", async () => {
    // 200 sent, 160 answered: 80 promoters, 40 passives, 40 detractors; 40 unanswered.
    // NPS = 100·(80 − 40)/160 = 25; p_P = 0.5, p_D = 0.25; var = (0.75 − 0.25²)/160 = 0.004296875;
    // margin = 1.96·√var·100 = 12.848 → 12.8; interval [12.2, 37.8].
    const scores = [
      ...Array.from({ length: 80 }, (_, i) => (i % 2 ? 9 : 10)),
      ...Array.from({ length: 40 }, (_, i) => (i % 2 ? 7 : 8)),
      ...Array.from({ length: 40 }, (_, i) => i % 7),
      ...Array.from({ length: 40 }, () => null),
    ];
    for (const [i, score] of scores.entries())
      await insertResponse(await insertContact(), "nps-200", "nps", "loyalty", { channel: i % 2 ? "vk" : "telegram", score, daysAgo: 2 });
    const [row] = await json({ survey: "nps-200" });
    expect(row).toMatchObject({
      surveyId: "nps-200",
      sent: 200,
      answered: 160,
      responseRatePercent: 80,
      promoters: 80,
      passives: 40,
      detractors: 40,
      nps: 25,
      npsMargin: 12.8,
      npsLow: 12.2,
      npsHigh: 37.8,
    });
  });
});
