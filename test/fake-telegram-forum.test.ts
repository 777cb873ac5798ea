import { Api, GrammyError, InputFile } from "grammy";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { loadTelegramSpec, telegramCallProblems } from "./support/telegram-spec.ts";

const TOKEN = "123:TEST-token";
const BOT = { id: 123, is_bot: true, first_name: "Orkestr Test", username: "orkestr_test_bot" };
const DESK = -1001000000001;
const OTHER_DESK = -1001000000002;
const NO_RIGHTS = -1001000000003;
const MEMBER = -1001000000004;
const LEFT = -1001000000005;
const PLAIN = -1001000000006;
const CUSTOMER = 501;
const STAFF = { id: 900, first_name: "Ольга", last_name: "Петрова", username: "olga_support" };

/** The refusal grammY throws: Telegram's error code and description, as the fake answered them. */
async function refusal(promise: Promise<unknown>): Promise<{ error_code: number; description: string; retry_after?: number }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GrammyError)) throw new Error(`Expected a GrammyError, got ${String(error)}`);
  return { error_code: error.error_code, description: error.description, ...error.parameters };
}

/**
 * The fake Bot API must refuse the forum calls the real one refuses, or a support desk tested
 * against it proves nothing: each rule is shown refusing a bad call and accepting the good one,
 * through the real grammY Api and, for what grammY's types would not let through, plain fetch.
 */
