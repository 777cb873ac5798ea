import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { waitFor } from "../support/wait-for.ts";
import { LocalHttpServer } from "./local-http-server.ts";
import { parseMultipart } from "./parse-multipart.ts";

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  status?: number;
  /** When the call arrived (ms since epoch). */
  at: number;
}

type Update = Record<string, unknown> & { update_id: number };

/**
 * Answered with Telegram's error shape when a request breaks a documented limit. A 429 may carry
 * its own `retryAfter`: a sliding window knows how long this very caller must wait, which the
 * one value set by `rateLimitNext` cannot say.
 */
class BotApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

/** The bot itself, as getMe answers it and as it appears in members and in the messages it sends. */
/** Telegram lets a bot download files of up to 20 MB (https://core.telegram.org/bots/api#getfile). */
const maxDownloadBytes = 20 * 1024 * 1024;
const BOT = { id: 123, is_bot: true, first_name: "Orkestr Test", username: "orkestr_test_bot" };

/**
 * The six colours createForumTopic accepts (https://core.telegram.org/bots/api#createforumtopic);
 * the first is the one a topic gets when none is asked for.
 */
const TOPIC_ICON_COLORS = [0x6fb9f0, 0xffd67e, 0xcb86db, 0x8eee98, 0xff93b2, 0xfb6f5f];

/**
 * Message fields copyMessage carries over. A message with none of them is a service message
 * (topic created, payment received, ...), which Telegram refuses to copy.
 */
const COPIED_FIELDS = [
  "text",
  "entities",
  "photo",
  "document",
  "voice",
  "sticker",
  "video",
  "audio",
  "animation",
  "video_note",
  "location",
  "contact",
  "venue",
  "dice",
  "caption",
  "caption_entities",
];

/**
 * A local Telegram Bot API server for tests (https://core.telegram.org/bots/api), reached by
 * the real grammY through `client.apiRoot`. It records every call and enforces the limits the
 * project must respect: text 1–4096 characters, callback_data 1–64 bytes, known methods only.
 * Payments follow the same idea: invoices, pre-checkout answers and Stars refunds are checked
 * against the Bot API's rules and against the queries and payments the fake itself issued.
 * A support desk in a forum supergroup too: topics are created, renamed, closed and reopened
 * only with the rights Telegram asks for, posts go only into open topics of that chat, and
 * copyMessage copies only messages the fake knows (pushed to the bot, or sent by it).
 */
export class FakeTelegramApi extends LocalHttpServer {
  readonly calls: RecordedCall[] = [];
  private readonly updates: Update[] = [];
  private readonly redeliveries: Update[] = [];
  private readonly blocked = new Set<string>();
  private readonly rateLimited = new Map<string, number>();
  private readonly rejected = new Map<string, string>();
  private readonly held = new Map<string, () => Promise<void>>();
  private retryAfter = 1;
  /** Messages a second the bot may send across all chats (unset: no cap), and with `allow_paid_broadcast`. */
  private broadcastCap: { free: number; paid: number } | undefined;
  private readonly sentInLastSecond = { free: [] as number[], paid: [] as number[] };
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private readonly uploads = new Map<string, UploadedDocument>();
  private readonly listeners = new Set<(call: RecordedCall) => void>();
  /** Invoice links the bot created, in order. */
  readonly invoices: Invoice[] = [];
  /** Accepted answers to pre-checkout queries, in order. */
  readonly preCheckoutAnswers: PreCheckoutAnswer[] = [];
  /** Accepted refunds of Stars payments, in order. */
  readonly starRefunds: StarRefund[] = [];
  /** Pre-checkout queries the fake issued (pushed or built for a webhook), by id. */
  private readonly preCheckoutQueries = new Map<string, { issuedAt: number; answered: boolean }>();
  /** Successful payments the fake reported, by telegram_payment_charge_id. */
  private readonly payments = new Map<string, { userId: number; currency: string; refunded: boolean }>();
  /** Supergroups registered by `addSupergroup`, by chat id. */
  private readonly supergroups = new Map<number, Supergroup>();
  /**
   * Every message the fake knows, pushed to the bot or sent by it, by `chat/message_id`:
   * copyMessage copies only these, as Telegram copies only messages that exist.
   */
  private readonly messages = new Map<string, Record<string, unknown>>();
  /** Users met in pushed updates, so that getChatMember can name them. */
  private readonly users = new Map<number, TelegramUser>();
  /** Private chats met in pushed updates, which getChat may describe. */
  private readonly privateChats = new Map<number, { first_name?: string; last_name?: string; username?: string }>();
  /** Photos the fake issued (pushed by a user or uploaded by the bot): each size's file_id leads to all sizes. */
  private readonly photos = new Map<string, PhotoSize[]>();
  private nextFileNumber = 1;
  /**
   * What getFile and the file server give for each file a user or staff member sent: its bytes,
   * or only its size when it is larger than the 20 MB a bot may download.
   */
  private readonly fileContents = new Map<string, Buffer | number>();
  /** Every pushed update by its id, so that a test can have it delivered again (`redeliverPushed`). */
  private readonly pushedUpdates = new Map<number, Record<string, unknown>>();
  /** The file (a photo's largest size) in each pushed update that has one. */
  private readonly filesOfUpdates = new Map<number, string>();
  /** The bot's posts in topics by `chat/message_id`, so that an edit shows in `topicPosts`. */
  private readonly topicPostsByMessage = new Map<string, TopicPost>();
  /** The bot's successful posts in each topic, by `chat/thread`. */
  private readonly postsInTopics = new Map<string, TopicPost[]>();
  /** Messages the bot may post to one supergroup within a window (unset: no cap). */
  private groupCap: { perWindow: number; windowMs: number } | undefined;

