import { webhookBodyLimitBytes } from "../../app/orkestr-app.ts";
import { telegramWebhookPath } from "../../bots/telegram/telegram-channel.ts";
import type { FakeTelegramApi } from "../fakes/fake-telegram-api.ts";
import { deepLinkReplies, isFollowUp } from "./fixture-flow-inputs.ts";
import type { BotReply, ConversationCase, ConversationStep, DoorRequest, FuzzCase, FuzzDoor, SingleCase } from "./fuzz-case.ts";
import { describeValue, setAt, toJsonBody } from "./hostile-values.ts";
import type { Extra, TelegramPlan, UpdateKind } from "./telegram-fuzz-plans.ts";

/**
 * The Telegram webhook (`POST /telegram/webhook`) as the fuzz test drives it: every update is a
 * new chat and a new update_id, except the redeliveries, which repeat one on purpose.
 */
export class TelegramFuzzDoor implements FuzzDoor<TelegramPlan> {
  readonly name = "telegram";
  private nextChat = 1_000_000;
  private nextUpdate = 1;
  private nextMessage = 1;

  constructor(
    private readonly api: FakeTelegramApi,
    private readonly secret: string,
  ) {}

  build(plan: TelegramPlan): FuzzCase {
    const chat = this.nextChat++;
    switch (plan.type) {
      case "counter":
        return this.counter(chat, plan);
      case "deep-link": {
        const command = plan.mention ? `/start@orkestr_test_bot ${plan.link.payload}` : `/start ${plan.link.payload}`;
        const update = { ...this.text(chat, command, plan.name), ...plan.extra };
        return conversation(plan.type, chat, [this.step(update, deepLinkReplies(plan.link, { html: true, name: plan.name }))]);
      }
      case "consent":
        return this.consent(chat, plan);
      case "first-text": {
        const update = { ...this.text(chat, plan.text, plan.name), ...plan.extra };
        return conversation(plan.type, chat, [this.step(update, [`Hello, ${plan.name}!`])]);
      }
      case "malformed": {
        const base = { ...this.base(plan.base, chat), ...plan.extra };
        const body = toJsonBody(setAt(base, plan.path, plan.value));
        // The update_id as the app reads it from the body, when it is a number.
        const id = (JSON.parse(body) as { update_id?: unknown } | null)?.update_id;
        const kind = `malformed ${plan.path.join(".") || "update"} = ${describeValue(plan.value)}`;
        return this.single(kind, body, 200, { rejectedKey: typeof id === "number" ? String(id) : null, chat });
      }
      case "unanswered":
        return this.single(`unanswered ${plan.shape}`, toJsonBody(this.unanswered(plan.shape, chat)), 200, { chat });
      case "not-json":
        return this.single("not JSON", typeof plan.body === "string" ? plan.body : Uint8Array.from(plan.body), 200, { rejectedKey: null });
      case "forged": {
        const body = plan.garbage ? "{not json" : JSON.stringify(this.text(chat, "/start counter", "Eve"));
        return {
          ...this.single(`forged (secret ${plan.secret})`, body, 401, { chat }),
          request: this.request(body, forgedSecret(this.secret, plan.secret)),
        };
      }
      case "too-large": {
        const body = JSON.stringify(this.text(chat, `/start ${"x".repeat(webhookBodyLimitBytes)}`, "Big"));
        return { ...this.single("over 1 MiB", body, 413, { chat }), request: { ...this.request(body, this.secret), ownConnection: true } };
      }
    }
  }

  async replies(address: string): Promise<BotReply[]> {
    return this.api
      .sent(Number(address))
      .filter((m) => !isFollowUp(m.text))
      .map((m) => {
        const keyboard = (m.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined)
          ?.inline_keyboard;
        const buttons = (keyboard ?? []).flat().flatMap((b) => (b.callback_data ? [{ label: b.text, data: b.callback_data }] : []));
        return { text: m.text, buttons };
      });
  }

  /** `/start counter`, then texts; each is answered with the counter's question. A redelivery is answered by nothing. */
  private counter(chat: number, plan: Extract<TelegramPlan, { type: "counter" }>): ConversationCase {
    const start = this.text(chat, "/start counter", plan.name);
    const texts = plan.texts.map((text) => ({ ...this.text(chat, text, plan.name), ...plan.extra }));
    const steps = [start, ...texts].map((update) => this.step(update, ["Send anything"]));
    const last = texts.at(-1);
    if (plan.redelivery === "after" && last) steps.push(this.step(last, []));
    const racing = steps.at(-1);
    if (plan.redelivery === "racing" && racing) racing.copies = 2;
    return conversation(`counter (${plan.redelivery} redelivery)`, chat, steps);
  }

  /** `/start consent`, a press on «agree», then the phone: shared as a contact or typed. */
  private consent(chat: number, plan: Extract<TelegramPlan, { type: "consent" }>): ConversationCase {
    const start = this.text(chat, "/start consent", plan.name);
    const phone = plan.shared
      ? (() => {
          const message = this.text(chat, "", plan.name).message as Extra;
          const { text: _text, ...withoutText } = message;
          return {
            update_id: this.nextUpdate++,
            message: { ...withoutText, contact: { phone_number: plan.phone, first_name: plan.name, user_id: chat } },
          };
        })()
      : this.text(chat, plan.phone, plan.name);
    const press = this.nextUpdate++;
    return conversation(plan.shared ? "consent, phone shared" : "consent, phone typed", chat, [
      this.step(start, ["Agree to <b>terms</b>?"]),
      this.step((replies) => this.press(press, chat, plan.name, replies.at(-1)), ["Phone?"]),
      this.step(phone, ["Thanks"]),
    ]);
  }

