import { randomBytes } from "node:crypto";
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

/** Answered with Telegram's error shape when a request breaks a documented limit. */
class BotApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(description);
  }
}

/**
 * A local Telegram Bot API server for tests (https://core.telegram.org/bots/api), reached by
 * the real grammY through `client.apiRoot`. It records every call and enforces the limits the
 * project must respect: text 1–4096 characters, callback_data 1–64 bytes, known methods only.
 * Payments follow the same idea: invoices, pre-checkout answers and Stars refunds are checked
 * against the Bot API's rules and against the queries and payments the fake itself issued.
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
    const update_id = this.nextUpdateId++;
    this.updates.push({ update_id, ...update });
    this.wakePollers();
    return update_id;
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

  /** The body of an update with a private text message (without update_id). */
  textMessage(userId: number, text: string, firstName = "Анна"): Record<string, unknown> {
    const from = { id: userId, is_bot: false, first_name: firstName };
    return {
      message: { message_id: this.nextMessageId++, date: now(), chat: { id: userId, type: "private", first_name: firstName }, from, text },
    };
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
    const match = /^\/bot(\d+:[\w-]+)\/(\w+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
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
      const parameters = e.code === 429 ? { parameters: { retry_after: this.retryAfter } } : {};
      reply(call.status, { ok: false, error_code: call.status, description: e.message, ...parameters });
    }
  }

  private async answer(method: string, params: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case "getMe":
        return { id: 123, is_bot: true, first_name: "Orkestr Test", username: "orkestr_test_bot" };
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

  private sendMessage(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
    const text = String(params.text ?? "");
    if (text.length === 0) throw new BotApiError(400, "Bad Request: message text is empty");
    if (text.length > 4096) throw new BotApiError(400, "Bad Request: message is too long");
    const markup = checkMarkup(params);
    return { message_id: this.nextMessageId++, date: now(), chat: { id: params.chat_id, type: "private" }, text, reply_markup: markup };
  }

  /**
   * A document is either uploaded (multipart; the fake gives it a file_id) or sent by a file_id
   * it issued before. Captions count without their HTML tags and may have 1024 characters.
   */
  private sendDocument(params: Record<string, unknown>): unknown {
    this.checkRecipient(params);
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
    const caption = String(params.caption ?? "");
    const visible = params.parse_mode === "HTML" ? caption.replace(/<[^>]*>/g, "").replace(/&(lt|gt|amp|quot);/g, "x") : caption;
    if (visible.length > 1024) throw new BotApiError(400, "Bad Request: message caption is too long");
    const markup = checkMarkup(params);
    return {
      message_id: this.nextMessageId++,
      date: now(),
      chat: { id: Number(params.chat_id), type: "private" },
      document: { file_id: file.file_id, file_unique_id: file.sha256.slice(0, 16), file_name: file.file_name, file_size: file.size },
      ...(caption ? { caption } : {}),
      reply_markup: markup,
    };
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