  /**
   * Calls `listener` with every call (except getUpdates) the moment its body is read, before
   * it is answered: benchmarks time a reply by it. Returns the function that stops listening.
   */
  onCall(listener: (call: RecordedCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues an update for getUpdates; returns its update_id. */
  push(update: Record<string, unknown>): number {
    this.remember(update);
    const update_id = this.nextUpdateId++;
    const message = update.message as { photo?: PhotoSize[]; document?: { file_id: string }; voice?: { file_id: string } } | undefined;
    const file = message?.photo?.at(-1) ?? message?.document ?? message?.voice;
    if (file) this.filesOfUpdates.set(update_id, file.file_id);
    this.pushedUpdates.set(update_id, update);
    this.updates.push({ update_id, ...update });
    this.wakePollers();
    return update_id;
  }

  /** Delivers a pushed update again, as `redeliver` does. */
  redeliverPushed(update_id: number): void {
    const update = this.pushedUpdates.get(update_id);
    if (!update) throw new Error(`no update ${update_id} was pushed`);
    this.redeliver(update_id, update);
  }

  /**
   * Delivers an update again although the bot confirmed it, as Telegram does after a webhook
   * timeout or when a crashed poller never advanced its offset.
   */
  redeliver(update_id: number, update: Record<string, unknown>): void {
    this.redeliveries.push({ ...update, update_id });
    this.wakePollers();
  }

  /** From now on sendMessage to this chat answers 403, as when the user blocked the bot. */
  block(chatId: number): void {
    this.blocked.add(String(chatId));
  }

  /** The next `count` sendMessage calls to this chat answer 429 with `retry_after` seconds (flood control). */
  rateLimitNext(chatId: number, count: number, retryAfter = 1): void {
    this.rateLimited.set(String(chatId), count);
    this.retryAfter = retryAfter;
  }

  /**
   * From now on the bot may send at most `free` messages a second across all chats, or `paid`
   * with `allow_paid_broadcast` (https://core.telegram.org/bots/faq#broadcasting-to-users):
   * beyond that a send answers 429 with retry_after 1, as Telegram's flood control does.
   */
  capBroadcasts(free = 30, paid = 1000): void {
    this.broadcastCap = { free, paid };
  }

  /** The next send to this chat is refused with 400 and this description (e.g. "Bad Request: chat not found"). */
  rejectNext(chatId: number, description: string): void {
    this.rejected.set(String(chatId), description);
  }

  /**
   * The next send to this chat is answered only once `release` is called, as by a slow Bot API;
   * with a `refusal` it is then refused with 400 and that description. `arrived` resolves when
   * the send has come in.
   */
  holdNextSend(chatId: number): { arrived: Promise<void>; release(refusal?: string): void } {
    let arrive = () => {};
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held.set(String(chatId), async () => {
      arrive();
      await released;
    });
    return {
      arrived,
      release: (refusal) => {
        if (refusal) this.rejected.set(String(chatId), refusal);
        release();
      },
    };
  }

  /** A private text message from user `userId`. */
  pushText(userId: number, text: string, firstName = "Анна"): number {
    return this.push(this.textMessage(userId, text, firstName));
  }

  /**
   * The body of an update with a private text message (without update_id). The message counts
   * as existing from now on, so that a webhook test can post the body and the bot copy it.
   */
  textMessage(userId: number, text: string, firstName = "Анна"): Record<string, unknown> {
    const update = { message: { ...this.privateMessageBase(userId, firstName), text } };
    this.remember(update);
    return update;
  }

  /** A private photo from user `userId`, in the three sizes Telegram makes of a camera shot. */
  pushPhoto(userId: number, caption?: string): number {
    return this.push({
      message: { ...this.privateMessageBase(userId), photo: this.issuePhoto(1280, 960), ...(caption ? { caption } : {}) },
    });
  }

  /**
   * A private document from user `userId`. Its file_id works in sendDocument, as a user's file
   * does in Telegram: the bot may hand it on without downloading it.
   */
  pushDocument(userId: number, fileName: string, caption?: string): number {
    return this.push({
      message: { ...this.privateMessageBase(userId), document: this.issueDocument(fileName), ...(caption ? { caption } : {}) },
    });
  }

  /** A private voice message from user `userId`: Opus in Ogg, as Telegram's apps record it. */
  pushVoice(userId: number, duration = 4): number {
    return this.push({ message: { ...this.privateMessageBase(userId), voice: this.issueVoice(duration) } });
  }

  /** A private sticker from user `userId`: a static 512×512 one, the most common kind. */
  pushSticker(userId: number, emoji: string): number {
    const sticker = {
      ...this.issueFile("sticker"),
      type: "regular",
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji,
      file_size: 24_576,
    };
    return this.push({ message: { ...this.privateMessageBase(userId), sticker } });
  }

  /**
   * A staff member writes in a topic of a registered supergroup. As in Telegram, a message in a
   * topic that answers nothing in particular replies to the topic's creation service message.
   * A closed topic is not refused: support staff are administrators, whom Telegram lets write there.
   */
  pushTopicMessage(chatId: number, threadId: number, staff: Staff, text: string): number {
    return this.push({ message: { ...this.topicMessageBase(chatId, threadId, staff), text } });
  }

  /** A staff member posts a photo in a topic (see `pushTopicMessage`). */
  pushTopicPhoto(chatId: number, threadId: number, staff: Staff, caption?: string): number {
    const base = this.topicMessageBase(chatId, threadId, staff);
    return this.push({ message: { ...base, photo: this.issuePhoto(1280, 960), ...(caption ? { caption } : {}) } });
  }

  /** A staff member posts a document in a topic (see `pushTopicMessage`). */
  pushTopicDocument(chatId: number, threadId: number, staff: Staff, fileName: string, caption?: string, size?: number): number {
    const base = this.topicMessageBase(chatId, threadId, staff);
    return this.push({ message: { ...base, document: this.issueDocument(fileName, size), ...(caption ? { caption } : {}) } });
  }

  /** A staff member records a voice message in a topic (see `pushTopicMessage`). */
  pushTopicVoice(chatId: number, threadId: number, staff: Staff, duration = 4): number {
    const base = this.topicMessageBase(chatId, threadId, staff);
    return this.push({ message: { ...base, voice: this.issueVoice(duration) } });
  }

  /**
   * The SHA-256 of the file in a pushed update (`push…` returned its id), as a test compares it
   * with what reached another platform.
   */
  fileSha256(updateId: number): string | undefined {
    const content = this.fileContents.get(this.filesOfUpdates.get(updateId) ?? "");
    return content instanceof Buffer ? createHash("sha256").update(content).digest("hex") : undefined;
  }

  /**
   * Registers a supergroup the bot is in; ids of supergroups are negative (-100…). A forum by
   * default with the bot an administrator that may manage topics, as a support desk needs.
   * Registering a chat again changes its settings (what is left out takes the defaults) and
   * keeps its topics, so that a test can take the bot's rights away mid-conversation.
   */
  addSupergroup(chatId: number, options: SupergroupOptions = {}): void {
    // Telegram gives supergroups -100 followed by the channel id; a positive id is a user.
    if (!Number.isSafeInteger(chatId) || chatId > -1_000_000_000_000) {
      throw new Error(`${chatId} is not a supergroup id (those look like -1001234567890)`);
    }
    const known = this.supergroups.get(chatId);
    this.supergroups.set(chatId, {
      id: chatId,
      title: options.title ?? "Поддержка",
      isForum: options.isForum ?? true,
      botStatus: options.botStatus ?? "administrator",
      canManageTopics: options.canManageTopics ?? true,
      topics: known?.topics ?? new Map(),
      postedAt: known?.postedAt ?? [],
    });
  }

  /**
   * From now on the bot may post at most `perWindow` messages (send*, copyMessage) to one
   * supergroup within any `windowMs`; beyond that a post answers 429 with retry_after the whole
   * seconds until a slot frees. Telegram's FAQ (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
   * allows 20 messages a minute in a group. Each supergroup has its own window; private chats
   * are not counted.
   */
  capGroupPosts(perWindow = 20, windowMs = 60_000): void {
    this.groupCap = { perWindow, windowMs };
    for (const group of this.supergroups.values()) group.postedAt.length = 0;
  }

  /** The topics of a registered supergroup, in the order they were created. */
  topics(chatId: number): Array<{ threadId: number; name: string; closed: boolean; iconColor: number }> {
    return [...this.registeredSupergroup(chatId).topics.values()].map((topic) => ({
      threadId: topic.threadId,
      name: topic.name,
      closed: topic.closed,
      iconColor: topic.iconColor,
    }));
  }

  /** What the bot posted in this topic, in order, successful calls only. */
  topicPosts(chatId: number, threadId: number): TopicPost[] {
    return [...(this.postsInTopics.get(`${chatId}/${threadId}`) ?? [])];
  }

  /** A press on an inline button of a message the bot sent. */
  pushCallback(userId: number, data: string, message: Record<string, unknown> | undefined): number {
    return this.push({
      callback_query: {
        id: String(this.nextUpdateId),
        from: { id: userId, is_bot: false, first_name: "Анна" },
        chat_instance: "1",
        data,
        message,
      },
    });
  }

  /** The user presses the inline button with this label on the latest message (or document) that has it. */
  pressButton(chatId: number, label: string): number {
    const data = this.calls
      .filter(
        (c) =>
          (c.method === "sendMessage" || c.method === "sendDocument") && c.status === 200 && String(c.params.chat_id) === String(chatId),
      )
      .map(
        (c) =>
          (c.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined)
            ?.inline_keyboard,
      )
      .flatMap((keyboard) => keyboard?.flat() ?? [])
      .findLast((button) => button.text === label && button.callback_data)?.callback_data;
    if (!data) throw new Error(`No button "${label}" was sent to chat ${chatId}`);
    return this.pushCallback(chatId, data, { message_id: 1, date: 0, chat: { id: chatId, type: "private" } });
  }

  /**
   * The user confirmed the checkout of an invoice: the bot must answer the query within 10
   * seconds. Returns the update_id and the query id.
   */
  pushPreCheckoutQuery(userId: number, order: PreCheckoutOrder): { updateId: number; queryId: string } {
    const update = this.preCheckoutUpdate(userId, order);
    return { updateId: this.push(update), queryId: update.pre_checkout_query.id };
  }

  /**
   * The body of an update with a pre-checkout query (without update_id). The query counts as
   * issued now, so that a webhook test can post the body and the bot may answer it.
   */
  preCheckoutUpdate(userId: number, order: PreCheckoutOrder): PreCheckoutUpdate {
    const id = randomBytes(8).readBigUInt64BE().toString();
    this.preCheckoutQueries.set(id, { issuedAt: Date.now(), answered: false });
    return {
      pre_checkout_query: {
        id,
        from: { id: userId, is_bot: false, first_name: "Анна" },
        currency: order.currency,
        total_amount: order.totalAmount,
        invoice_payload: order.payload,
        ...(order.email === undefined ? {} : { order_info: { email: order.email } }),
      },
    };
  }

  /** The service message telling the bot that the user paid. Returns the update_id and the charge id. */
  pushSuccessfulPayment(userId: number, payment: SuccessfulPaymentDetails): { updateId: number; chargeId: string } {
    const update = this.successfulPaymentUpdate(userId, payment);
    return { updateId: this.push(update), chargeId: update.message.successful_payment.telegram_payment_charge_id };
  }

  /**
   * The body of an update with a successful payment in a private chat (without update_id). The
   * payment counts as made now: a Stars payment can be refunded from then on.
   */
  successfulPaymentUpdate(userId: number, payment: SuccessfulPaymentDetails): SuccessfulPaymentUpdate {
    // Random rather than counted: charge ids may be stored, and the database outlives one fake.
    const chargeId = payment.chargeId ?? `${payment.currency === "XTR" ? "stx" : "tg"}${randomBytes(12).toString("base64url")}`;
    if (this.payments.has(chargeId)) throw new Error(`Charge ${chargeId} was already reported`);
    this.payments.set(chargeId, { userId, currency: payment.currency, refunded: false });
    const from = { id: userId, is_bot: false, first_name: "Анна" };
    return {
      message: {
        message_id: this.nextMessageId++,
        date: now(),
        chat: { id: userId, type: "private", first_name: "Анна" },
        from,
        successful_payment: {
          currency: payment.currency,
          total_amount: payment.totalAmount,
          invoice_payload: payment.payload,
          telegram_payment_charge_id: chargeId,
          provider_payment_charge_id: `provider-${randomBytes(8).toString("hex")}`,
        },
      },
    };
  }

  /** The bot's accepted answer to this pre-checkout query, if it gave one. */
  preCheckoutAnswer(id: string): PreCheckoutAnswer | undefined {
    return this.preCheckoutAnswers.find((answer) => answer.id === id);
  }

  /** Messages the fake accepted for this chat. */
  sent(chatId: number): Array<{ text: string; params: Record<string, unknown> }> {
    return this.calls
      .filter((c) => c.method === "sendMessage" && c.status === 200 && String(c.params.chat_id) === String(chatId))
      .map((c) => ({ text: c.params.text as string, params: c.params }));
  }

  /** Waits until `count` messages were sent to the chat; fails with what was sent. */
  waitForSent(chatId: number, count: number) {
    return waitFor(
      () => this.sent(chatId),
      (sent) => sent.length >= count,
      `${count} messages to chat ${chatId}`,
    );
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const download = /^\/file\/bot\d+:[\w-]+\/files\/([\w-]+)$/.exec(path);
    if (download) {
      // The file server: what getFile pointed at.
      const content = this.fileContents.get(download[1] as string);
      res.writeHead(content instanceof Buffer ? 200 : 404, { "content-length": content instanceof Buffer ? content.length : 0 });
      res.end(content instanceof Buffer ? content : undefined);
      return;
    }
    const match = /^\/bot(\d+:[\w-]+)\/(\w+)$/.exec(path);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!match) return reply(404, { ok: false, error_code: 404, description: "Not Found" });
    const method = match[2] as string;
    const params = await readParams(req).catch(() => undefined);
    if (!params) return reply(400, { ok: false, error_code: 400, description: "Bad Request: cannot parse the request body" });
    const call: RecordedCall = { method, params, at: Date.now() };
    if (method !== "getUpdates") {
      this.calls.push(call);
      for (const listener of this.listeners) listener(call);
    }
    const hold = method.startsWith("send") ? this.held.get(String(params.chat_id)) : undefined;
    if (hold) {
      this.held.delete(String(params.chat_id));
      await hold();
    }
    try {
      const result = await this.answer(method, params);
      call.status = 200;
      reply(200, { ok: true, result });
    } catch (error) {
      const e = error as BotApiError;
      call.status = e.code ?? 500;
      const parameters = e.code === 429 ? { parameters: { retry_after: e.retryAfter ?? this.retryAfter } } : {};
      reply(call.status, { ok: false, error_code: call.status, description: e.message, ...parameters });
    }
  }

  private async answer(method: string, params: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case "getMe":
        return { ...BOT };
      case "deleteWebhook":
      case "setWebhook":
      case "answerCallbackQuery":
        return true;
      case "getUpdates":
        return this.getUpdates(params);
      case "sendMessage":
        return this.sendMessage(params);
      case "sendDocument":
        return this.sendDocument(params);
      case "sendPhoto":
        return this.sendPhoto(params);
      case "sendVoice":
        return this.sendVoice(params);
      case "editMessageText":
        return this.editMessageText(params);
      case "getFile":
        return this.getFile(params);
      case "copyMessage":
        return this.copyMessage(params);
      case "getChat":
        return this.getChat(params);
      case "getChatMember":
        return this.getChatMember(params);
      case "createForumTopic":
        return this.createForumTopic(params);
      case "editForumTopic":
        return this.editForumTopic(params);
      case "closeForumTopic":
        return this.setTopicClosed(params, true);
      case "reopenForumTopic":
        return this.setTopicClosed(params, false);
      case "createInvoiceLink":
        return this.createInvoiceLink(params);
      case "answerPreCheckoutQuery":
        return this.answerPreCheckoutQuery(params);
      case "refundStarPayment":
        return this.refundStarPayment(params);
      default:
        throw new BotApiError(404, "Not Found: method not found");
    }
  }

