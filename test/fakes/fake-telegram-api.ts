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