describe("fake Telegram Bot API: a support desk in a forum supergroup", () => {
  const fake = new FakeTelegramApi();
  let api: Api;

  beforeAll(async () => {
    await fake.start();
    api = new Api(TOKEN, { apiRoot: fake.url });
    fake.addSupergroup(DESK, { title: "Служба поддержки" });
    fake.addSupergroup(OTHER_DESK, { title: "Другая поддержка" });
    fake.addSupergroup(NO_RIGHTS, { canManageTopics: false });
    fake.addSupergroup(MEMBER, { botStatus: "member" });
    fake.addSupergroup(LEFT, { botStatus: "left" });
    fake.addSupergroup(PLAIN, { isForum: false, title: "Обычная группа" });
    fake.pushText(CUSTOMER, "Здравствуйте, у меня вопрос");
  });
  afterAll(async () => {
    await fake.stop();
  });

  async function call(method: string, params: unknown) {
    const response = await fetch(`${fake.url}/bot${TOKEN}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    return { status: response.status, body: (await response.json()) as { ok: boolean; result?: unknown; description?: string } };
  }

  /** The update with this id, read through getUpdates as the bot would. */
  async function update(updateId: number): Promise<Record<string, unknown> & { message: Record<string, unknown> }> {
    const updates = await api.getUpdates({ offset: updateId, timeout: 0 });
    const found = updates.find((u) => u.update_id === updateId);
    if (!found) throw new Error(`No update ${updateId}`);
    return found as unknown as Record<string, unknown> & { message: Record<string, unknown> };
  }

  async function openTopic(chatId = DESK, name = "Клиент") {
    return (await api.createForumTopic(chatId, name)).message_thread_id;
  }

  describe("getChat and getChatMember", () => {
    it("describes a forum, a plain supergroup and a private chat it met, and knows no other chat", async () => {
      const forum = await api.getChat(DESK);
      expect(forum).toMatchObject({ id: DESK, type: "supergroup", title: "Служба поддержки", is_forum: true });
      const plain = await api.getChat(PLAIN);
      expect(plain).toMatchObject({ id: PLAIN, type: "supergroup", title: "Обычная группа" });
      expect(plain).not.toHaveProperty("is_forum");
      expect(await api.getChat(CUSTOMER)).toMatchObject({ id: CUSTOMER, type: "private", first_name: "Анна" });
      expect(await refusal(api.getChat(-1009999999999))).toEqual({ error_code: 400, description: "Bad Request: chat not found" });
      expect(await refusal(api.getChat(777))).toEqual({ error_code: 400, description: "Bad Request: chat not found" });
    });

    it("answers the bot as administrator, member or left, as each chat registered it", async () => {
      expect(await api.getChatMember(DESK, BOT.id)).toEqual({
        status: "administrator",
        user: BOT,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: false,
        can_restrict_members: false,
        can_promote_members: false,
        can_change_info: false,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_manage_topics: true,
      });
      expect(await api.getChatMember(NO_RIGHTS, BOT.id)).toMatchObject({ status: "administrator", can_manage_topics: false });
      expect(await api.getChatMember(MEMBER, BOT.id)).toEqual({ status: "member", user: BOT });
      expect(await api.getChatMember(LEFT, BOT.id)).toEqual({ status: "left", user: BOT });
      expect(await api.getChatMember(DESK, CUSTOMER)).toEqual({
        status: "member",
        user: { id: CUSTOMER, is_bot: false, first_name: "Анна" },
      });
      expect(await refusal(api.getChatMember(-1009999999999, BOT.id))).toMatchObject({ description: "Bad Request: chat not found" });
    });

    it("answers every field the Bot API spec requires of ChatFullInfo and ChatMemberAdministrator", async (context) => {
      const spec = loadTelegramSpec();
      if (!spec) {
        console.warn("../shared/specs/telegram/bot-api.json is absent: field check skipped");
        context.skip();
        return;
      }
      const missing = (type: string, value: object) =>
        (spec.types[type]?.fields ?? []).filter((f) => f.required && !(f.name in value)).map((f) => `${type}.${f.name}`);
      expect(spec.types.ChatFullInfo?.fields?.length).toBeGreaterThan(5);
      expect([
        ...missing("ChatFullInfo", await api.getChat(DESK)),
        ...missing("ChatFullInfo", await api.getChat(CUSTOMER)),
        ...missing("ChatMemberAdministrator", await api.getChatMember(NO_RIGHTS, BOT.id)),
        ...missing("ChatMemberLeft", await api.getChatMember(LEFT, BOT.id)),
        ...missing("ForumTopic", await api.createForumTopic(DESK, "Поля")),
      ]).toEqual([]);
    });
  });

  describe("createForumTopic", () => {
    it("refuses a chat that is not a forum, and a bot without the right to manage topics", async () => {
      const notForum = { error_code: 400, description: "Bad Request: the chat is not a forum" };
      expect(await refusal(api.createForumTopic(PLAIN, "Клиент"))).toEqual(notForum);
      expect(await refusal(api.createForumTopic(CUSTOMER, "Клиент"))).toEqual(notForum);
      const noRights = { error_code: 400, description: "Bad Request: not enough rights to create a topic" };
      expect(await refusal(api.createForumTopic(NO_RIGHTS, "Клиент"))).toEqual(noRights);
      expect(await refusal(api.createForumTopic(MEMBER, "Клиент"))).toEqual(noRights);
      expect(await refusal(api.createForumTopic(LEFT, "Клиент"))).toMatchObject({ error_code: 403 });
      expect(fake.topics(NO_RIGHTS)).toEqual([]);
      expect(fake.topics(MEMBER)).toEqual([]);
    });

    it("accepts a Cyrillic name of 128 characters and refuses 129 or none", async () => {
      const before = fake.topics(DESK).length;
      const long = "Ж".repeat(129);
      expect(await refusal(api.createForumTopic(DESK, long))).toEqual({ error_code: 400, description: "Bad Request: TOPIC_NAME_INVALID" });
      expect(await refusal(api.createForumTopic(DESK, ""))).toEqual({ error_code: 400, description: "Bad Request: TOPIC_NAME_INVALID" });
      expect((await call("createForumTopic", { chat_id: DESK })).body).toMatchObject({
        ok: false,
        description: 'Bad Request: parameter "name" is required',
      });
      expect(fake.topics(DESK).length).toBe(before);

      const topic = await api.createForumTopic(DESK, long.slice(0, 128));
      expect(topic).toEqual({ message_thread_id: expect.any(Number), name: long.slice(0, 128), icon_color: 0x6fb9f0 });
      expect(fake.topics(DESK).at(-1)).toEqual({
        threadId: topic.message_thread_id,
        name: long.slice(0, 128),
        closed: false,
        iconColor: 0x6fb9f0,
      });
    });

    it("takes only the six documented icon colours", async () => {
      const pink = await api.createForumTopic(DESK, "Розовая", { icon_color: 16749490 });
      expect(pink.icon_color).toBe(0xff93b2);
      const refused = await call("createForumTopic", { chat_id: DESK, name: "Чёрная", icon_color: 0 });
      expect(refused.status).toBe(400);
      expect(refused.body.description).toMatch(/^Bad Request: icon_color/);
    });

    it("gives each topic a fresh thread id from the message id counter", async () => {
      const before = await api.sendMessage(CUSTOMER, "до");
      const first = await openTopic(DESK, "Первый");
      const second = await openTopic(DESK, "Второй");
      expect(first).toBeGreaterThan(before.message_id);
      expect(second).toBeGreaterThan(first);
    });
  });

  describe("editForumTopic, closeForumTopic, reopenForumTopic", () => {
    it("renames a topic, and refuses an edit that changes nothing", async () => {
      const thread = await openTopic(DESK, "Анна, заказ 17");
      expect(await api.editForumTopic(DESK, thread, { name: "Анна, заказ 17 — оплачен" })).toBe(true);
      expect(fake.topics(DESK).find((t) => t.threadId === thread)?.name).toBe("Анна, заказ 17 — оплачен");
      const notModified = { error_code: 400, description: "Bad Request: TOPIC_NOT_MODIFIED" };
      expect(await refusal(api.editForumTopic(DESK, thread, { name: "Анна, заказ 17 — оплачен" }))).toEqual(notModified);
      expect(await refusal(api.editForumTopic(DESK, thread, {}))).toEqual(notModified);
      expect(await refusal(api.editForumTopic(DESK, thread, { name: "Я".repeat(129) }))).toMatchObject({
        description: "Bad Request: TOPIC_NAME_INVALID",
      });
    });

    it("closes and reopens once each: a second close or an extra reopen is TOPIC_NOT_MODIFIED", async () => {
      const thread = await openTopic();
      const notModified = { error_code: 400, description: "Bad Request: TOPIC_NOT_MODIFIED" };
      expect(await refusal(api.reopenForumTopic(DESK, thread))).toEqual(notModified);
      expect(await api.closeForumTopic(DESK, thread)).toBe(true);
      expect(fake.topics(DESK).find((t) => t.threadId === thread)?.closed).toBe(true);
      expect(await refusal(api.closeForumTopic(DESK, thread))).toEqual(notModified);
      expect(await api.reopenForumTopic(DESK, thread)).toBe(true);
      expect(fake.topics(DESK).find((t) => t.threadId === thread)?.closed).toBe(false);
    });

    it("refuses a topic the chat does not have, and a bot without the right", async () => {
      const thread = await openTopic(DESK);
      const invalid = { error_code: 400, description: "Bad Request: TOPIC_ID_INVALID" };
      expect(await refusal(api.closeForumTopic(DESK, 999_999))).toEqual(invalid);
      expect(await refusal(api.closeForumTopic(OTHER_DESK, thread))).toEqual(invalid);
      expect(await refusal(api.editForumTopic(DESK, 999_999, { name: "x" }))).toEqual(invalid);
      expect(await refusal(api.closeForumTopic(PLAIN, thread))).toMatchObject({ description: "Bad Request: the chat is not a forum" });
      expect(await refusal(api.closeForumTopic(NO_RIGHTS, thread))).toMatchObject({ error_code: 400, description: /not enough rights/ });

      // Rights taken away after the topic was made: the topic stays, managing it is refused.
      fake.addSupergroup(OTHER_DESK, { title: "Другая поддержка" });
      const other = await openTopic(OTHER_DESK);
      fake.addSupergroup(OTHER_DESK, { title: "Другая поддержка", canManageTopics: false });
      expect(fake.topics(OTHER_DESK).map((t) => t.threadId)).toContain(other);
      expect(await refusal(api.closeForumTopic(OTHER_DESK, other))).toMatchObject({ description: /not enough rights/ });
      fake.addSupergroup(OTHER_DESK, { title: "Другая поддержка" });
      expect(await api.closeForumTopic(OTHER_DESK, other)).toBe(true);
    });
  });

  describe("posting into topics", () => {
    it("answers a post in a topic as a supergroup topic message", async () => {
      const thread = await openTopic(DESK, "Анна");
      const message = await api.sendMessage(DESK, "Новое обращение", { message_thread_id: thread });
      expect(message).toMatchObject({
        chat: { id: DESK, type: "supergroup", title: "Служба поддержки", is_forum: true },
        message_thread_id: thread,
        is_topic_message: true,
        from: BOT,
        text: "Новое обращение",
        reply_to_message: { message_id: thread, forum_topic_created: { name: "Анна", icon_color: 0x6fb9f0 } },
      });
      expect(fake.topicPosts(DESK, thread)).toEqual([
        { method: "sendMessage", text: "Новое обращение", params: { chat_id: DESK, text: "Новое обращение", message_thread_id: thread } },
      ]);
    });

    it("refuses a post into a closed topic, and takes it again once the topic is reopened", async () => {
      const thread = await openTopic();
      await api.closeForumTopic(DESK, thread);
      expect(await refusal(api.sendMessage(DESK, "Вы тут?", { message_thread_id: thread }))).toEqual({
        error_code: 400,
        description: "Bad Request: TOPIC_CLOSED",
      });
      expect(fake.topicPosts(DESK, thread)).toEqual([]);
      await api.reopenForumTopic(DESK, thread);
      const message = await api.sendMessage(DESK, "Вы тут?", { message_thread_id: thread });
      expect(message.message_thread_id).toBe(thread);
      expect(fake.topicPosts(DESK, thread).map((p) => p.text)).toEqual(["Вы тут?"]);
    });

    it("refuses a thread that is not a topic of that chat", async () => {
      const elsewhere = await openTopic(OTHER_DESK);
      const notFound = { error_code: 400, description: "Bad Request: message thread not found" };
      expect(await refusal(api.sendMessage(DESK, "Куда?", { message_thread_id: 999_999 }))).toEqual(notFound);
      expect(await refusal(api.sendMessage(DESK, "Куда?", { message_thread_id: elsewhere }))).toEqual(notFound);
      expect(await refusal(api.sendMessage(PLAIN, "Куда?", { message_thread_id: elsewhere }))).toEqual(notFound);
      // A message id that is not a topic is no thread either.
      const plainMessage = await api.sendMessage(DESK, "В General");
      expect(plainMessage).not.toHaveProperty("message_thread_id");
      expect(plainMessage.chat).toMatchObject({ type: "supergroup" });
      expect(await refusal(api.sendMessage(DESK, "Куда?", { message_thread_id: plainMessage.message_id }))).toEqual(notFound);
      expect(await refusal(api.sendMessage(LEFT, "Куда?"))).toEqual({
        error_code: 403,
        description: "Forbidden: bot is not a member of the supergroup chat",
      });
    });

    it("sends a photo by a file_id it issued or uploaded, with a caption of at most 1024 characters", async () => {
      const thread = await openTopic(DESK, "Фото");
      const pushed = await update(fake.pushPhoto(CUSTOMER, "Чек"));
      const sizes = pushed.message.photo as Array<{ file_id: string; file_unique_id: string; width: number; height: number }>;
      expect(sizes.length).toBeGreaterThan(1);
      for (const size of sizes) expect(size).toMatchObject({ file_id: expect.any(String), file_unique_id: expect.any(String) });
      expect(sizes.at(-1)).toMatchObject({ width: 1280, height: 960 });

      const largest = sizes.at(-1)?.file_id as string;
      const sent = await api.sendPhoto(DESK, largest, { caption: "Чек клиента", message_thread_id: thread });
      expect(sent).toMatchObject({ message_thread_id: thread, is_topic_message: true, caption: "Чек клиента" });
      expect(sent.photo.at(-1)?.file_id).toBe(largest);
      expect(await refusal(api.sendPhoto(DESK, largest, { caption: "ю".repeat(1025), message_thread_id: thread }))).toEqual({
        error_code: 400,
        description: "Bad Request: message caption is too long",
      });
      expect(await refusal(api.sendPhoto(DESK, "photo-unknown", { message_thread_id: thread }))).toMatchObject({
        description: "Bad Request: wrong file identifier/HTTP URL specified",
      });

      const uploaded = await api.sendPhoto(CUSTOMER, new InputFile(Buffer.from("not really a jpeg"), "shot.jpg"));
      expect(uploaded.chat).toEqual({ id: CUSTOMER, type: "private" });
      const again = await api.sendPhoto(DESK, uploaded.photo.at(-1)?.file_id as string, { message_thread_id: thread });
      expect(again.photo).toEqual(uploaded.photo);
      expect(fake.topicPosts(DESK, thread).map((p) => [p.method, p.text])).toEqual([
        ["sendPhoto", "Чек клиента"],
        ["sendPhoto", undefined],
      ]);
    });

    it("sends a document into a topic, the customer's own by its file_id too", async () => {
      const thread = await openTopic(DESK, "Документы");
      const pushed = await update(fake.pushDocument(CUSTOMER, "договор.pdf", "Подпишите"));
      const document = pushed.message.document as { file_id: string };
      expect(pushed.message.document).toMatchObject({
        file_name: "договор.pdf",
        mime_type: "application/pdf",
        file_unique_id: expect.any(String),
      });
      const sent = await api.sendDocument(DESK, document.file_id, { message_thread_id: thread, caption: "От клиента" });
      expect(sent).toMatchObject({
        message_thread_id: thread,
        chat: { id: DESK, type: "supergroup" },
        document: { file_id: document.file_id },
      });
      expect(fake.topicPosts(DESK, thread).map((p) => p.text)).toEqual(["От клиента"]);
    });
  });

  describe("copyMessage", () => {
    it("copies a customer's photo into a topic, and remembers what it copied", async () => {
      const thread = await openTopic(DESK, "Копии");
      const pushed = await update(fake.pushPhoto(CUSTOMER, "Сломалось вот тут"));
      const copy = await api.copyMessage(DESK, CUSTOMER, pushed.message.message_id as number, { message_thread_id: thread });
      expect(copy).toEqual({ message_id: expect.any(Number) });
      const [post] = fake.topicPosts(DESK, thread);
      expect(post).toMatchObject({ method: "copyMessage", text: "Сломалось вот тут", copied: { photo: pushed.message.photo } });

      await api.copyMessage(DESK, CUSTOMER, pushed.message.message_id as number, { message_thread_id: thread, caption: "Фото от Анны" });
      expect(fake.topicPosts(DESK, thread).map((p) => p.text)).toEqual(["Сломалось вот тут", "Фото от Анны"]);
      expect(
        await refusal(api.copyMessage(DESK, CUSTOMER, pushed.message.message_id as number, { caption: "ф".repeat(1025) })),
      ).toMatchObject({
        description: "Bad Request: message caption is too long",
      });
    });

    it("copies voice messages, stickers and documents with the shapes Telegram gives them", async () => {
      const thread = await openTopic(DESK, "Вложения");
      const voice = (await update(fake.pushVoice(CUSTOMER))).message;
      expect(voice.voice).toMatchObject({
        file_id: expect.any(String),
        file_unique_id: expect.any(String),
        duration: 4,
        mime_type: "audio/ogg",
      });
      const sticker = (await update(fake.pushSticker(CUSTOMER, "👍"))).message;
      expect(sticker.sticker).toMatchObject({ type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "👍" });
      const document = (await update(fake.pushDocument(CUSTOMER, "счёт.xlsx"))).message;
      for (const message of [voice, sticker, document]) {
        await api.copyMessage(DESK, CUSTOMER, message.message_id as number, { message_thread_id: thread });
      }
      const posts = fake.topicPosts(DESK, thread);
      expect(posts.map((p) => [p.method, p.copied?.message_id])).toEqual(
        [voice, sticker, document].map((m) => ["copyMessage", m.message_id]),
      );
      expect([posts[0]?.copied?.voice, posts[1]?.copied?.sticker, posts[2]?.copied?.document]).toEqual([
        voice.voice,
        sticker.sticker,
        document.document,
      ]);
    });

    it("refuses a message it does not know in from_chat_id, and a service message", async () => {
      const thread = await openTopic(DESK, "Ошибки");
      const pushed = await update(fake.pushPhoto(CUSTOMER));
      const notFound = { error_code: 400, description: "Bad Request: message to copy not found" };
      expect(await refusal(api.copyMessage(DESK, CUSTOMER, 999_999, { message_thread_id: thread }))).toEqual(notFound);
      expect(await refusal(api.copyMessage(DESK, CUSTOMER + 1, pushed.message.message_id as number))).toEqual(notFound);
      expect(await refusal(api.copyMessage(DESK, DESK, thread))).toEqual({
        error_code: 400,
        description: "Bad Request: message can't be copied",
      });
      expect(fake.topicPosts(DESK, thread)).toEqual([]);
    });

    it("relays a staff answer from a topic back to the customer's private chat", async () => {
      const thread = await openTopic(DESK, "Ответы");
      const staffUpdate = await update(fake.pushTopicMessage(DESK, thread, STAFF, "Добрый день! Уже смотрим."));
      expect(staffUpdate.message).toMatchObject({
        message_thread_id: thread,
        is_topic_message: true,
        chat: { id: DESK, type: "supergroup", is_forum: true },
        from: { ...STAFF, is_bot: false },
        text: "Добрый день! Уже смотрим.",
        reply_to_message: { message_id: thread, forum_topic_created: { name: "Ответы" } },
      });
      const copy = await api.copyMessage(CUSTOMER, DESK, staffUpdate.message.message_id as number);
      expect(copy.message_id).toBeGreaterThan(staffUpdate.message.message_id as number);

      const photo = (await update(fake.pushTopicPhoto(DESK, thread, STAFF, "Так должно быть"))).message;
      expect(photo).toMatchObject({ message_thread_id: thread, is_topic_message: true, caption: "Так должно быть" });
      expect(Array.isArray(photo.photo)).toBe(true);
      const file = (await update(fake.pushTopicDocument(DESK, thread, STAFF, "инструкция.pdf", "Инструкция"))).message;
      expect(file).toMatchObject({ message_thread_id: thread, document: { file_name: "инструкция.pdf" }, caption: "Инструкция" });
      await api.copyMessage(CUSTOMER, DESK, file.message_id as number);
      expect(await api.getChatMember(DESK, STAFF.id)).toEqual({ status: "member", user: { ...STAFF, is_bot: false } });
      expect(() => fake.pushTopicMessage(DESK, 999_999, STAFF, "?")).toThrow(/no topic/);
    });
  });

  it("keeps a private sendMessage answering as a private chat", async () => {
    const message = await api.sendMessage(CUSTOMER, "Привет");
    expect(message).toEqual({
      message_id: expect.any(Number),
      date: expect.any(Number),
      chat: { id: CUSTOMER, type: "private" },
      text: "Привет",
    });
    expect(fake.sent(CUSTOMER).at(-1)?.text).toBe("Привет");
  });

  it("accepted only calls the Bot API spec allows", (context) => {
    const spec = loadTelegramSpec();
    if (!spec) {
      console.warn("../shared/specs/telegram/bot-api.json is absent: contract check skipped");
      context.skip();
      return;
    }
    // Refused calls are left out: some break the spec on purpose, to show the refusal.
    const accepted = fake.calls.filter((c) => c.status === 200);
    expect(accepted.length).toBeGreaterThan(20);
    expect(accepted.flatMap((c) => telegramCallProblems(spec, c.method, c.params))).toEqual([]);
    expect(telegramCallProblems(spec, "createForumTopic", { chat_id: DESK })).toEqual(["createForumTopic: missing name"]);
  });
});

describe("fake Telegram Bot API: the group cap", () => {
  const fake = new FakeTelegramApi();
  let api: Api;

  beforeAll(async () => {
    await fake.start();
    api = new Api(TOKEN, { apiRoot: fake.url });
    fake.addSupergroup(DESK);
    fake.addSupergroup(OTHER_DESK);
  });
  afterAll(async () => {
    await fake.stop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("answers 429 beyond the cap with a retry_after that counts down to a free slot", async () => {
    // A flood-control value set for another chat must not leak into the cap's own answer.
    fake.rateLimitNext(CUSTOMER, 1, 7);
    expect(await refusal(api.sendMessage(CUSTOMER, "раз"))).toMatchObject({ error_code: 429, retry_after: 7 });

    const thread = (await api.createForumTopic(DESK, "Поток")).message_thread_id;
    const source = await api.sendMessage(OTHER_DESK, "для копии");
    fake.capGroupPosts(2, 2000);
    // The fake's clock is held and moved by the test: the answers do not depend on how fast the calls go.
    const started = Date.now();
    let now = started;
    vi.spyOn(Date, "now").mockImplementation(() => now);
    await api.sendMessage(DESK, "1", { message_thread_id: thread });
    // A copy takes a slot as a send does.
    await api.copyMessage(DESK, OTHER_DESK, source.message_id);
    expect(await refusal(api.sendMessage(DESK, "3", { message_thread_id: thread }))).toEqual({
      error_code: 429,
      description: "Too Many Requests: retry after 2",
      retry_after: 2,
    });
    expect(await refusal(api.copyMessage(DESK, OTHER_DESK, source.message_id))).toMatchObject({ error_code: 429, retry_after: 2 });
    // Another supergroup and private chats have slots of their own.
    expect((await api.sendMessage(OTHER_DESK, "другой чат")).chat.id).toBe(OTHER_DESK);
    expect((await api.sendMessage(CUSTOMER, "личный")).chat.type).toBe("private");

    now = started + 1100;
    expect(await refusal(api.sendMessage(DESK, "3"))).toMatchObject({ error_code: 429, retry_after: 1 });

    now = started + 2050;
    expect((await api.sendMessage(DESK, "3", { message_thread_id: thread })).text).toBe("3");
    expect(fake.topicPosts(DESK, thread).map((p) => p.text)).toEqual(["1", "3"]);
  });
});