  private async getUpdates(params: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(params.offset ?? 0);
    this.updates.splice(0, this.updates.filter((u) => u.update_id < offset).length);
    if (this.redeliveries.length > 0) return this.redeliveries.splice(0);
    if (this.updates.length === 0) {
      // Long polling, shortened so that tests stop quickly.
      await this.waitForNews(Math.min(Number(params.timeout ?? 0), 1) * 1000);
    }
    return this.updates.filter((u) => u.update_id >= offset);
  }

  /** A text message; to a registered supergroup see `checkGroupPost`, anything else is a private chat. */
  private sendMessage(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
    const group = this.supergroup(params.chat_id);
    const topic = group && this.checkGroupPost(group, params);
    const text = String(params.text ?? "");
    if (text.length === 0) throw new BotApiError(400, "Bad Request: message text is empty");
    if (text.length > 4096) throw new BotApiError(400, "Bad Request: message is too long");
    const markup = checkMarkup(params);
    if (group) return this.postInGroup(group, topic, "sendMessage", params, { text, reply_markup: markup });
    return this.sentPrivately(params, {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: params.chat_id, type: "private" },
      text,
      reply_markup: markup,
    });
  }

  /**
   * A document is either uploaded (multipart; the fake gives it a file_id) or sent by a file_id
   * it issued before. Captions count without their HTML tags and may have 1024 characters.
   */
  private sendDocument(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
    const group = this.supergroup(params.chat_id);
    const topic = group && this.checkGroupPost(group, params);
    const document = params.document;
    let file: UploadedDocument | undefined;
    if (document instanceof Object && "sha256" in document) {
      // The recorded call shows the file_id the upload got.
      file = Object.assign(document as UploadedDocument, { file_id: `doc-${this.uploads.size + 1}` });
      this.uploads.set(file.file_id, file);
    } else {
      file = this.uploads.get(String(document));
      if (!file) throw new BotApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
    }
    const caption = checkCaption(params);
    const markup = checkMarkup(params);
    const content = {
      document: { file_id: file.file_id, file_unique_id: file.sha256.slice(0, 16), file_name: file.file_name, file_size: file.size },
      ...(caption ? { caption } : {}),
      reply_markup: markup,
    };
    if (group) return this.postInGroup(group, topic, "sendDocument", params, content);
    return this.sentPrivately(params, {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: Number(params.chat_id), type: "private" },
      ...content,
    });
  }

  /**
   * A photo is uploaded (multipart; the fake issues its sizes) or sent by a file_id the fake
   * issued, as sendDocument. The fake does not decode images, so an upload gets nominal sizes.
   */
  private sendPhoto(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
    const group = this.supergroup(params.chat_id);
    const topic = group && this.checkGroupPost(group, params);
    const photo = params.photo;
    let sizes: PhotoSize[] | undefined;
    if (photo instanceof Object && "sha256" in photo) {
      sizes = this.issuePhoto(800, 600);
      // The recorded call shows the file_id the upload got, as for documents.
      Object.assign(photo, { file_id: sizes.at(-1)?.file_id });
    } else {
      sizes = this.photos.get(String(photo));
      if (!sizes) throw new BotApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
    }
    const caption = checkCaption(params);
    const markup = checkMarkup(params);
    const content = { photo: sizes, ...(caption ? { caption } : {}), reply_markup: markup };
    if (group) return this.postInGroup(group, topic, "sendPhoto", params, content);
    return this.sentPrivately(params, {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: Number(params.chat_id), type: "private" },
      ...content,
    });
  }

  /**
   * Edits the text of a message the bot sent (https://core.telegram.org/bots/api#editmessagetext):
   * 1–4096 characters, only the bot's own text messages, and not to the same text.
   */
  private editMessageText(params: Record<string, unknown>): Record<string, unknown> {
    const key = `${String(params.chat_id)}/${String(params.message_id)}`;
    const message = this.messages.get(key);
    if (!message) throw new BotApiError(400, "Bad Request: message to edit not found");
    if ((message.from as { id?: number } | undefined)?.id !== BOT.id || typeof message.text !== "string")
      throw new BotApiError(400, "Bad Request: message can't be edited");
    const text = String(params.text ?? "");
    if (text.length === 0) throw new BotApiError(400, "Bad Request: message text is empty");
    if (text.length > 4096) throw new BotApiError(400, "Bad Request: message is too long");
    if (text === message.text)
      throw new BotApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup of the message are exactly the same as a current content and reply markup of the message",
      );
    const edited = { ...message, text, edit_date: now() };
    this.messages.set(key, edited);
    const post = this.topicPostsByMessage.get(key);
    if (post) Object.assign(post, { text, edits: (post.edits ?? 0) + 1 });
    return edited;
  }

  /** A voice message, uploaded (multipart) or by a file_id the fake issued, as sendDocument. */
  private sendVoice(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
    const group = this.supergroup(params.chat_id);
    const topic = group && this.checkGroupPost(group, params);
    const voice = params.voice;
    let issued: Record<string, unknown>;
    if (voice instanceof Object && "sha256" in voice) {
      issued = { ...this.issueFile("voice"), duration: 1, mime_type: "audio/ogg", file_size: (voice as UploadedDocument).size };
      Object.assign(voice, { file_id: issued.file_id });
    } else {
      if (!this.fileContents.has(String(voice)) || !String(voice).startsWith("voice-"))
        throw new BotApiError(400, "Bad Request: wrong file identifier/HTTP URL specified");
      issued = { file_id: String(voice), file_unique_id: String(voice), duration: 1, mime_type: "audio/ogg" };
    }
    const caption = checkCaption(params);
    const content = { voice: issued, ...(caption ? { caption } : {}) };
    if (group) return this.postInGroup(group, topic, "sendVoice", params, content);
    return this.sentPrivately(params, {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: Number(params.chat_id), type: "private" },
      ...content,
    });
  }

  /**
   * Copies a message the fake knows in from_chat_id (pushed to the bot, or sent by it), with a
   * new caption if one is given, and answers only the new MessageId
   * (https://core.telegram.org/bots/api#copymessage). Service messages cannot be copied.
   */
  private copyMessage(params: Record<string, unknown>): { message_id: number } {
    this.checkRecipient(params);
    const group = this.supergroup(params.chat_id);
    const topic = group && this.checkGroupPost(group, params);
    const messageId = readInteger(params.message_id);
    const source = messageId === undefined ? undefined : this.messages.get(`${String(params.from_chat_id)}/${messageId}`);
    if (!source) throw new BotApiError(400, "Bad Request: message to copy not found");
    const content: Record<string, unknown> = {};
    for (const field of COPIED_FIELDS) if (source[field] !== undefined) content[field] = source[field];
    if (Object.keys(content).length === 0) throw new BotApiError(400, "Bad Request: message can't be copied");
    // A new caption replaces the old one on media; text and stickers have no caption to replace.
    if (params.caption !== undefined && !("text" in content) && !("sticker" in content)) {
      const caption = checkCaption(params);
      delete content.caption_entities;
      if (caption) content.caption = caption;
      else delete content.caption;
    }
    content.reply_markup = checkMarkup(params);
    const copy = group
      ? this.postInGroup(group, topic, "copyMessage", params, content, source)
      : this.sentPrivately(params, {
          message_id: this.nextMessageId++,
          date: now(),
          chat: { id: Number(params.chat_id), type: "private" },
          ...content,
        });
    return { message_id: copy.message_id as number };
  }

  /**
   * A supergroup answers as one (ChatFullInfo, https://core.telegram.org/bots/api#chatfullinfo),
   * a private chat the fake met in an update as a private chat; any other id is not found.
   */
  private getChat(params: Record<string, unknown>): Record<string, unknown> {
    const group = this.supergroup(params.chat_id);
    const id = readInteger(params.chat_id);
    const person = id === undefined ? undefined : this.privateChats.get(id);
    if (!group && (id === undefined || !person)) throw new BotApiError(400, "Bad Request: chat not found");
    const chatId = group?.id ?? (id as number);
    // Fields the spec requires of every ChatFullInfo: Telegram derives the default accent
    // colour from the id, allows 11 reactions a message without boosts, and lets gifts be
    // sent to users but not to supergroups.
    const required = {
      accent_color_id: Math.abs(chatId) % 7,
      max_reaction_count: 11,
      accepted_gift_types: {
        unlimited_gifts: !group,
        limited_gifts: !group,
        unique_gifts: !group,
        premium_subscription: !group,
        gifts_from_channels: !group,
      },
    };
    if (group) return { ...chatOf(group), ...required };
    return { id: chatId, type: "private", ...person, ...required };
  }

  /**
   * The bot answers as its status in a registered supergroup says; everyone else (and the bot
   * in a private chat) is a plain member. Users the fake never met get a placeholder name.
   */
  private getChatMember(params: Record<string, unknown>): Record<string, unknown> {
    if (params.user_id === undefined) throw new BotApiError(400, 'Bad Request: parameter "user_id" is required');
    const userId = readInteger(params.user_id);
    if (userId === undefined) throw new BotApiError(400, "Bad Request: user_id must be an Integer");
    const group = this.supergroup(params.chat_id);
    const chatId = readInteger(params.chat_id);
    if (!group && (chatId === undefined || !this.privateChats.has(chatId))) throw new BotApiError(400, "Bad Request: chat not found");
    if (userId !== BOT.id || !group) {
      const user = this.users.get(userId) ?? (userId === BOT.id ? BOT : { id: userId, is_bot: false, first_name: `User ${userId}` });
      return { status: "member", user: { ...user } };
    }
    if (group.botStatus !== "administrator") return { status: group.botStatus, user: { ...BOT } };
    // What a support bot is given: managing the chat, deleting messages, inviting and, unless
    // the test says otherwise, managing topics; every right the spec requires is spelled out.
    return {
      status: "administrator",
      user: { ...BOT },
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
      can_manage_topics: group.canManageTopics,
    };
  }

  /**
   * A new topic with a fresh thread id: in Telegram that is the message id of the topic's
   * creation service message, so it comes from the fake's message id counter. The name counts
   * as JavaScript string length (UTF-16 units), which equals characters for Cyrillic and Latin.
   */
  private createForumTopic(params: Record<string, unknown>): Record<string, unknown> {
    const group = this.forumWithRights(params, "Bad Request: not enough rights to create a topic");
    const name = requiredString(params, "name");
    if (name.length < 1 || name.length > 128) throw new BotApiError(400, "Bad Request: TOPIC_NAME_INVALID");
    let iconColor = TOPIC_ICON_COLORS[0] as number;
    if (params.icon_color !== undefined) {
      const asked = readInteger(params.icon_color);
      // Telegram's wording for another colour is not documented; the rule is.
      if (asked === undefined || !TOPIC_ICON_COLORS.includes(asked)) {
        throw new BotApiError(400, "Bad Request: icon_color must be one of the six colors createForumTopic documents");
      }
      iconColor = asked;
    }
    const emoji = optionalString(params, "icon_custom_emoji_id");
    const threadId = this.nextMessageId++;
    const created = {
      message_id: threadId,
      message_thread_id: threadId,
      from: { ...BOT },
      date: now(),
      chat: chatOf(group),
      forum_topic_created: { name, icon_color: iconColor, ...(emoji ? { icon_custom_emoji_id: emoji } : {}) },
      is_topic_message: true,
    };
    this.messages.set(`${group.id}/${threadId}`, created);
    group.topics.set(threadId, { threadId, name, iconColor, iconCustomEmojiId: emoji || undefined, closed: false, created });
    return { message_thread_id: threadId, name, icon_color: iconColor, ...(emoji ? { icon_custom_emoji_id: emoji } : {}) };
  }

  /**
   * Renames a topic or changes its icon (https://core.telegram.org/bots/api#editforumtopic): an
   * empty or missing name keeps the old one, and an edit that changes nothing is refused.
   */
  private editForumTopic(params: Record<string, unknown>): true {
    const group = this.forumWithRights(params, "Bad Request: not enough rights to manage chat topics");
    const topic = topicOf(group, params);
    const name = optionalString(params, "name") ?? "";
    if (name.length > 128) throw new BotApiError(400, "Bad Request: TOPIC_NAME_INVALID");
    const emoji = optionalString(params, "icon_custom_emoji_id");
    const newName = name || topic.name;
    // An empty icon_custom_emoji_id removes the icon; a missing one keeps it.
    const newEmoji = emoji === undefined ? topic.iconCustomEmojiId : emoji || undefined;
    if (newName === topic.name && newEmoji === topic.iconCustomEmojiId) throw new BotApiError(400, "Bad Request: TOPIC_NOT_MODIFIED");
    topic.name = newName;
    topic.iconCustomEmojiId = newEmoji;
    return true;
  }

  /** closeForumTopic and reopenForumTopic: closing a closed or reopening an open topic changes nothing and is refused. */
  private setTopicClosed(params: Record<string, unknown>, closed: boolean): true {
    const group = this.forumWithRights(params, "Bad Request: not enough rights to manage chat topics");
    const topic = topicOf(group, params);
    if (topic.closed === closed) throw new BotApiError(400, "Bad Request: TOPIC_NOT_MODIFIED");
    topic.closed = closed;
    return true;
  }

  /**
   * The forum supergroup a topic method names, if the bot may manage its topics. Telegram lets
   * the creator of a topic edit, close and reopen it without can_manage_topics; the fake asks
   * for the right every time, because a stricter fake only costs a test while a laxer one would
   * hide a bot that breaks once an administrator trims its rights.
   */
  private forumWithRights(params: Record<string, unknown>, refusal: string): Supergroup {
    const group = this.supergroup(params.chat_id);
    if (!group?.isForum) throw new BotApiError(400, "Bad Request: the chat is not a forum");
    if (group.botStatus === "left") throw new BotApiError(403, "Forbidden: bot is not a member of the supergroup chat");
    if (group.botStatus !== "administrator" || !group.canManageTopics) throw new BotApiError(400, refusal);
    return group;
  }

  /**
   * The checks of a post to a supergroup, before the message is built: the bot must be in the
   * chat, message_thread_id must be an open topic of this very chat, and the group cap must
   * leave a slot. Telegram lets some administrators write into a closed topic; the fake refuses
   * the bot always, as a support bot should reopen a topic before writing into it.
   */
  private checkGroupPost(group: Supergroup, params: Record<string, unknown>): Topic | undefined {
    if (group.botStatus === "left") throw new BotApiError(403, "Forbidden: bot is not a member of the supergroup chat");
    let topic: Topic | undefined;
    if (params.message_thread_id !== undefined) {
      const threadId = readInteger(params.message_thread_id);
      topic = threadId === undefined ? undefined : group.topics.get(threadId);
      if (!topic) throw new BotApiError(400, "Bad Request: message thread not found");
      if (topic.closed) throw new BotApiError(400, "Bad Request: TOPIC_CLOSED");
    }
    if (this.groupCap) {
      const at = Date.now();
      const { perWindow, windowMs } = this.groupCap;
      while (group.postedAt.length > 0 && (group.postedAt[0] as number) <= at - windowMs) group.postedAt.shift();
      if (group.postedAt.length >= perWindow) {
        // A slot frees when the oldest of the last `perWindow` posts leaves the window.
        const freesAt = (group.postedAt[group.postedAt.length - perWindow] as number) + windowMs;
        const retryAfter = Math.max(1, Math.ceil((freesAt - at) / 1000));
        throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
      }
    }
    return topic;
  }

  /**
   * The message the bot posted to a supergroup, once every check passed: it takes a slot of
   * the group cap, can be copied, and shows in `topicPosts` when it went into a topic.
   */
  private postInGroup(
    group: Supergroup,
    topic: Topic | undefined,
    method: string,
    params: Record<string, unknown>,
    content: Record<string, unknown>,
    copied?: Record<string, unknown>,
  ): Record<string, unknown> {
    const message = {
      message_id: this.nextMessageId++,
      ...(topic ? { message_thread_id: topic.threadId } : {}),
      from: { ...BOT },
      date: now(),
      chat: chatOf(group),
      ...(topic ? { reply_to_message: topic.created, is_topic_message: true } : {}),
      ...content,
    };
    if (this.groupCap) group.postedAt.push(Date.now());
    this.messages.set(`${group.id}/${message.message_id}`, message);
    if (topic) {
      const key = `${group.id}/${topic.threadId}`;
      const text = (content.text ?? content.caption) as string | undefined;
      const post: TopicPost = { method, ...(text === undefined ? {} : { text }), params, ...(copied ? { copied } : {}) };
      this.postsInTopics.set(key, [...(this.postsInTopics.get(key) ?? []), post]);
      this.topicPostsByMessage.set(`${group.id}/${message.message_id}`, post);
    }
    return message;
  }

  /** A message the bot sent to a private chat, remembered so that it can be copied. */
  private sentPrivately(params: Record<string, unknown>, message: Record<string, unknown> & { message_id: number }) {
    this.messages.set(`${String(params.chat_id)}/${message.message_id}`, message);
    return message;
  }

  /**
   * An invoice link (https://core.telegram.org/bots/api#createinvoicelink). Payments in Telegram
   * Stars (XTR) take no provider token and exactly one price; any other currency needs one.
   */
  private createInvoiceLink(params: Record<string, unknown>): string {
    const title = requiredString(params, "title");
    if (title.length < 1 || title.length > 32) throw new BotApiError(400, "Bad Request: title must be 1-32 characters");
    const description = requiredString(params, "description");
    if (description.length < 1 || description.length > 255) {
      throw new BotApiError(400, "Bad Request: description must be 1-255 characters");
    }
    const payload = requiredString(params, "payload");
    // Bytes, not characters: Cyrillic takes two bytes each.
    const payloadBytes = Buffer.byteLength(payload);
    if (payloadBytes < 1 || payloadBytes > 128) throw new BotApiError(400, "Bad Request: payload must be 1-128 bytes");
    const currency = requiredString(params, "currency");
    if (!/^[A-Z]{3}$/.test(currency)) throw new BotApiError(400, "Bad Request: CURRENCY_INVALID");
    const prices = readPrices(params.prices);
    const providerToken = params.provider_token ?? "";
    if (typeof providerToken !== "string") throw new BotApiError(400, "Bad Request: provider_token must be a String");
    if (currency === "XTR") {
      if (providerToken !== "") throw new BotApiError(400, "Bad Request: provider_token must be empty for payments in Telegram Stars");
      if (prices.length !== 1) {
        throw new BotApiError(400, "Bad Request: prices must contain exactly one item for payments in Telegram Stars");
      }
    } else if (providerToken === "") {
      throw new BotApiError(400, "Bad Request: PAYMENT_PROVIDER_INVALID");
    }
    const link = `https://t.me/$${randomBytes(12).toString("base64url")}`;
    const totalAmount = prices.reduce((sum, price) => sum + price.amount, 0);
    this.invoices.push({ link, title, description, payload, currency, totalAmount, providerToken });
    return link;
  }

  /**
   * The answer to a pre-checkout query the fake issued: once only, and within 10 seconds of the
   * query (https://core.telegram.org/bots/api#answerprecheckoutquery).
   */
  private answerPreCheckoutQuery(params: Record<string, unknown>): true {
    const id = requiredString(params, "pre_checkout_query_id");
    if (params.ok === undefined) throw new BotApiError(400, 'Bad Request: parameter "ok" is required');
    const ok = readBoolean(params.ok);
    if (ok === undefined) throw new BotApiError(400, "Bad Request: ok must be a Boolean");
    const errorMessage = params.error_message;
    if (errorMessage !== undefined && typeof errorMessage !== "string") {
      throw new BotApiError(400, "Bad Request: error_message must be a String");
    }
    if (!ok && !errorMessage) throw new BotApiError(400, "Bad Request: error_message is required when ok is False");
    const query = this.preCheckoutQueries.get(id);
    if (!query) throw new BotApiError(400, "Bad Request: QUERY_ID_INVALID");
    if (query.answered) throw new BotApiError(400, "Bad Request: the query was already answered");
    const at = Date.now();
    if (at - query.issuedAt > 10_000) {
      throw new BotApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    }
    query.answered = true;
    this.preCheckoutAnswers.push({ id, ok, ...(ok ? {} : { errorMessage: errorMessage as string }), at });
    return true;
  }

  /** Refunds a Stars payment the fake reported for this user, once (https://core.telegram.org/bots/api#refundstarpayment). */
  private refundStarPayment(params: Record<string, unknown>): true {
    if (params.user_id === undefined) throw new BotApiError(400, 'Bad Request: parameter "user_id" is required');
    const userId = readInteger(params.user_id);
    if (userId === undefined) throw new BotApiError(400, "Bad Request: user_id must be an Integer");
    const chargeId = requiredString(params, "telegram_payment_charge_id");
    const payment = this.payments.get(chargeId);
    // Only Stars payments of this very user can be refunded by the bot.
    if (!payment || payment.userId !== userId || payment.currency !== "XTR") throw new BotApiError(400, "Bad Request: CHARGE_NOT_FOUND");
    if (payment.refunded) throw new BotApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED");
    payment.refunded = true;
    this.starRefunds.push({ userId, chargeId, at: Date.now() });
    return true;
  }

  /** Documents sent to this chat, uploaded or by file_id. */
  documents(chatId: number): Array<{ uploaded: boolean; file: UploadedDocument | undefined; params: Record<string, unknown> }> {
    return this.calls
      .filter((c) => c.method === "sendDocument" && c.status === 200 && String(c.params.chat_id) === String(chatId))
      .map((c) => {
        const document = c.params.document;
        const uploaded = document instanceof Object;
        const file = uploaded ? (document as UploadedDocument) : this.uploads.get(String(document));
        return { uploaded, file, params: c.params };
      });
  }

  /** Forgets every file_id it issued, as when a file_id stops being valid. */
  expireFileIds(): void {
    this.uploads.clear();
    this.photos.clear();
  }

  /** A registered supergroup, for the test controls: a chat never registered is a mistake in the test. */
  private registeredSupergroup(chatId: number): Supergroup {
    const group = this.supergroups.get(chatId);
    if (!group) throw new Error(`Chat ${chatId} is not a registered supergroup: call addSupergroup first`);
    return group;
  }

  /** The registered supergroup a chat_id names, if any (a JSON number or a form field's text). */
  private supergroup(chatId: unknown): Supergroup | undefined {
    const id = readInteger(chatId);
    return id === undefined ? undefined : this.supergroups.get(id);
  }

  /** Notes the messages, users and private chats an update shows, for copyMessage, getChat and getChatMember. */
  private remember(update: Record<string, unknown>): void {
    const message = update.message as (Record<string, unknown> & { chat?: Record<string, unknown> }) | undefined;
    if (message?.chat && message.message_id !== undefined) {
      this.messages.set(`${String(message.chat.id)}/${String(message.message_id)}`, message);
      if (message.chat.type === "private") {
        const { first_name, last_name, username } = message.chat as { first_name?: string; last_name?: string; username?: string };
        this.privateChats.set(Number(message.chat.id), {
          ...(first_name ? { first_name } : {}),
          ...(last_name ? { last_name } : {}),
          ...(username ? { username } : {}),
        });
      }
    }
    for (const part of [update.message, update.callback_query, update.pre_checkout_query]) {
      const from = (part as { from?: TelegramUser } | undefined)?.from;
      if (from?.id !== undefined) this.users.set(from.id, from);
    }
  }

  /** What every private message from user `userId` has: a fresh id, the time, the chat and the sender. */
  private privateMessageBase(userId: number, firstName = "Анна") {
    return {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: userId, type: "private", first_name: firstName },
      from: { id: userId, is_bot: false, first_name: firstName },
    };
  }

  /** What every staff message in a topic has; the topic must exist. */
  private topicMessageBase(chatId: number, threadId: number, staff: Staff) {
    const group = this.registeredSupergroup(chatId);
    const topic = group.topics.get(threadId);
    if (!topic) throw new Error(`Chat ${chatId} has no topic ${threadId}`);
    return {
      message_id: this.nextMessageId++,
      message_thread_id: threadId,
      from: { is_bot: false, ...staff },
      date: now(),
      chat: chatOf(group),
      reply_to_message: topic.created,
      is_topic_message: true,
    };
  }

  /** Opus in Ogg, as Telegram's apps record voice messages. */
  private issueVoice(duration: number): Record<string, unknown> {
    const voice = { ...this.issueFile("voice"), duration, mime_type: "audio/ogg", file_size: duration * 4000 };
    this.keepContent(voice.file_id, voice.file_size);
    return voice;
  }

  /** Random bytes of this size behind a file_id; past what a bot may download, only the size. */
  private keepContent(fileId: string, size: number): Buffer | undefined {
    const bytes = size <= maxDownloadBytes ? randomBytes(size) : undefined;
    this.fileContents.set(fileId, bytes ?? size);
    return bytes;
  }

  /**
   * getFile: the file's path on the file server (https://core.telegram.org/bots/api#getfile), for
   * files of at most 20 MB.
   */
  private getFile(params: Record<string, unknown>): Record<string, unknown> {
    const fileId = String(params.file_id ?? "");
    const content = this.fileContents.get(fileId);
    if (content === undefined) throw new BotApiError(400, "Bad Request: invalid file_id");
    if (typeof content === "number") throw new BotApiError(400, "Bad Request: file is too big");
    return { file_id: fileId, file_unique_id: fileId, file_size: content.length, file_path: `files/${fileId}` };
  }

  /** A fresh file_id and file_unique_id; `kind` only makes ids readable in a failing test. */
  private issueFile(kind: string): { file_id: string; file_unique_id: string } {
    return { file_id: `${kind}-${this.nextFileNumber++}`, file_unique_id: randomBytes(8).toString("base64url") };
  }

  /**
   * The sizes Telegram makes of a photo, largest last: a 90 px thumbnail and a 320 px preview
   * (longer side, aspect ratio kept) where the original is larger, and the original.
   */
  private issuePhoto(width: number, height: number): PhotoSize[] {
    const longest = Math.max(width, height);
    const sides = [...[90, 320].filter((side) => side < longest), longest];
    const sizes = sides.map((side) => {
      const w = Math.round((width * side) / longest);
      const h = Math.round((height * side) / longest);
      const file = { ...this.issueFile("photo"), width: w, height: h, file_size: Math.round(w * h * 0.15) };
      this.keepContent(file.file_id, file.file_size);
      return file;
    });
    for (const size of sizes) this.photos.set(size.file_id, sizes);
    return sizes;
  }

  /**
   * A document a user sent: its file_id is one the fake issued, so sendDocument accepts it. One
   * larger than a bot may download keeps only its size.
   */
  private issueDocument(fileName: string, size = 48_213): Record<string, unknown> {
    const file = this.issueFile("user-doc");
    const bytes = this.keepContent(file.file_id, size);
    this.uploads.set(file.file_id, {
      file_id: file.file_id,
      file_name: fileName,
      size,
      sha256: bytes ? createHash("sha256").update(bytes).digest("hex") : randomBytes(32).toString("hex"),
    });
    const mimeType = fileName.toLowerCase().endsWith(".pdf") ? "application/pdf" : "application/octet-stream";
    return { ...file, file_name: fileName, mime_type: mimeType, file_size: size };
  }

  private checkRecipient(params: Record<string, unknown>): void {
    if (this.blocked.has(String(params.chat_id))) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
    const rejection = this.rejected.get(String(params.chat_id));
    if (rejection) {
      this.rejected.delete(String(params.chat_id));
      throw new BotApiError(400, rejection);
    }
    const limited = this.rateLimited.get(String(params.chat_id)) ?? 0;
    if (limited > 0) {
      this.rateLimited.set(String(params.chat_id), limited - 1);
      throw new BotApiError(429, `Too Many Requests: retry after ${this.retryAfter}`);
    }
    this.checkBroadcastCap(params.allow_paid_broadcast === true);
  }

  private checkBroadcastCap(paid: boolean): void {
    if (!this.broadcastCap) return;
    const sent = paid ? this.sentInLastSecond.paid : this.sentInLastSecond.free;
    const at = Date.now();
    while (sent.length > 0 && (sent[0] as number) <= at - 1000) sent.shift();
    if (sent.length >= (paid ? this.broadcastCap.paid : this.broadcastCap.free)) {
      this.retryAfter = 1;
      throw new BotApiError(429, "Too Many Requests: retry after 1");
    }
    sent.push(at);
  }
}

