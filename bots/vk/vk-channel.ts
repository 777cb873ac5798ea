import { createHash } from "node:crypto";
import { Agent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import type { Context, Hono } from "hono";
import type { Params } from "vk-io";
import { APIError, type MessageContext, type MessageSubscriptionContext, UploadError, VK } from "vk-io";
import type { InboundEvent } from "../../core/model/inbound-event.ts";
import type { FileAttachment, MessagePurpose, OutboundMessage } from "../../core/model/outbound-message.ts";
import type { SharedFile } from "../../core/model/shared-file.ts";
import type { ChannelSender, SendTarget } from "../../core/runtime/channel-sender.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";
import { keepTrying, pollingPatience } from "../../core/runtime/keep-trying.ts";
import { MessageRejectedError } from "../../core/runtime/message-rejected-error.ts";
import { RecipientUnreachableError } from "../../core/runtime/recipient-unreachable-error.ts";
import type { SendLane, SendPacer } from "../../core/runtime/send-pacer.ts";
import type { SharedFileSource } from "../../core/runtime/shared-file-source.ts";
import type { UploadedFileCache } from "../../core/runtime/uploaded-file-cache.ts";
import { htmlToPlainText } from "../../core/template/html-to-plain-text.ts";
import { splitText } from "../telegram/split-text.ts";
import { updateOutcome } from "../update-outcome.ts";
import { vkCallbackEventSchema } from "./vk-callback-event.ts";
import { vkKeyboard } from "./vk-keyboard.ts";
import { vkSharedFiles } from "./vk-shared-files.ts";

/**
 * VK's `intent` by what a message is for (https://dev.vk.com/ru/api/bots/development/messages):
 * within 24 hours of the person's last message a community writes freely (no intent); later only
 * a message with an intent goes. Marketing has none we can use (`promo_newsletter` needs a
 * newsletter subscription): the engine does not send it outside the 24 hours.
 */
const intentOf: Record<MessagePurpose, Params.MessagesSendParams["intent"]> = {
  service: "confirmed_notification",
  support: "customer_support",
  purchase: "purchase_update",
  promo: undefined,
};

/** VK message text limit (https://dev.vk.com/ru/method/messages.send). */
const maxTextLength = 4096;
/** "Community may not message this user" (the user never wrote or denied messages). */
const vkCannotMessage = new Set([901, 902]);
const vkFloodControl = 9;
/** Unknown error, too many requests, flood control, internal server error. */
const vkPassingTrouble = new Set([1, 6, 9, 10]);
const maxFloodRetries = 4;
/**
 * VK allows a community token 20 API requests a second. vk-io's own queue lets only 3 a second
 * through unless told otherwise, which would cap every reply of the community far below that;
 * the shared send pacer is what keeps the processes together within VK's limit.
 */
const vkApiRequestsPerSecond = 20;

export interface VkOptions {
  token: string;
  groupId: number;
  /** VK API base, e.g. https://api.vk.ru/method (default) or a test fake. */
  apiBaseUrl?: string | undefined;
  pacer?: SendPacer | undefined;
  /** Documents already uploaded (attachment strings), shared by all processes. */
  files: UploadedFileCache;
  /** Where files from other channels (staff's in the support group) are fetched from, to upload them for VK customers. */
  sharedFiles?: SharedFileSource | undefined;
  /**
   * Callback API instead of Long Poll: the string VK expects back for the `confirmation` event,
   * and the secret it sends with every event.
   */
  callback?: { confirmationCode: string; secret: string } | undefined;
  logger: Logger;
}

/** Where the app receives VK Callback API events. */
export const vkCallbackPath = "/vk/callback";

/**
 * The VK community channel on vk-io (https://github.com/negezor/vk-io), Bots Long Poll:
 * messages and button payloads become inbound events; replies are sent with a `random_id`
 * derived from the outbox dedupe key, so a retried send cannot duplicate a message.
 */
export class VkChannel implements ChannelSender {
  readonly channel = "vk" as const;
  readonly vk: VK;

  constructor(private readonly options: VkOptions) {
    const plainHttp = options.apiBaseUrl?.startsWith("http://");
    this.vk = new VK({
      token: options.token,
      pollingGroupId: options.groupId,
      ...(options.apiBaseUrl ? { apiBaseUrl: options.apiBaseUrl } : {}),
      // vk-io's default agent is https-only; a plain-http fake needs an http agent.
      ...(plainHttp ? { agent: new Agent({ keepAlive: true }) as unknown as HttpsAgent } : {}),
      pollingWait: 1_000,
      apiLimit: vkApiRequestsPerSecond,
    });
  }

  /** Starts Long Poll, or mounts the Callback API route on `http` when `callback` is configured. */
  async start(runtime: ConversationRuntime, http: Hono): Promise<void> {
    this.vk.updates.on("message_new", (ctx) => this.handled("message_new", () => this.receive(runtime, ctx)));
    this.vk.updates.on("message_subscription", (ctx: MessageSubscriptionContext) =>
      this.handled(ctx.type, () => runtime.setBlocked({ channel: "vk", externalId: String(ctx.userId) }, ctx.isUnsubscribed)),
    );
    const { callback } = this.options;
    if (callback) {
      http.post(vkCallbackPath, (c) => this.answerCallback(c, callback, runtime));
      this.options.logger.info({ groupId: this.options.groupId, path: vkCallbackPath }, "vk callback api ready");
      return;
    }
    await this.vk.updates.start();
    this.options.logger.info({ groupId: this.options.groupId }, "vk long poll started");
  }

  /**
   * One Callback API request. Whatever parses as JSON must carry the secret and this community's
   * id (403 otherwise). An event that can never be handled (a body that is not JSON, or fields
   * missing or of the wrong type) is logged for a person and answered "ok" anyway: VK redelivers
   * whatever it gets no "ok" for.
   */
  private async answerCallback(
    c: Context,
    callback: { confirmationCode: string; secret: string },
    runtime: ConversationRuntime,
  ): Promise<Response> {
    const { logger } = this.options;
    const text = await c.req.text();
    // Kept for a person to look at, without the callback secret.
    const keep = (reason: string, key?: unknown) =>
      runtime.reject({
        channel: "vk",
        key: typeof key === "string" ? key : undefined,
        reason,
        body: text.replaceAll(callback.secret, "[secret]"),
      });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      logger.warn({ path: vkCallbackPath }, "vk callback skipped: the body is not JSON");
      await keep("the body is not JSON");
      return c.text("ok");
    }
    const claimed = body as { type?: unknown; event_id?: unknown; group_id?: unknown; secret?: unknown } | null;
    if (claimed?.group_id !== this.options.groupId || claimed?.secret !== callback.secret) return c.text("forbidden", 403);
    const parsed = vkCallbackEventSchema(claimed.type).safeParse(body);
    if (!parsed.success) {
      // Zod's messages name the field and the expected type, never the value: no secret or message text gets logged.
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "event"}: ${issue.message}`);
      logger.warn(
        {
          type: typeof claimed.type === "string" ? claimed.type : undefined,
          eventId: typeof claimed.event_id === "string" ? claimed.event_id : undefined,
          problems,
        },
        "vk callback skipped: not a valid callback event",
      );
      await keep(problems.join("; "), claimed.event_id);
      return c.text("ok");
    }
    const event = parsed.data;
    if (event.type === "confirmation") return c.text(callback.confirmationCode);
    // Unlike vk-io's own webhook transport, answer "ok" only after the event is stored and
    // handled: a crash or a failure before that (the database away) makes VK deliver it again.
    const { failed } = await updateOutcome.track(() => this.vk.updates.handleWebhookUpdate(event));
    return failed ? c.text("retry later", 500) : c.text("ok");
  }

  /**
   * Runs a handler of vk-io's. vk-io's composer catches what a handler throws and prints it
   * with console.error, so the failure is logged here and told to the Callback request that
   * delivered the event, which then answers so that VK delivers it again.
   */
  private async handled(type: string, handler: () => Promise<void>): Promise<void> {
    try {
      await handler();
    } catch (error) {
      this.options.logger.error({ err: error, type }, "vk update failed");
      updateOutcome.fail();
    }
  }

  async stop(): Promise<void> {
    await this.vk.updates.stop();
  }

  async send(to: Pick<SendTarget, "externalId" | "dedupeKey" | "lane">, message: OutboundMessage): Promise<void> {
    const peerId = Number(to.externalId);
    // A file from another channel goes with its caption; the text names it should it not get through.
    const carried = message.carry ? await this.carried(message.carry.file, peerId, to.lane) : undefined;
    const text = carried ? (message.carry?.caption ?? "") : message.format === "html" ? htmlToPlainText(message.text) : message.text;
    const parts = carried && !text ? [""] : splitText(text, maxTextLength);
    const keyboard = vkKeyboard(message);
    for (const [index, part] of parts.entries()) {
      // A file goes with the first part, as a document under its text.
      const file = index === 0 ? message.file : undefined;
      const attachment = index > 0 ? undefined : file ? await this.documentOf(file, peerId, to.lane) : carried;
      await this.options.pacer?.acquire(to.externalId, to.lane);
      const last = index === parts.length - 1;
      const intent = message.purpose ? intentOf[message.purpose] : undefined;
      const params: MessageParams = {
        peer_id: peerId,
        message: part,
        random_id: randomIdOf(`${to.dedupeKey}/${index}`),
        ...(intent ? { intent } : {}),
        ...(attachment ? { attachment } : {}),
        ...(last && keyboard ? { keyboard } : {}),
      };
      try {
        await this.sendWithRetry(params);
      } catch (error) {
        if (!file || !isInvalidAttachment(error)) throw classified(error);
        // A remembered document VK no longer accepts: upload it again and send once more.
        this.options.logger.warn({ file: file.name, attachment }, "vk rejected a remembered document; uploading again");
        await this.options.files.forget("vk", file.sha256);
        await this.sendWithRetry({ ...params, attachment: await this.documentOf(file, peerId, to.lane) }).catch((again: unknown) => {
          throw classified(again);
        });
      }
    }
  }

  /** The attachment string of a file: remembered, or uploaded as a message document now. */
  private async documentOf(file: FileAttachment, peerId: number, lane: SendLane): Promise<string> {
    const remembered = await this.options.files.get("vk", file.sha256);
    if (remembered) return remembered;
    await this.options.pacer?.acquire(String(peerId), lane);
    const document = await this.vk.upload.messageDocument({
      peer_id: peerId,
      title: file.name,
      source: { value: file.path, filename: file.name },
    });
    const attachment = document.toString();
    await this.options.files.put("vk", file.sha256, attachment);
    return attachment;
  }

  /**
   * The attachment string of a file from another channel, fetched and uploaded for this peer (a
   * photo as a photo, a voice message as one, anything else as a document). Undefined when the
   * file cannot be had or VK refuses it; VK's own trouble and the network are retried later.
   */
  private async carried(file: SharedFile, peerId: number, lane: SendLane): Promise<string | undefined> {
    const { sharedFiles, pacer, logger } = this.options;
    const fetched = await sharedFiles?.fetch(file).catch((error: unknown) => {
      logger.warn({ err: error, kind: file.kind }, "a file for a vk customer could not be fetched; sending its caption");
    });
    if (!fetched) return undefined;
    await pacer?.acquire(String(peerId), lane);
    const upload = { peer_id: peerId, source: { value: fetched.bytes, filename: fetched.name } };
    try {
      const attachment =
        file.kind === "photo"
          ? await this.vk.upload.messagePhoto(upload)
          : file.kind === "voice"
            ? await this.vk.upload.audioMessage(upload)
            : await this.vk.upload.messageDocument({ ...upload, title: fetched.name });
      return attachment.toString();
    } catch (error) {
      if (!(error instanceof APIError || error instanceof UploadError) || vkPassingTrouble.has(Number(error.code))) throw error;
      logger.warn({ err: error, kind: file.kind }, "vk refused a file for a customer; sending its caption");
      return undefined;
    }
  }

  /**
   * vk-io itself waits out error 6 (too many requests per second); error 9 (flood control) is
   * retried here with a growing pause. The same random_id makes a retry safe.
   */
  private async sendWithRetry(params: MessageParams): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.vk.api.messages.send(params);
        return;
      } catch (error) {
        const code = error instanceof APIError ? Number(error.code) : undefined;
        if (code !== vkFloodControl || attempt >= maxFloodRetries) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 1_000));
      }
    }
  }

  private async receive(runtime: ConversationRuntime, ctx: MessageContext): Promise<void> {
    if (ctx.isOutbox || !ctx.isUser) return;
    const payload = ctx.messagePayload as { b?: unknown; command?: unknown } | undefined;
    // Files are not read by the bot; while staff have the conversation they go to the topic.
    const files = vkSharedFiles(ctx.attachments);
    const [first] = files;
    const event: InboundEvent = ctx.referralValue
      ? { type: "start", payload: ctx.referralValue }
      : typeof payload?.b === "string"
        ? { type: "button", payload: payload.b, ...(ctx.text ? { label: ctx.text } : {}) }
        : payload?.command === "start"
          ? { type: "start" }
          : first && !ctx.text
            ? { type: "media", kind: first.kind, files }
            : { type: "text", text: ctx.text ?? "", ...(first ? { files } : {}) };
    // VK's message id is unique per community and the same on a redelivery.
    const handle = () =>
      runtime.receive(`vk:${this.options.groupId}:${ctx.id}`, { channel: "vk", externalId: String(ctx.peerId) }, {}, event);
    // A Callback event that fails is answered so that VK delivers it again; one taken by Long
    // Poll would be lost, so it is tried again here.
    if (this.options.callback) await handle();
    else await keepTrying(handle, pollingPatience, this.options.logger, { messageId: ctx.id }, "update not handled yet; trying again");
  }
}

interface MessageParams {
  peer_id: number;
  message: string;
  random_id: number;
  intent?: Params.MessagesSendParams["intent"];
  attachment?: string;
  keyboard?: string;
}

/**
 * 901/902: the person does not allow messages (no retry, the contact is marked unreachable);
 * other API errors: the request is wrong and will never pass, except VK's own trouble (1, 10)
 * and rate limits (6, 9), which the runtime retries later like network errors.
 */
function classified(error: unknown): unknown {
  if (!(error instanceof APIError)) return error;
  const code = Number(error.code);
  if (vkCannotMessage.has(code)) return new RecipientUnreachableError(error.message, { cause: error });
  if (vkPassingTrouble.has(code)) return error;
  return new MessageRejectedError(error.message, { cause: error });
}

function isInvalidAttachment(error: unknown): boolean {
  return error instanceof APIError && Number(error.code) === 100 && /attachment/i.test(error.message);
}

/** A stable positive 31-bit id per logical message (VK ignores a repeated random_id). */
export function randomIdOf(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) & 0x7fffffff;
}
