import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTexts } from "../core/texts/engine-texts.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const ru = engineTexts.ru;
const supportChat = -1003333333333;
const publicUrl = "https://bot.example.com";
const surveyFlow = (id: string, trigger: string) => `id: ${id}
title: ${id}
triggers: [{ start: ${trigger} }]
settings: { requireConsent: false }
steps:
  - id: nps
    survey:
      id: nps_after_purchase
      scale: nps
      text: Насколько вероятно, что вы порекомендуете нас друзьям?
      once: 90d
      comment: { text: Что можно улучшить?, low: Жаль! Что пошло не так? }
    branches: [{ group: detractors, goto: sorry }]
    skipped: asked
  - id: review
    review:
      text: Будем рады отзыву!
      links: [{ text: Яндекс Карты, url: "https://yandex.ru/maps/org/orkestr/1" }]
    goto: bye
  - id: sorry
    handoff: { reason: Недоволен (NPS), say: Нам жаль. Передаю менеджеру., resume: review }
  - id: bye
    end: Спасибо!
  - id: asked
    end: Вы уже ответили на наш опрос, спасибо!
`;

/**
 * Surveys end to end on real PostgreSQL and Redis, through the real grammY and vk-io: answers are
 * kept once whatever Telegram delivers twice, a survey is not put to a contact twice within its
 * period across flows, review links are counted through the app's redirect, VK gets NPS as a
 * keyboard within its limits, and an unhappy answer is posted to the support group.
 */