/** A supergroup as `addSupergroup` registered it. */
interface Supergroup {
  id: number;
  title: string;
  isForum: boolean;
  botStatus: "administrator" | "member" | "left";
  canManageTopics: boolean;
  topics: Map<number, Topic>;
  /** When the bot's posts arrived (ms since epoch), while `capGroupPosts` is on. */
  postedAt: number[];
}

/** A forum topic; `created` is its creation service message, which topic messages reply to. */
interface Topic {
  threadId: number;
  name: string;
  iconColor: number;
  iconCustomEmojiId: string | undefined;
  closed: boolean;
  created: Record<string, unknown>;
}

/** How `addSupergroup` sets a chat up. */
export interface SupergroupOptions {
  /** Topics enabled (default true). */
  isForum?: boolean;
  title?: string;
  /** The bot's membership (default "administrator"). */
  botStatus?: "administrator" | "member" | "left";
  /** The administrator right to create, rename, close and reopen topics (default true). */
  canManageTopics?: boolean;
}

/** A staff member writing in a topic. */
export interface Staff {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
}

/**
 * A successful post of the bot in a topic: `text` is its text or caption, `copied` the original
 * message when the post was a copyMessage.
 */
export interface TopicPost {
  method: string;
  /** The text as it reads now (after edits). */
  text?: string;
  /** How many times the bot edited it. */
  edits?: number;
  params: Record<string, unknown>;
  copied?: Record<string, unknown>;
}

