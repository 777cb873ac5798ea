import { type Api, type Context, GrammyError, InputFile } from "grammy";
import type { OutboundMessage } from "../../core/model/outbound-message.ts";
import type { SharedFile } from "../../core/model/shared-file.ts";
import { type ChannelSender, type SendTarget, supportChannel } from "../../core/runtime/channel-sender.ts";
import type { ConversationRuntime, Logger } from "../../core/runtime/conversation-runtime.ts";
import { MessageRejectedError } from "../../core/runtime/message-rejected-error.ts";
import { RetryLaterError } from "../../core/runtime/retry-later-error.ts";
import type { SendPacer } from "../../core/runtime/send-pacer.ts";
import type { SharedFileSource } from "../../core/runtime/shared-file-source.ts";
import type { SupportThreads, SupportThreadView } from "../../core/runtime/support-threads.ts";
import { splitText } from "./split-text.ts";

/**
 * Telegram's limits: a message 4096 characters, a caption 1024, a topic's name 128
 * (https://core.telegram.org/bots/api#createforumtopic), a photo uploaded 10 MB (a larger one goes as a document).
 */
const maxTextLength = 4096;
const maxCaptionLength = 1024;
const maxTopicNameLength = 128;
const maxPhotoBytes = 10 * 1024 * 1024;

export interface TelegramSupportDeskOptions {
  /** The bot's API (the Telegram channel's bot: the same bot is an admin of the support group). */
  api: Api;
  /** SUPPORT_CHAT_ID: a supergroup with topics where the bot may manage topics. */
  chatId: string;
  threads: SupportThreads;
  /** Telegram takes about 20 messages a minute in one group: every post waits for its turn. */
  pacer?: SendPacer | undefined;
  /** Where a VK customer's files are fetched from, to upload them into the topic. */
  sharedFiles?: SharedFileSource | undefined;
  logger: Logger;
}

/**
 * The support staff's side of a handoff, in a Telegram forum supergroup: each customer has a
 * topic (made on the first handoff, reopened on later ones, closed when staff hand the
 * conversation back), what is meant for staff is posted there from the contact's outbox (rows
 * of the `support` channel, addressed by contact id), and what staff write in a topic goes to
 * `runtime.receiveFromStaff`.
 */
export class TelegramSupportDesk implements ChannelSender {
  readonly channel = supportChannel;

  constructor(private readonly options: TelegramSupportDeskOptions) {}

  /**
   * Checks at start-up that the group can serve: a supergroup with topics, the bot an admin
   * allowed to manage topics. Throws saying in plain words what to change.
   */
  async check(botId: number): Promise<void> {
    const { api, chatId } = this.options;
    const chat = await api.getChat(chatId).catch((error: unknown) => {
      throw new Error(
        `SUPPORT_CHAT_ID=${chatId}: the bot cannot see this chat (${describe(error)}). Add the bot to the support group and use the group's id (it starts with -100).`,
      );
    });
    if (chat.type !== "supergroup") throw new Error(`SUPPORT_CHAT_ID=${chatId} is a ${chat.type}, not a supergroup with topics.`);
    if (!chat.is_forum)
      throw new Error(`SUPPORT_CHAT_ID=${chatId} («${chat.title}») has no topics: turn on Topics in the group's settings.`);
    const member = await api.getChatMember(chatId, botId);
    if (member.status !== "administrator" && member.status !== "creator") {
      throw new Error(
        `The bot is not an administrator of the support group «${chat.title}»: make it one, with the right to manage topics.`,
      );
    }
    if (member.status === "administrator" && !member.can_manage_topics) {
      throw new Error(`The bot is an administrator of «${chat.title}» but may not manage topics: give it that right.`);
    }
  }

