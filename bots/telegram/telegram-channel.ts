import { createHash, timingSafeEqual } from "node:crypto";
import { autoRetry } from "@grammyjs/auto-retry";
import { type RunnerHandle, run, sequentialize } from "@grammyjs/runner";
import { type Api, Bot, type Context, GrammyError, InputFile, webhookCallback } from "grammy";
import type { InlineKeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types";
import type { Hono, Context as HonoContext, Next } from "hono";
import type { InboundEvent } from "../../core/model/inbound-event.ts";
import type { FileAttachment, OutboundMessage } from "../../core/model/outbound-message.ts";
import type { ChannelSender, SendTarget } from "../../core/runtime/channel-sender.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";
import { keepTrying, pollingPatience } from "../../core/runtime/keep-trying.ts";
import { MessageRejectedError } from "../../core/runtime/message-rejected-error.ts";
import { RecipientUnreachableError } from "../../core/runtime/recipient-unreachable-error.ts";
import { RetryLaterError } from "../../core/runtime/retry-later-error.ts";
import type { SendPacer } from "../../core/runtime/send-pacer.ts";
import type { UploadedFileCache } from "../../core/runtime/uploaded-file-cache.ts";
import { type EngineTexts, engineTexts } from "../../core/texts/engine-texts.ts";
import { splitText } from "./split-text.ts";
import type { TelegramSupportDesk } from "./telegram-support-desk.ts";
import { telegramUpdateProblem } from "./telegram-update-schema.ts";

/** Telegram's limits (https://core.telegram.org/bots/api#sendmessage, #inlinekeyboardbutton). */
const maxTextLength = 4096;
const maxCallbackDataBytes = 64;
const maxCaptionLength = 1024;
export interface TelegramOptions {
  token: string;
  /** Bot API server (https://api.telegram.org by default; a self-hosted server or a test fake). */
  apiRoot?: string | undefined;
  /** Public https URL of `webhookPath`; when set, Telegram pushes updates instead of long polling. */
  webhookUrl?: string | undefined;
  /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; requests without it get 401. */
  webhookSecret?: string | undefined;
  /** Shared rate limiting: every sendMessage waits for its turn in its lane. */
  pacer?: SendPacer | undefined;
  /** Bulk sends carry `allow_paid_broadcast`, so Telegram takes up to 1000 a second (paid in Stars). */
  paidBroadcast?: boolean | undefined;
  /** file_ids of documents already uploaded, shared by all processes. */
  files: UploadedFileCache;
  logger: Logger;
  /** The bot's own phrases (the share-phone button), as the installation words them; Russian by default. */
  texts?: (() => EngineTexts) | undefined;
}

/** The header Telegram sends the webhook's secret_token in (https://core.telegram.org/bots/api#setwebhook). */
const secretHeader = "x-telegram-bot-api-secret-token";

/** Where the app receives Telegram's webhook requests. */
export const telegramWebhookPath = "/telegram/webhook";

/**
 * The Telegram channel on grammY (https://grammy.dev): turns updates into inbound events and
 * renders outbound messages within Telegram's limits. Updates are taken by long polling.
 */
export class TelegramChannel implements ChannelSender {
  readonly channel = "telegram" as const;
  readonly bot: Bot;
  /** The bot's own user id: the part of the token before the colon. */
  readonly botId: string;
  private runner: RunnerHandle | undefined;
  private supportDesk: TelegramSupportDesk | undefined;

  constructor(private readonly options: TelegramOptions) {
    this.bot = new Bot(options.token, options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {});
    this.botId = options.token.split(":")[0] ?? "bot";
    // 429 is retried after its retry_after, 5xx and network errors with backoff; 4xx never.
    this.bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
  }

  /** The support group's updates go to the desk (set before `start`); the customers' chats stay here. */
  attachSupportDesk(desk: TelegramSupportDesk): void {
    this.supportDesk = desk;
  }

  /**
   * Starts receiving updates: a webhook registered at Telegram when `webhookUrl` is set (the
   * route is mounted on `http`), long polling otherwise. Every update goes through
   * `runtime.receive` keyed by its `update_id`.
   */
  async start(runtime: ConversationRuntime, http: Hono): Promise<void> {
    // A malformed update (a chat without an id, a keyboard that is no array …) would fail every
    // time it is delivered: it is kept with the reason and acknowledged instead.
    this.bot.use(async (ctx, next) => {
      const problem = telegramUpdateProblem(ctx.update);
      if (!problem) return next();
      const updateId = (ctx.update as { update_id?: unknown }).update_id;
      this.options.logger.warn({ updateId, problem }, "telegram update skipped: malformed");
      await runtime.reject({
        channel: "telegram",
        key: typeof updateId === "number" ? String(updateId) : undefined,
        reason: problem,
        body: keepableBody(ctx.update),
      });
    });
    // The runner handles updates concurrently; updates of one chat still run one at a time.
    // Only the kinds this channel reads are checked above: another kind's chat may have no id.
    this.bot.use(sequentialize((ctx: Context) => ctx.chat?.id?.toString()));
    const desk = this.supportDesk;
    if (desk) {
      this.bot.on("message", async (ctx, next) => {
        if (String(ctx.chat.id) !== desk.chatId) return next();
        await this.handleUpdate(ctx, () => desk.receive(ctx, runtime), "staff message not handled yet; trying again");
      });
    }
    this.bot.on("callback_query:data", async (ctx) => {
      const data = ctx.callbackQuery.data;
      const label = ctx.callbackQuery.message?.reply_markup?.inline_keyboard
        .flat()
        .find((b) => "callback_data" in b && b.callback_data === data)?.text;
      // Answer first: Telegram shows a spinner on the button until it is answered.
      await ctx.answerCallbackQuery().catch(() => undefined);
      await this.receive(runtime, ctx, { type: "button", payload: data, ...(label ? { label } : {}) });
    });
    this.bot.on("my_chat_member", async (ctx) => {
      const status = ctx.myChatMember.new_chat_member.status;
      if (ctx.chat.type !== "private" || (status !== "kicked" && status !== "member")) return;
      await runtime.setBlocked({ channel: "telegram", externalId: String(ctx.chat.id) }, status === "kicked");
    });
    // Telegram asks before it charges, and wants the answer within 10 s: answered here, from the
    // order as it stands, not behind the queue.
    this.bot.on("pre_checkout_query", async (ctx) => {
      const query = ctx.preCheckoutQuery;
      const verdict = await runtime.orderPayable(query.invoice_payload, query.total_amount, query.currency).catch((error: unknown) => {
        this.options.logger.error({ err: error, orderId: query.invoice_payload }, "pre-checkout query not checked");
        return "unavailable" as const;
      });
      if (verdict === "payable") await ctx.answerPreCheckoutQuery(true);
      else {
        this.options.logger.warn({ orderId: query.invoice_payload, verdict }, "pre-checkout query refused");
        const texts = this.options.texts?.() ?? engineTexts.ru;
        await ctx.answerPreCheckoutQuery(false, {
          error_message: verdict === "unavailable" ? texts.paymentUnavailable : texts.paymentNotPayable,
        });
      }
    });
    // The money is there: the order is settled like any provider's news, once.
    this.bot.on("message:successful_payment", async (ctx) => {
      const paid = ctx.message.successful_payment;
      const handle = () =>
        runtime.settlePayment({
          key: `telegram:${paid.telegram_payment_charge_id}:paid`,
          orderId: paid.invoice_payload,
          providerPaymentId: paid.telegram_payment_charge_id,
          status: "paid",
          amount: paid.total_amount,
          currency: paid.currency,
        });
      await this.handleUpdate(ctx, handle, "payment not recorded yet; trying again");
    });
    this.bot.on("message:contact", (ctx) => this.receive(runtime, ctx, { type: "text", text: ctx.message.contact.phone_number }));
    this.bot.on("message:text", (ctx) => this.receive(runtime, ctx, { type: "text", text: ctx.message.text }));
    // Files are not read by the bot; staff get them copied into the customer's topic.
    for (const kind of ["photo", "document", "voice", "sticker", "video"] as const) {
      this.bot.on(`message:${kind}`, (ctx) => {
        const copy = { chatId: String(ctx.chat.id), messageId: ctx.message.message_id };
        return this.receive(runtime, ctx, { type: "media", kind, ...(ctx.message.caption ? { caption: ctx.message.caption } : {}), copy });
      });
    }
    this.bot.catch((error) =>
      this.options.logger.error({ err: error.error, updateId: error.ctx.update.update_id }, "telegram update failed"),
    );
    await this.bot.init();
    const allowed_updates = ["message", "callback_query", "my_chat_member", "pre_checkout_query"] as const;
    const { webhookUrl, webhookSecret } = this.options;
    if (webhookUrl) {
      // grammY answers 401 when the secret header is missing or wrong, before any handling.
      // No timeout of grammY's: after it, grammY answers 200 for an update that may not be stored
      // yet, and a failure after that is an unhandled rejection that ends the process. The answer
      // waits for the handling instead; should Telegram give up first, its redelivery is
      // recognised by the update_id.
      http.post(
        telegramWebhookPath,
        (c, next) => this.keepUnreadableBody(c, next, runtime),
        webhookCallback(this.bot, "hono", { secretToken: webhookSecret, timeoutMilliseconds: Infinity }),
      );
      await this.bot.api.setWebhook(webhookUrl, {
        allowed_updates: [...allowed_updates],
        ...(webhookSecret ? { secret_token: webhookSecret } : {}),
      });
      this.options.logger.info({ bot: this.bot.botInfo.username, webhookUrl }, "telegram webhook set");
      return;
    }
    await this.bot.api.deleteWebhook({ drop_pending_updates: false });
    this.runner = run(this.bot, { runner: { fetch: { allowed_updates: [...allowed_updates] } } });
    this.options.logger.info({ bot: this.bot.botInfo.username }, "telegram polling started");
  }

  async stop(): Promise<void> {
    if (this.runner?.isRunning()) await this.runner.stop();
  }

  /**
   * grammY reads a webhook body as an update and starts with its update_id: a body that is not
   * JSON would be answered 400, and `null` or an update_id it cannot print (arrays nested
   * thousands deep) fail it with 500, so Telegram would deliver it again and again. With the
   * right secret such a body is kept and acknowledged; without it, grammY refuses it with 401.
   */
  private async keepUnreadableBody(c: HonoContext, next: Next, runtime: ConversationRuntime): Promise<Response | undefined> {
    const text = secretMatches(c.req.header(secretHeader), this.options.webhookSecret) ? await c.req.text() : undefined;
    const problem = text === undefined ? undefined : unreadableUpdateProblem(text);
    if (text === undefined || problem === undefined) {
      await next();
      return undefined;
    }
    this.options.logger.warn({ path: telegramWebhookPath, problem }, "telegram update skipped: unreadable");
    await runtime.reject({ channel: "telegram", key: undefined, reason: problem, body: text });
    return c.body(null, 200);
  }

  async send(to: Pick<SendTarget, "externalId" | "lane">, message: OutboundMessage): Promise<void> {
    if (message.copy) {
      // A file staff sent from the support group, copied with its caption.
      await this.options.pacer?.acquire(to.externalId, to.lane);
      await this.bot.api.copyMessage(to.externalId, message.copy.chatId, message.copy.messageId).catch(rethrowClassified);
      return;
    }
    const markup = replyMarkupOf(message, (this.options.texts?.() ?? engineTexts.ru).sharePhone);
    const paid = to.lane === "bulk" && this.options.paidBroadcast ? { allow_paid_broadcast: true } : {};
    const parseMode = { ...paid, ...(message.format === "html" ? { parse_mode: "HTML" as const } : {}) };
    if (message.file) {
      // A short text rides along as the caption; a longer one follows as its own message.
      const asCaption = visibleLength(message) <= maxCaptionLength;
      const extra = asCaption ? { caption: message.text, ...parseMode, ...(markup ? { reply_markup: markup } : {}) } : {};
      await this.sendDocument(to, message.file, extra).catch(rethrowClassified);
      if (asCaption) return;
    }
    const parts = splitText(message.text, maxTextLength);
    for (const [index, text] of parts.entries()) {
      const last = index === parts.length - 1;
      await this.options.pacer?.acquire(to.externalId, to.lane);
      await this.bot.api
        .sendMessage(to.externalId, text, {
          ...parseMode,
          // Buttons belong under the last part, where the reader finishes.
          ...(last && markup ? { reply_markup: markup } : {}),
        })
        .catch(rethrowClassified);
    }
  }

  /** Sends a document by its remembered file_id, uploading it the first time (or when the id stopped working). */
  private async sendDocument(
    { externalId: chatId, lane }: Pick<SendTarget, "externalId" | "lane">,
    file: FileAttachment,
    extra: Parameters<Api["sendDocument"]>[2],
  ): Promise<void> {
    const { files } = this.options;
    const fileId = await files.get("telegram", file.sha256);
    await this.options.pacer?.acquire(chatId, lane);
    if (fileId) {
      try {
        await this.bot.api.sendDocument(chatId, fileId, extra);
        return;
      } catch (error) {
        if (!(error instanceof GrammyError && error.error_code === 400 && /file/i.test(error.description))) throw error;
        this.options.logger.warn({ file: file.name, fileId }, "telegram rejected a remembered file_id; uploading again");
        await files.forget("telegram", file.sha256);
        await this.options.pacer?.acquire(chatId, lane);
      }
    }
    const sent = await this.bot.api.sendDocument(chatId, new InputFile(file.path, file.name), extra);
    await files.put("telegram", file.sha256, sent.document.file_id);
  }

  private async receive(runtime: ConversationRuntime, ctx: Context, event: InboundEvent): Promise<void> {
    const chat = ctx.chat;
    if (chat?.type !== "private") return;
    const from = ctx.from;
    const handle = () =>
      runtime.receive(
        `telegram:${this.botId}:${ctx.update.update_id}`,
        { channel: "telegram", externalId: String(chat.id) },
        { first_name: from?.first_name, last_name: from?.last_name, username: from?.username },
        event,
      );
    await this.handleUpdate(ctx, handle, "update not handled yet; trying again");
  }

  /**
   * A webhook update that fails is answered 500 and delivered again by Telegram; one taken by
   * long polling would be lost (the runner moves on), so it is tried again here.
   */
  private async handleUpdate(ctx: Context, handle: () => Promise<unknown>, retrying: string): Promise<void> {
    if (this.options.webhookUrl) await handle();
    else await keepTrying(handle, pollingPatience, this.options.logger, { updateId: ctx.update.update_id }, retrying);
  }
}

/**
 * 403: the person blocked the bot (no retry, the contact is marked unreachable); 429 beyond the
 * auto-retry plugin's 60 s: retried after its `retry_after`; other 4xx: the request itself is
 * wrong and will never pass. 5xx and network errors that outlasted the plugin stay as they are
 * and are retried later by the runtime.
 */
function rethrowClassified(error: unknown): never {
  if (error instanceof GrammyError && error.error_code === 403) throw new RecipientUnreachableError(error.description, { cause: error });
  // A wait longer than the auto-retry plugin rides out: the runtime waits it out exactly.
  const retryAfter = error instanceof GrammyError && error.error_code === 429 ? error.parameters.retry_after : undefined;
  if (retryAfter !== undefined)
    throw new RetryLaterError(error instanceof Error ? error.message : "429", retryAfter * 1000, { cause: error });
  if (error instanceof GrammyError && error.error_code >= 400 && error.error_code < 500 && error.error_code !== 429)
    throw new MessageRejectedError(error.description, { cause: error });
  throw error;
}

/** Compared by digest, so the time taken tells nothing about the secret. */
function secretMatches(given: string | undefined, secret: string | undefined): boolean {
  if (secret === undefined) return true;
  if (given === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

/** Why grammY could not even begin to read this body as an update, or undefined when it can. */
function unreadableUpdateProblem(text: string): string | undefined {
  let update: unknown;
  try {
    update = JSON.parse(text);
  } catch {
    return "the body is not JSON";
  }
  if (typeof update !== "object" || update === null) return "the body is not a JSON object";
  if (typeof (update as { update_id?: unknown }).update_id !== "number") return "update_id: not a number";
  return undefined;
}

/**
 * The update as text for RejectedInbound. Arrays nested thousands deep parse, but JSON.stringify
 * cannot write them back (its recursion runs out of stack): such an update is kept as a note,
 * rather than failing the request with 500 each time Telegram delivers it again.
 */
function keepableBody(update: unknown): string {
  try {
    return JSON.stringify(update);
  } catch (error) {
    return `(not kept: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Telegram counts a caption's length after parsing its HTML: tags do not count, an entity is one character. */
function visibleLength(message: OutboundMessage): number {
  if (message.format !== "html") return message.text.length;
  return message.text.replace(/<[^>]*>/g, "").replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, "_").length;
}

function replyMarkupOf(
  message: OutboundMessage,
  sharePhoneLabel: string,
): { inline_keyboard: InlineKeyboardButton[][] } | ReplyKeyboardMarkup | ReplyKeyboardRemove | undefined {
  if (message.buttons?.length) {
    return {
      inline_keyboard: message.buttons.map((row) =>
        row.map((button): InlineKeyboardButton => {
          if (button.url) return { text: button.label, url: button.url };
          const data = button.payload ?? button.label;
          if (Buffer.byteLength(data) > maxCallbackDataBytes) throw new Error(`callback_data over ${maxCallbackDataBytes} bytes: ${data}`);
          return { text: button.label, callback_data: data };
        }),
      ),
    };
  }
  // A phone question offers Telegram's "share phone" button; typing the number works too.
  if (message.expects === "phone") {
    return { keyboard: [[{ text: sharePhoneLabel, request_contact: true }]], resize_keyboard: true, one_time_keyboard: true };
  }
  return undefined;
}