/** One size of a photo, as in Message.photo. */
export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

/** A Telegram User, as far as the fake keeps them. */
type TelegramUser = { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string };

/** A file the fake received by upload. */
export interface UploadedDocument {
  file_id: string;
  file_name: string;
  size: number;
  sha256: string;
}

/** An invoice link the bot created; `totalAmount` is the sum of its prices in the currency's smallest units. */
export interface Invoice {
  link: string;
  title: string;
  description: string;
  payload: string;
  currency: string;
  totalAmount: number;
  /** Empty for payments in Telegram Stars. */
  providerToken: string;
}

/** What the user is about to pay for, as a pre-checkout query tells the bot. */
export type PreCheckoutOrder = { payload: string; currency: string; totalAmount: number; email?: string };

/** What the user paid for; `chargeId` is the telegram_payment_charge_id (fresh unless given). */
export type SuccessfulPaymentDetails = { payload: string; currency: string; totalAmount: number; chargeId?: string };

/** An accepted answerPreCheckoutQuery; `at` is when it arrived (ms since epoch). */
export interface PreCheckoutAnswer {
  id: string;
  ok: boolean;
  errorMessage?: string;
  at: number;
}

/** An accepted refundStarPayment; `at` is when it arrived (ms since epoch). */
export interface StarRefund {
  userId: number;
  chargeId: string;
  at: number;
}