  /**
   * Posts in the contact's topic, making or reopening it first (a closed topic takes no posts),
   * and closes it again when the bot has the conversation (handed back, or a notice only).
   */
  async send(to: Pick<SendTarget, "externalId">, message: OutboundMessage): Promise<void> {
    const thread = await this.options.threads.forContact(to.externalId);
    if (!thread) throw new MessageRejectedError(`contact ${to.externalId} has no support thread`);
    try {
      let topicId = await this.topicOf(thread);
      try {
        await this.post(thread, topicId, message);
      } catch (error) {
        // Staff deleted the topic: the customer gets a new one.
        if (!(error instanceof GrammyError && /thread not found|TOPIC_DELETED/i.test(error.description))) throw error;
        this.options.logger.warn({ contactId: thread.contactId, topicId }, "support topic is gone; making a new one");
        topicId = await this.makeTopic(thread);
        await this.post({ ...thread, cardMessageId: undefined }, topicId, message);
      }
      if (!thread.open) {
        await this.options.api.closeForumTopic(this.options.chatId, topicId).catch(unlessNotModified);
        await this.options.threads.topicState(thread.contactId, false);
      }
    } catch (error) {
      classify(error);
    }
  }

  /** The support group's chat id: its updates come here, not to the customers' side of the channel. */
  get chatId(): string {
    return this.options.chatId;
  }

  /**
   * Takes what staff write in the group's topics (the bot, an admin, receives every message
   * there): text, or a file with its caption, goes to `runtime.receiveFromStaff` keyed by the message id.
   * Service messages, the General topic and other bots are left alone.
   */
  async receive(ctx: Context, runtime: ConversationRuntime): Promise<void> {
    const message = ctx.message;
    if (!message?.is_topic_message || message.message_thread_id === undefined || !ctx.from || ctx.from.is_bot) return;
    const shared = sharedFileOf(message);
    const text = message.text ?? message.caption ?? "";
    if (!text && !shared) return;
    const file = shared ? { copy: { chatId: this.options.chatId, messageId: message.message_id }, shared } : undefined;
    const staff = {
      id: String(ctx.from.id),
      name: [ctx.from.first_name, ctx.from.last_name].filter(Boolean).join(" ") || (ctx.from.username ?? ""),
    };
    await runtime.receiveFromStaff(
      `support:${this.options.chatId}:${message.message_id}`,
      { chatId: this.options.chatId, topicId: message.message_thread_id },
      staff,
      text,
      file,
    );
  }

  private async topicOf(thread: SupportThreadView): Promise<number> {
    if (thread.topicId === undefined || thread.chatId !== this.options.chatId) return this.makeTopic(thread);
    if (!thread.topicOpen) {
      await this.options.api.reopenForumTopic(this.options.chatId, thread.topicId).catch(unlessNotModified);
      await this.options.threads.topicState(thread.contactId, true);
    }
    return thread.topicId;
  }

  private async makeTopic(thread: SupportThreadView): Promise<number> {
    const topic = await this.options.api.createForumTopic(this.options.chatId, [...thread.title].slice(0, maxTopicNameLength).join(""));
    await this.options.threads.topicMade(thread.contactId, this.options.chatId, topic.message_thread_id);
    return topic.message_thread_id;
  }

  private async post(thread: SupportThreadView, topicId: number, message: OutboundMessage): Promise<void> {
    const { api, chatId, pacer, threads } = this.options;
    if (message.card) {
      await pacer?.acquire(chatId, "bulk");
      if (message.card === "edit" && thread.cardMessageId !== undefined && (await this.editCard(thread.cardMessageId, message.text)))
        return;
      // The card is posted as it is: it fits in one message. An edit without a card to edit posts it anew.
      const posted = await api.sendMessage(chatId, message.text, { message_thread_id: topicId });
      await threads.cardPosted(thread.contactId, posted.message_id);
      return;
    }
    if (message.copy) {
      // What a Telegram customer sent (a photo, a file, a voice message) is copied as it is.
      await pacer?.acquire(chatId, "bulk");
      await api.copyMessage(chatId, message.copy.chatId, message.copy.messageId, { message_thread_id: topicId });
      return;
    }
    if (message.carry && (await this.upload(topicId, message.carry))) return;
    for (const part of splitText(message.text, maxTextLength)) {
      await pacer?.acquire(chatId, "bulk");
      await api.sendMessage(chatId, part, {
        message_thread_id: topicId,
        ...(message.format === "html" ? { parse_mode: "HTML" as const } : {}),
      });
    }
  }

