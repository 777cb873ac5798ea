import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTexts } from "../core/texts/engine-texts.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestApp, startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const ru = engineTexts.ru;
const supportChat = -1001234567890;
const hours = "пн–пт с 9:00 до 18:00";
const flow = `id: help
title: Помощь
default: true
goal: '"customer" in contact.tags'
steps:
  - id: hello
    say: Здравствуйте! Чем помочь?
    buttons: [{ text: Позвать менеджера, goto: human }, { text: Цены, goto: prices }]
  - id: human
    handoff: { reason: Вопрос с сайта, resume: back }
  - id: prices
    say: Курс стоит 4990 ₽.
    buttons: [{ text: Купить, goto: back }]
    followUps: [{ after: 1h, say: Напоминаю о курсе }]
  - id: back
    end: С возвращением! Чем ещё помочь?
`;

/**
 * The support desk end to end: the real grammY bot long-polls a fake Bot API with a forum
 * supergroup, a VK customer comes through a fake VK API; PostgreSQL and Redis are real. Staff
 * write in the customers' topics as Telegram delivers it, and the customers get it on their own
 * channel.
 */
describe("support staff in a Telegram forum group", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(779);
  const olga = { id: 501, first_name: "Ольга", last_name: "Петрова" };
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await telegram.start();
    await vk.start();
    telegram.addSupergroup(supportChat, { title: "Поддержка" });
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-support-flows-"));
    await writeFile(join(flowsDir, "help.yaml"), flow);
    await mkdir(join(flowsDir, "faq"));
    await writeFile(
      join(flowsDir, "faq", "general.yaml"),
      "entries:\n  - id: hours\n    questions: [До скольки вы работаете?]\n    answer: С 9 до 18 по будням.\n",
    );
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      SUPPORT_CHAT_ID: String(supportChat),
      SUPPORT_HOURS_TEXT: hours,
      // Posts are spread over Telegram's minute; a shorter window keeps the test short.
      SUPPORT_GROUP_WINDOW_SECONDS: "3",
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "779",
      VK_API_BASE_URL: `${vk.url}/method`,
    });
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
    await vk.stop();
  });

  const topicOf = async (title: RegExp) =>
    waitFor(
      () => telegram.topics(supportChat).find((t) => title.test(t.name)),
      (topic) => topic !== undefined,
      `a topic named ${title}`,
    ) as Promise<{ threadId: number; name: string; closed: boolean }>;
  const postsIn = (threadId: number, count: number) =>
    waitFor(
      () => telegram.topicPosts(supportChat, threadId).map((p) => p.text ?? ""),
      (posts) => posts.length >= count,
      `${count} posts in topic ${threadId}`,
    );
  const eventsOf = async (type: string) =>
    (await running.db.query(`SELECT data FROM "Event" WHERE type = $1 ORDER BY id`, [type])).rows.map((r) => r.data);

  it("a Telegram customer asks for a person: a topic with the card, their messages there, staff's answers back", async () => {
    telegram.pushText(1001, "/start", "Анна");
    await telegram.waitForSent(1001, 1);
    telegram.pressButton(1001, "Позвать менеджера");
    const [, handedOff] = await telegram.waitForSent(1001, 2);
    expect(handedOff?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} ${hours}.`);

    const topic = await topicOf(/^Анна · Telegram · #\d+$/);
    const [card] = await postsIn(topic.threadId, 1);
    expect(card).toContain("Причина: Вопрос с сайта");
    expect(card).toContain("Telegram: tg://user?id=1001");
    expect(card).toContain("Сценарий: help, шаг human");
    expect(card).toMatch(/Бот: Здравствуйте! Чем помочь\?/);

    // While staff have the conversation the bot says nothing; the customer's words go to the topic.
    telegram.pushText(1001, "У меня не проходит оплата", "Анна");
    expect((await postsIn(topic.threadId, 2))[1]).toBe("У меня не проходит оплата");
    expect(telegram.sent(1001)).toHaveLength(2);

    // A photo is copied into the topic as it is; one from staff is copied to the customer.
    telegram.pushPhoto(1001, "Скрин ошибки");
    const withPhoto = await waitFor(
      () => telegram.topicPosts(supportChat, topic.threadId),
      (posts) => posts.length >= 3,
      "the photo in the topic",
    );
    expect(withPhoto[2]?.method).toBe("copyMessage");
    expect(String(withPhoto[2]?.params.from_chat_id)).toBe("1001");
    telegram.pushTopicPhoto(supportChat, topic.threadId, olga, "Вот где смотреть");
    const copiedToCustomer = await waitFor(
      () => telegram.calls.filter((c) => c.method === "copyMessage" && String(c.params.chat_id) === "1001" && c.status === 200),
      (calls) => calls.length === 1,
      "the staff photo copied to the customer",
    );
    expect(String(copiedToCustomer[0]?.params.from_chat_id)).toBe(String(supportChat));

    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "// проверить платёж в кассе");
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "Здравствуйте, Анна! Сейчас проверю.");
    const [, , answer] = await telegram.waitForSent(1001, 3);
    expect(answer?.text).toBe("Здравствуйте, Анна! Сейчас проверю.");
    expect(await eventsOf("staff_message")).toEqual([
      { staffId: "501", staffName: "Ольга Петрова", text: "Вот где смотреть", file: true },
      { staffId: "501", staffName: "Ольга Петрова", text: "Здравствуйте, Анна! Сейчас проверю." },
    ]);
    expect(await eventsOf("staff_note")).toEqual([{ staffId: "501", staffName: "Ольга Петрова", text: "проверить платёж в кассе" }]);

    // The same staff message taken twice (a redelivery) reaches the customer once.
    const topicRef = { chatId: String(supportChat), topicId: topic.threadId };
    const staff = { id: "501", name: "Ольга Петрова" };
    expect(await running.app.runtime.receiveFromStaff("support:test:1", topicRef, staff, "Нашла ваш платёж.")).toBe(true);
    expect(await running.app.runtime.receiveFromStaff("support:test:1", topicRef, staff, "Нашла ваш платёж.")).toBe(false);
    await telegram.waitForSent(1001, 4);

    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/close");
    const sent = await telegram.waitForSent(1001, 6);
    expect(sent.slice(3).map((m) => m.text)).toEqual(["Нашла ваш платёж.", ru.handoffEnded, "С возвращением! Чем ещё помочь?"]);
    expect((await postsIn(topic.threadId, 4)).at(-1)).toBe(ru.staffClosed);
    await waitFor(
      () => telegram.topics(supportChat).find((t) => t.threadId === topic.threadId)?.closed,
      (closed) => closed === true,
      "the topic closed",
    );
    const { rows } = await running.db.query(
      `SELECT c."handedOffAt", t.status FROM "Contact" c JOIN "SupportThread" t ON t."contactId" = c.id WHERE t."topicId" = $1`,
      [topic.threadId],
    );
    expect(rows).toEqual([{ handedOffAt: null, status: "closed" }]);

    // Handed back, the bot answers again; asking again reopens the same topic.
    telegram.pushText(1001, "/start", "Анна");
    await telegram.waitForSent(1001, 7);
    telegram.pressButton(1001, "Позвать менеджера");
    await telegram.waitForSent(1001, 8);
    await waitFor(
      () => telegram.topics(supportChat).filter((t) => /^Анна/.test(t.name)),
      (topics) => topics.length === 1 && topics[0]?.closed === false,
      "the same topic reopened",
    );
    expect((await postsIn(topic.threadId, 5)).at(-1)).toContain("Причина: Вопрос с сайта");
  });

  it("a VK customer typing «оператор» gets a topic of their own; /info, unknown commands and the answer on VK (files: support-files.test.ts)", async () => {
    vk.pushMessage(2002, "оператор");
    const [handedOff] = await vk.waitForSent(2002, 1);
    expect(handedOff?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} ${hours}.`);
    const topic = await topicOf(/· VK · #\d+$/);
    expect((await postsIn(topic.threadId, 1))[0]).toContain("VK: https://vk.com/id2002");

    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/refund");
    expect((await postsIn(topic.threadId, 2))[1]).toBe(ru.staffHelp);
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/info");
    expect((await postsIn(topic.threadId, 3))[2]).toContain("Причина: keyword");
    // The card is edited in place when a fact on it changes (a tag here), not for every message.
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/tag vip");
    expect((await postsIn(topic.threadId, 4))[3]).toBe(`${ru.staffTagged} vip`);
    const [first, , latest] = await waitFor(
      () => telegram.topicPosts(supportChat, topic.threadId),
      (posts) => posts[2]?.edits === 1,
      "the latest card edited",
    );
    expect(latest?.text).toContain("Метки: vip");
    expect(first?.edits).toBeUndefined();
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "Добрый день! Чем помочь?");
    const [, answer] = await vk.waitForSent(2002, 2);
    expect(answer?.text).toBe("Добрый день! Чем помочь?");
  });

  it("a VK customer the knowledge base cannot answer presses «Позвать менеджера» and is handed over", async () => {
    vk.pushMessage(2003, "а вы любите котиков?");
    await vk.waitForSent(2003, 1);
    vk.pressButton(2003, ru.faqAskHuman);
    const [, handedOff] = await vk.waitForSent(2003, 2);
    expect(handedOff?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} ${hours}.`);
    const { rows } = await running.db.query(
      `SELECT e.data FROM "Event" e JOIN "ChannelIdentity" i ON i."contactId" = e."contactId"
       WHERE i."externalId" = '2003' AND e.type = 'handoff_started'`,
    );
    expect(rows.map((r) => r.data)).toEqual([{ reason: "faq", via: "faq" }]);
  });

  it("the other ways in: a Telegram customer by the FAQ's «Позвать менеджера», a VK customer by the flow's step, handed back on VK", async () => {
    telegram.pushText(1007, "а вы любите котиков?", "Зоя");
    await telegram.waitForSent(1007, 1);
    telegram.pressButton(1007, ru.faqAskHuman);
    const [, telegramHandedOff] = await telegram.waitForSent(1007, 2);
    expect(telegramHandedOff?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} ${hours}.`);
    expect((await postsIn((await topicOf(/^Зоя · Telegram/)).threadId, 1))[0]).toContain("Причина: faq");

    vk.pushMessage(2004, "Начать", { payload: JSON.stringify({ command: "start" }) });
    await vk.waitForSent(2004, 1);
    vk.pressButton(2004, "Позвать менеджера");
    const [, vkHandedOff] = await vk.waitForSent(2004, 2);
    expect(vkHandedOff?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} ${hours}.`);
    const topic = await waitFor(
      () => telegram.topics(supportChat).find((t) => telegram.topicPosts(supportChat, t.threadId)[0]?.text?.includes("vk.com/id2004")),
      (found) => found !== undefined,
      "the topic of VK customer 2004",
    );
    expect((await postsIn(topic?.threadId as number, 1))[0]).toContain("Причина: Вопрос с сайта");
    telegram.pushTopicMessage(supportChat, topic?.threadId as number, olga, "/close");
    const sent = await vk.waitForSent(2004, 4);
    expect(sent.slice(2).map((m) => m.text)).toEqual([ru.handoffEnded, "С возвращением! Чем ещё помочь?"]);
  });

  it("a restart in the middle of a handoff keeps it: what either side wrote meanwhile arrives once", async () => {
    telegram.pushText(1005, "/operator", "Глеб");
    await telegram.waitForSent(1005, 1);
    const topic = await topicOf(/^Глеб/);
    await postsIn(topic.threadId, 1);
    await running.app.stop();
    // Taken by Telegram while the app is down, delivered once it polls again.
    telegram.pushText(1005, "Вы тут?", "Глеб");
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "Да, Глеб, слушаю.");
    running.app = await startTestApp(running.config);
    expect((await postsIn(topic.threadId, 2))[1]).toBe("Вы тут?");
    const [, reply] = await telegram.waitForSent(1005, 2);
    expect(reply?.text).toBe("Да, Глеб, слушаю.");
    // Still with staff: the bot does not answer, and nothing came twice.
    telegram.pushText(1005, "Спасибо", "Глеб");
    await postsIn(topic.threadId, 3);
    expect(telegram.sent(1005)).toHaveLength(2);
    expect(telegram.topicPosts(supportChat, topic.threadId).map((p) => p.text)).toEqual([
      expect.stringContaining("Причина: keyword"),
      "Вы тут?",
      "Спасибо",
    ]);
  });

  it("follow-ups that come due during a handoff are held, and go out once staff hand the conversation back", async () => {
    telegram.pushText(1003, "/start", "Борис");
    await telegram.waitForSent(1003, 1);
    telegram.pressButton(1003, "Цены");
    await telegram.waitForSent(1003, 2);
    telegram.pushText(1003, "позовите человека", "Борис");
    await telegram.waitForSent(1003, 3);
    const followUp = async () =>
      (
        await running.db.query(
          `SELECT f.id, f.status FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
           JOIN "ChannelIdentity" i ON i."contactId" = v."contactId" WHERE i."externalId" = '1003'`,
        )
      ).rows as Array<{ id: string; status: string }>;
    const [planned] = await followUp();
    // The follow-up comes due now (as its timer would fire it an hour later): it is held, not sent.
    await running.app.runtime.fireFollowUp(planned?.id as string);
    expect(await followUp()).toEqual([{ id: planned?.id, status: "held" }]);
    expect(await eventsOf("followup_held")).toEqual([{ visit: 2, stepId: "prices", index: 0 }]);
    expect(telegram.sent(1003).map((m) => m.text)).not.toContain("Напоминаю о курсе");

    const topic = await topicOf(/^Борис/);
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/close");
    await telegram.waitForSent(1003, 4);
    // Handed back, it is due again, and goes out when fired.
    await waitFor(followUp, (rows) => rows[0]?.status === "pending", "the follow-up due again");
    await running.app.runtime.fireFollowUp(planned?.id as string);
    const sent = await telegram.waitForSent(1003, 5);
    expect(sent.slice(3).map((m) => m.text)).toEqual([ru.handoffEnded, "Напоминаю о курсе"]);
    expect((await followUp())[0]?.status).toBe("fired");
  });

  it("the flow's goal reached by a staff /tag cancels that contact's pending marketing follow-ups, not another's", async () => {
    const followUpsOf = async (externalId: string) =>
      (
        await running.db.query(
          `SELECT f.status FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
           JOIN "ChannelIdentity" i ON i."contactId" = v."contactId" WHERE i."externalId" = $1`,
          [externalId],
        )
      ).rows.map((r) => r.status);
    for (const [id, name] of [
      [1010, "Дина"],
      [1011, "Лев"],
    ] as const) {
      telegram.pushText(id, "/start", name);
      await telegram.waitForSent(id, 1);
      telegram.pressButton(id, "Цены");
      await telegram.waitForSent(id, 2);
    }
    telegram.pushText(1010, "/operator", "Дина");
    await telegram.waitForSent(1010, 3);
    const topic = await topicOf(/^Дина/);
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "/tag customer");
    expect((await postsIn(topic.threadId, 2))[1]).toBe(`${ru.staffTagged} customer`);
    await waitFor(
      () => followUpsOf("1010"),
      (statuses) => statuses[0] === "cancelled",
      "the follow-up cancelled",
    );
    expect(await followUpsOf("1011")).toEqual(["pending"]);
    expect(await eventsOf("goal_reached")).toEqual([{ goal: '"customer" in contact.tags', afterSeconds: expect.any(Number) }]);
  });

  it("a reply the customer cannot get is named in the topic", async () => {
    telegram.pushText(1004, "/operator", "Вера");
    await telegram.waitForSent(1004, 1);
    const topic = await topicOf(/^Вера/);
    await postsIn(topic.threadId, 1);
    telegram.block(1004);
    telegram.pushTopicMessage(supportChat, topic.threadId, olga, "Вера, вы здесь?");
    const posts = await postsIn(topic.threadId, 2);
    expect(posts[1]).toContain("Не доставлено");
    expect(posts[1]).toContain("Вера, вы здесь?");
    expect(await running.isBlocked("telegram", "1004")).toBe(true);
  });
});

describe("a support group that cannot serve", () => {
  it("stops start-up saying what to change: no topics, the bot no admin, no right to manage topics", async () => {
    const telegram = new FakeTelegramApi();
    await telegram.start();
    try {
      telegram.addSupergroup(-1001000000001, { isForum: false, title: "Без тем" });
      telegram.addSupergroup(-1001000000002, { botStatus: "member" });
      telegram.addSupergroup(-1001000000003, { canManageTopics: false });
      const start = (chatId: number) =>
        startTestAppWithDatabase({
          TELEGRAM_BOT_TOKEN: "123:TEST-token",
          TELEGRAM_API_ROOT: telegram.url,
          SUPPORT_CHAT_ID: String(chatId),
        });
      await expect(start(-1001000000001)).rejects.toThrow(/has no topics: turn on Topics/);
      await expect(start(-1001000000002)).rejects.toThrow(/not an administrator/);
      await expect(start(-1001000000003)).rejects.toThrow(/may not manage topics/);
    } finally {
      await telegram.stop();
    }
  });
});