/** An update body with a pre-checkout query, typed as far as tests read it. */
export type PreCheckoutUpdate = { pre_checkout_query: Record<string, unknown> & { id: string } };

/** An update body with a successful payment, typed as far as tests read it. */
export type SuccessfulPaymentUpdate = {
  message: Record<string, unknown> & { successful_payment: Record<string, unknown> & { telegram_payment_charge_id: string } };
};

/**
 * Request parameters as the Bot API reads them: a JSON body, or multipart/form-data (file
 * uploads) where `attach://<part>` names the part holding a file and objects are JSON strings.
 */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!req.headers["content-type"]?.startsWith("multipart/form-data")) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    return body.length ? (JSON.parse(body.toString()) as Record<string, unknown>) : {};
  }
  const { fields, files } = await parseMultipart(req);
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const attached = /^attach:\/\/(.+)$/.exec(value)?.[1];
    const file = attached ? files.find((f) => f.field === attached) : undefined;
    if (file) params[name] = { file_name: file.name, size: file.size, sha256: file.sha256 };
    else params[name] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return params;
}

/** The Chat object of a supergroup, as messages carry it; is_forum only when true, as Telegram omits it. */
function chatOf(group: Supergroup): Record<string, unknown> {
  return { id: group.id, type: "supergroup", title: group.title, ...(group.isForum ? { is_forum: true } : {}) };
}