  /** A press on the first button of `reply`, with the keyboard as Telegram sends it back. */
  private press(updateId: number, chat: number, name: string, reply: BotReply | undefined): Extra {
    const button = reply?.buttons[0];
    return {
      update_id: updateId,
      callback_query: {
        id: `q${updateId}`,
        from: { id: chat, is_bot: false, first_name: name },
        chat_instance: String(chat),
        data: button?.data ?? "no button was shown",
        message: {
          message_id: this.nextMessage++,
          date: 1_700_000_000,
          chat: { id: chat, type: "private", first_name: name },
          text: reply?.text ?? "",
          reply_markup: { inline_keyboard: (reply?.buttons ?? []).map((b) => [{ text: b.label, callback_data: b.data }]) },
        },
      },
    };
  }

  private text(chat: number, text: string, name: string): Extra & { message: unknown } {
    return { update_id: this.nextUpdate++, ...(this.api.textMessage(chat, text, name) as { message: unknown }) };
  }

  /** A legitimate update of each kind, to break one field of. */
  private base(base: UpdateKind, chat: number): Extra {
    switch (base) {
      case "text":
        return this.text(chat, "Привет", "Анна");
      case "start":
        return this.text(chat, "/start counter", "Анна");
      case "press":
        return this.press(this.nextUpdate++, chat, "Анна", { text: "Pick", buttons: [{ label: "Continue", data: "b|1|0|abcdef" }] });
      case "contact": {
        const update = this.text(chat, "", "Анна");
        const { text: _text, ...message } = update.message as Extra;
        return { ...update, message: { ...message, contact: { phone_number: "+79161234567", first_name: "Анна" } } };
      }
      case "member":
        return {
          update_id: this.nextUpdate++,
          my_chat_member: {
            chat: { id: chat, type: "private", first_name: "Анна" },
            from: { id: chat, is_bot: false, first_name: "Анна" },
            date: 1_700_000_000,
            old_chat_member: { status: "member", user: { id: 123, is_bot: true, first_name: "Orkestr Test" } },
            new_chat_member: { status: "kicked", user: { id: 123, is_bot: true, first_name: "Orkestr Test" }, until_date: 0 },
          },
        };
    }
  }

  /** Updates the channel has nothing to say to: other chats, other kinds of update, a message without text. */
  private unanswered(shape: Extract<TelegramPlan, { type: "unanswered" }>["shape"], chat: number): Extra {
    const { message } = this.text(chat, "hello", "Анна") as { message: Extra };
    const group = { id: chat, type: "supergroup", title: "Группа" };
    switch (shape) {
      case "group":
        return { update_id: this.nextUpdate++, message: { ...message, chat: group } };
      case "channel-post":
        return { update_id: this.nextUpdate++, channel_post: { ...message, chat: { id: chat, type: "channel", title: "Канал" } } };
      case "edited":
        return { update_id: this.nextUpdate++, edited_message: { ...message, edit_date: 1_700_000_001 } };
      case "sticker": {
        const { text: _text, ...rest } = message;
        return {
          update_id: this.nextUpdate++,
          message: { ...rest, sticker: { file_id: "s", file_unique_id: "s", type: "regular", width: 1, height: 1 } },
        };
      }
      case "poll":
        return { update_id: this.nextUpdate++, poll: { id: "p", question: "?", options: [], total_voter_count: 0, is_closed: false } };
      case "kicked":
        return this.base("member", chat);
    }
  }

  /** A step of a conversation; a press is built from the replies so far, once they are there. */
  private step(update: Extra | ((replies: BotReply[]) => Extra), replies: string[]): ConversationStep {
    const request =
      typeof update === "function"
        ? (seen: BotReply[]) => this.request(toJsonBody(update(seen)), this.secret)
        : this.request(toJsonBody(update), this.secret);
    return { request, expected: { status: 200 }, replies };
  }

  private single(
    kind: string,
    body: string | Uint8Array,
    status: number,
    { rejectedKey, chat }: { rejectedKey?: string | null; chat?: number },
  ): SingleCase {
    return {
      type: "single",
      kind,
      request: this.request(body, this.secret),
      expected: { status },
      ...(rejectedKey === undefined ? {} : { rejectedKey }),
      ...(chat === undefined ? {} : { silentAddress: String(chat) }),
    };
  }

  private request(body: string | Uint8Array, secret: string | undefined): DoorRequest {
    return {
      method: "POST",
      path: telegramWebhookPath,
      headers: { "content-type": "application/json", ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }) },
      body,
    };
  }
}

function conversation(kind: string, chat: number, steps: ConversationStep[]): ConversationCase {
  return { type: "conversation", kind, address: String(chat), steps };
}

function forgedSecret(secret: string, how: Extract<TelegramPlan, { type: "forged" }>["secret"]): string | undefined {
  switch (how) {
    case "missing":
      return undefined;
    case "empty":
      return "";
    case "longer":
      return `${secret}x`;
    case "shorter":
      return secret.slice(0, -1);
    case "changed":
      return `${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`;
    case "upper-case":
      // (Not padded with spaces: HTTP drops those around a header value, so that is the secret itself.)
      return secret.toUpperCase();
  }
}