  /** Edits the card in place; false when its message is gone (deleted by staff), so that it is posted again. */
  private async editCard(messageId: number, text: string): Promise<boolean> {
    try {
      await this.options.api.editMessageText(this.options.chatId, messageId, text);
      return true;
    } catch (error) {
      if (error instanceof GrammyError && /message is not modified/i.test(error.description)) return true;
      if (error instanceof GrammyError && /message to edit not found/i.test(error.description)) return false;
      throw error;
    }
  }

  /**
   * A file from another channel, fetched and uploaded into the topic with its caption. False when
   * it cannot be had or Telegram refuses it: the post's text then names it with its link.
   */
  private async upload(topicId: number, { file, caption }: NonNullable<OutboundMessage["carry"]>): Promise<boolean> {
    const { api, chatId, pacer, sharedFiles, logger } = this.options;
    const fetched = await sharedFiles?.fetch(file).catch((error: unknown) => {
      logger.warn({ err: error, kind: file.kind }, "a customer's file could not be fetched; naming it in the topic");
    });
    if (!fetched) return false;
    const input = new InputFile(fetched.bytes, fetched.name);
    const options = { message_thread_id: topicId, ...(caption ? { caption: [...caption].slice(0, maxCaptionLength).join("") } : {}) };
    await pacer?.acquire(chatId, "bulk");
    try {
      if (file.kind === "photo" && fetched.bytes.length <= maxPhotoBytes) await api.sendPhoto(chatId, input, options);
      else if (file.kind === "voice") await api.sendVoice(chatId, input, options);
      else await api.sendDocument(chatId, input, options);
      return true;
    } catch (error) {
      if (!(error instanceof GrammyError && error.error_code === 400)) throw error;
      logger.warn({ err: error, kind: file.kind }, "telegram refused a customer's file; naming it in the topic");
      return false;
    }
  }
}

/** A file in a staff member's message, as another channel can fetch it (a photo in its largest size). */
function sharedFileOf(message: NonNullable<Context["message"]>): SharedFile | undefined {
  const photo = message.photo?.at(-1);
  if (photo) return { kind: "photo", telegramFileId: photo.file_id, ...sizeOf(photo.file_size) };
  const { document, voice, video, sticker } = message;
  if (document)
    return {
      kind: "document",
      telegramFileId: document.file_id,
      ...(document.file_name ? { name: document.file_name } : {}),
      ...sizeOf(document.file_size),
    };
  if (voice) return { kind: "voice", telegramFileId: voice.file_id, ...sizeOf(voice.file_size) };
  if (video) return { kind: "video", telegramFileId: video.file_id, ...sizeOf(video.file_size) };
  if (sticker) return { kind: "sticker", telegramFileId: sticker.file_id, ...sizeOf(sticker.file_size) };
  return undefined;
}

function sizeOf(size: number | undefined): { size?: number } {
  return size === undefined ? {} : { size };
}

/** A topic already in the state asked for is no failure. */
function unlessNotModified(error: unknown): void {
  if (error instanceof GrammyError && /TOPIC_NOT_MODIFIED/.test(error.description)) return;
  throw error;
}

/**
 * Flood control beyond what the auto-retry plugin waits out: retried after `retry_after`; a
 * request Telegram refuses (400) will never pass; anything else (a 403 after the bot was removed
 * from the group, 5xx, the network) is retried later: no post for staff is dropped for it.
 */
function classify(error: unknown): never {
  if (error instanceof GrammyError && error.error_code === 429 && error.parameters.retry_after !== undefined) {
    throw new RetryLaterError(error.message, error.parameters.retry_after * 1000, { cause: error });
  }
  if (error instanceof GrammyError && error.error_code === 400) throw new MessageRejectedError(error.description, { cause: error });
  throw error;
}

function describe(error: unknown): string {
  return error instanceof GrammyError ? error.description : error instanceof Error ? error.message : String(error);
}