/** The topic a message_thread_id names in this forum. */
function topicOf(group: Supergroup, params: Record<string, unknown>): Topic {
  if (params.message_thread_id === undefined) throw new BotApiError(400, 'Bad Request: parameter "message_thread_id" is required');
  const threadId = readInteger(params.message_thread_id);
  const topic = threadId === undefined ? undefined : group.topics.get(threadId);
  if (!topic) throw new BotApiError(400, "Bad Request: TOPIC_ID_INVALID");
  return topic;
}

/** A caption as Telegram counts it: without its HTML tags, at most 1024 characters. */
function checkCaption(params: Record<string, unknown>): string {
  const caption = String(params.caption ?? "");
  const visible = params.parse_mode === "HTML" ? caption.replace(/<[^>]*>/g, "").replace(/&(lt|gt|amp|quot);/g, "x") : caption;
  if (visible.length > 1024) throw new BotApiError(400, "Bad Request: message caption is too long");
  return caption;
}

function optionalString(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value !== undefined && typeof value !== "string") throw new BotApiError(400, `Bad Request: ${name} must be a String`);
  return value;
}

function requiredString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new BotApiError(400, `Bad Request: parameter "${name}" is required`);
  if (typeof value !== "string") throw new BotApiError(400, `Bad Request: ${name} must be a String`);
  return value;
}