describe("surveys", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(783);
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await telegram.start();
    await vk.start();
    telegram.addSupergroup(supportChat);
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-surveys-"));
    await writeFile(join(flowsDir, "after.yaml"), surveyFlow("after", "after"));
    await writeFile(join(flowsDir, "later.yaml"), surveyFlow("later", "later"));
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      PUBLIC_URL: publicUrl,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      SUPPORT_CHAT_ID: String(supportChat),
      SUPPORT_GROUP_WINDOW_SECONDS: "3",
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "783",
      VK_API_BASE_URL: `${vk.url}/method`,
    });
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
    await vk.stop();
  });

  const responsesOf = async (externalId: string) =>
    (
      await running.db.query(
        `SELECT r."flowId", r.score, r."scoreGroup", r.comment, r.channel, r."answeredAt" IS NOT NULL AS answered FROM "SurveyResponse" r
         JOIN "ChannelIdentity" i ON i."contactId" = r."contactId" WHERE i."externalId" = $1 ORDER BY r."sentAt"`,
        [externalId],
      )
    ).rows;

  it("keeps a score once when its button is pressed twice and the update delivered again; the same survey is not asked again in another flow", async () => {
    telegram.pushText(6001, "/start after", "Ева");
    await telegram.waitForSent(6001, 1);
    const press = telegram.pressButton(6001, "10");
    telegram.pressButton(6001, "10");
    telegram.redeliverPushed(press);
    const sent = await telegram.waitForSent(6001, 3);
    expect(sent[1]?.text).toBe("Что можно улучшить?");
    expect(sent[2]?.text).toBe(`${ru.surveyAlreadyAnswered}\n\nЧто можно улучшить?`);
    telegram.pushText(6001, "Всё отлично", "Ева");
    const done = await telegram.waitForSent(6001, 6);
    expect(done.slice(3).map((m) => m.text)).toEqual([ru.surveyThanks, "Будем рады отзыву!", "Спасибо!"]);
    expect(await responsesOf("6001")).toEqual([
      { flowId: "after", score: 10, scoreGroup: "promoter", comment: "Всё отлично", channel: "telegram", answered: true },
    ]);
    const answered = await running.db.query(
      `SELECT count(*)::int AS n FROM "Event" WHERE type = 'survey_answered' AND data->>'part' = 'score'`,
    );
    expect(answered.rows[0]?.n).toBe(1);

    // Another flow with the same survey, a week later in spirit: within 90 days it is not asked.
    telegram.pushText(6001, "/start later", "Ева");
    const [, , , , , , skipped] = await telegram.waitForSent(6001, 7);
    expect(skipped?.text).toBe("Вы уже ответили на наш опрос, спасибо!");
    expect(await responsesOf("6001")).toHaveLength(1);
  });

  it("counts a review link through /r/<id> and redirects to the site (302); an unknown link is 404", async () => {
    const review = telegram.sent(6001).find((m) => m.text === "Будем рады отзыву!");
    const markup = review?.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; url: string }>> } | undefined;
    const button = markup?.inline_keyboard[0]?.[0] ?? { text: "", url: "" };
    expect(button.text).toBe("Яндекс Карты");
    expect(button.url).toMatch(new RegExp(`^${publicUrl}/r/[\\w-]{12}$`));
    const path = new URL(button.url).pathname;
    const opened = await fetch(`${running.app.url}${path}`, { redirect: "manual" });
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("https://yandex.ru/maps/org/orkestr/1");
    const { rows } = await running.db.query(`SELECT clicks, "firstClickedAt" IS NOT NULL AS clicked FROM "ReviewLink"`);
    expect(rows).toEqual([{ clicks: 1, clicked: true }]);
    const clicked = await running.db.query(`SELECT data FROM "Event" WHERE type = 'review_link_clicked'`);
    expect(clicked.rows.map((r) => r.data)).toEqual([{ linkId: path.slice(3), label: "Яндекс Карты", surveyId: "nps_after_purchase" }]);
    expect((await fetch(`${running.app.url}/r/unknownlink1`, { redirect: "manual" })).status).toBe(404);
    expect((await fetch(`${running.app.url}/r/x`, { redirect: "manual" })).status).toBe(404);
  });

  it("on VK: NPS as a keyboard within VK's limits, a typed «3» taken; the unhappy answer posted to the support group, then handed over with it on the card", async () => {
    vk.pushMessage(7001, "after", { ref: "after" });
    const [question] = await vk.waitForSent(7001, 1);
    const keyboard = question?.keyboard as { inline: boolean; buttons: unknown[][] };
    expect(keyboard.inline).toBe(false);
    expect(keyboard.buttons.flat()).toHaveLength(11);
    expect(keyboard.buttons.every((row) => row.length <= 5)).toBe(true);
    vk.pushMessage(7001, "ну на 3");
    const [, low] = await vk.waitForSent(7001, 2);
    expect(low?.text).toBe("Жаль! Что пошло не так?");
    vk.pushMessage(7001, "Курьер опоздал");
    const rest = await vk.waitForSent(7001, 4);
    expect(rest.slice(2).map((m) => m.text)).toEqual([ru.surveyThanks, "Нам жаль. Передаю менеджеру."]);
    expect(await responsesOf("7001")).toEqual([
      { flowId: "after", score: 3, scoreGroup: "detractor", comment: "Курьер опоздал", channel: "vk", answered: true },
    ]);
    const topic = await waitFor(
      () => telegram.topics(supportChat).find((t) => / · VK · /.test(t.name)),
      (found) => found !== undefined,
      "the VK customer's topic",
    );
    const posts = await waitFor(
      () => telegram.topicPosts(supportChat, topic?.threadId as number).map((p) => p.text ?? ""),
      (all) => all.length >= 4,
      "the first card, the notices and the handoff's card",
    );
    // The score was posted as it came, before anyone asked for a person …
    expect(posts[0]).toContain("VK: https://vk.com/id7001");
    expect(posts.slice(1, 3)).toEqual([
      "⚠️ Опрос nps_after_purchase: оценка 3 из 10 (критик).",
      "⚠️ Комментарий к оценке 3: «Курьер опоздал»",
    ]);
    // … and the detractor branch handed the conversation over with the score and comment on the card.
    expect(posts[3]).toContain("Причина: Недоволен (NPS)");
    expect(posts[3]).toContain("Опрос: nps_after_purchase — 3 (nps), «Курьер опоздал»");
    const { rows } = await running.db.query(`SELECT status FROM "SupportThread"`);
    expect(rows).toEqual([{ status: "open" }]);
  });
});