/** A Boolean from a JSON body, or from a form field where it arrives as text. */
function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  return value === "true" ? true : value === "false" ? false : undefined;
}

/** An Integer from a JSON body, or from a form field where it arrives as text. */
function readInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  return typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The price breakdown: a non-empty list of LabeledPrice, as an array in a JSON body or as a
 * JSON string (a form field, or a client that serializes it itself).
 */
function readPrices(value: unknown): Array<{ label: string; amount: number }> {
  if (value === undefined) throw new BotApiError(400, 'Bad Request: parameter "prices" is required');
  let prices: unknown = value;
  if (typeof value === "string") {
    try {
      prices = JSON.parse(value);
    } catch {
      prices = undefined;
    }
  }
  if (!Array.isArray(prices)) throw new BotApiError(400, "Bad Request: can't parse prices JSON object");
  if (prices.length === 0) throw new BotApiError(400, "Bad Request: prices must not be empty");
  for (const price of prices as Array<{ label?: unknown; amount?: unknown }>) {
    if (typeof price?.label !== "string") throw new BotApiError(400, "Bad Request: price label must be a String");
    // The spec lists discounts among the components, but a fake stricter than Telegram only
    // costs a test; one laxer would hide a refused invoice.
    if (!Number.isInteger(price.amount) || (price.amount as number) <= 0) {
      throw new BotApiError(400, "Bad Request: price amount must be a positive Integer");
    }
  }
  return prices as Array<{ label: string; amount: number }>;
}

function checkMarkup(params: Record<string, unknown>) {
  const markup = params.reply_markup as { inline_keyboard?: Array<Array<Record<string, unknown>>> } | undefined;
  for (const button of markup?.inline_keyboard?.flat() ?? []) {
    const data = button.callback_data;
    if (typeof data === "string" && (Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64)) {
      throw new BotApiError(400, "Bad Request: BUTTON_DATA_INVALID");
    }
    if (!button.text) throw new BotApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard");
  }
  return markup;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
