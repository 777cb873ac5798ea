import { webhookBodyLimitBytes } from "../../app/orkestr-app.ts";
import { vkCallbackPath } from "../../bots/vk/vk-channel.ts";
import type { FakeVkApi } from "../fakes/fake-vk-api.ts";
import { deepLinkReplies, isFollowUp } from "./fixture-flow-inputs.ts";
import type { BotReply, ConversationCase, ConversationStep, DoorRequest, FuzzCase, FuzzDoor, SingleCase } from "./fuzz-case.ts";
import { describeValue, setAt, toJsonBody } from "./hostile-values.ts";
import type { EventKind, Extra, UnansweredShape, VkPlan } from "./vk-fuzz-plans.ts";

/**
 * VK's Callback API (`POST /vk/callback`) as the fuzz test drives it: every event is a new peer,
 * message id and event id, except the redeliveries, which repeat an event on purpose.
 */
export class VkFuzzDoor implements FuzzDoor<VkPlan> {
  readonly name = "vk";
  private nextPeer = 100_000;
  private nextMessage = 1;
  private nextEvent = 1;

  constructor(
    private readonly api: FakeVkApi,
    private readonly callback: { groupId: number; secret: string; confirmationCode: string },
  ) {}

  build(plan: VkPlan): FuzzCase {
    const peer = this.nextPeer++;
    switch (plan.type) {
      case "counter":
        return this.counter(peer, plan);
      case "deep-link": {
        const event = this.messageNew(peer, "Начать", {
          message: { ref: plan.link.payload },
          clientInfo: plan.clientInfo,
          extra: plan.extra,
        });
        return conversation("deep link", peer, [this.step(event, deepLinkReplies(plan.link, { html: false, name: "guest" }))]);
      }
      case "start-button": {
        const event = this.messageNew(peer, "Начать", { message: { payload: JSON.stringify({ command: "start" }) } });
        return conversation("start button", peer, [this.step(event, ["Hello, guest!"])]);
      }
      case "consent":
        return this.consent(peer, plan.phone);
      case "first-text": {
        const event = this.messageNew(peer, plan.text, { clientInfo: plan.clientInfo, extra: plan.extra });
        return conversation("first text", peer, [this.step(event, ["Hello, guest!"])]);
      }
      case "malformed": {
        const base = { ...this.base(plan.base, peer), ...plan.extra };
        const body = toJsonBody(setAt(base, plan.path, plan.value));
        // The event_id as the app reads it from the body, when it is a string.
        const id = (JSON.parse(body) as { event_id?: unknown }).event_id;
        const kind = `malformed ${plan.path.join(".")} = ${describeValue(plan.value)}`;
        return this.single(kind, body, { status: 200, body: "ok" }, { rejectedKey: typeof id === "string" ? id : null, peer });
      }
      case "unanswered":
        return this.single(
          `unanswered ${plan.shape}`,
          toJsonBody(this.unanswered(plan.shape, peer)),
          { status: 200, body: "ok" },
          { peer },
        );
      case "not-json":
        return this.single(
          "not JSON",
          typeof plan.body === "string" ? plan.body : Uint8Array.from(plan.body),
          { status: 200, body: "ok" },
          { rejectedKey: null },
        );
      case "not-an-object":
        // Without an object there is no secret to check: refused like a forged event.
        return this.single(`not an object: ${JSON.stringify(plan.value)}`, JSON.stringify(plan.value), { status: 403 }, {});
      case "forged": {
        const event = this.messageNew(peer, "/start counter");
        const forged =
          plan.how === "wrong-secret"
            ? { ...event, secret: `${this.callback.secret}x` }
            : plan.how === "no-secret"
              ? { ...event, secret: undefined }
              : { ...event, group_id: this.callback.groupId + 1 };
        return this.single(`forged (${plan.how})`, JSON.stringify(forged), { status: 403 }, { peer });
      }
      case "confirmation": {
        const body = JSON.stringify({ type: "confirmation", group_id: this.callback.groupId, secret: this.callback.secret });
        return this.single("confirmation", body, { status: 200, body: this.callback.confirmationCode }, {});
      }
      case "too-large": {
        const body = JSON.stringify(this.messageNew(peer, "x".repeat(webhookBodyLimitBytes)));
        return { ...this.single("over 1 MiB", body, { status: 413 }, { peer }), request: { ...this.request(body), ownConnection: true } };
      }
    }
  }

  async replies(address: string): Promise<BotReply[]> {
    return this.api
      .sent(Number(address))
      .filter((m) => !isFollowUp(m.text))
      .map((m) => {
        const rows = (m.keyboard?.buttons ?? []) as Array<Array<{ action: { label: string; payload?: string } }>>;
        const buttons = rows.flat().flatMap(({ action }) => (action.payload ? [{ label: action.label, data: action.payload }] : []));
        return { text: m.text, buttons };
      });
  }

  /** A deep link to the counter (or `/start counter` typed), then texts, each answered with its question. */
  private counter(peer: number, plan: Extract<VkPlan, { type: "counter" }>): ConversationCase {
    const options = { clientInfo: plan.clientInfo, extra: plan.extra };
    const start =
      plan.start === "ref"
        ? this.messageNew(peer, "Начать", { ...options, message: { ref: "counter" } })
        : this.messageNew(peer, "/start counter", options);
    const texts = plan.texts.map((text) => this.messageNew(peer, text, options));
    const steps = [start, ...texts].map((event) => this.step(event, ["Send anything"]));
    const last = texts.at(-1);
    if (plan.redelivery === "after" && last) steps.push(this.step(last, []));
    const racing = steps.at(-1);
    if (plan.redelivery === "racing" && racing) racing.copies = 2;
    return conversation(`counter (${plan.start}, ${plan.redelivery} redelivery)`, peer, steps);
  }

  /** The consent flow: a deep link, a press on «agree» (VK sends the label as text, with the payload), the phone typed. */
  private consent(peer: number, phone: string): ConversationCase {
    const start = this.messageNew(peer, "Начать", { message: { ref: "consent" } });
    const press = (replies: BotReply[]) => {
      const button = replies.at(-1)?.buttons[0];
      return this.messageNew(peer, button?.label ?? "Согласен", {
        message: { payload: button?.data ?? JSON.stringify({ b: "no button" }) },
      });
    };
    return conversation("consent", peer, [
      this.step(start, ["Agree to terms?"]),
      this.step(press, ["Phone?"]),
      this.step(this.messageNew(peer, phone), ["Thanks"]),
    ]);
  }

  /** A `message_new` as VK 5.199 sends it; `clientInfo: false` leaves out the optional client_info. */
  private messageNew(peer: number, text: string, options: { message?: Extra; clientInfo?: boolean; extra?: Extra } = {}): Extra {
    const id = this.nextMessage++;
    const message = {
      id,
      date: 1_700_000_000,
      peer_id: peer,
      from_id: peer,
      text,
      out: 0,
      conversation_message_id: id,
      fwd_messages: [],
      attachments: [],
      ...options.message,
    };
    const clientInfo = {
      button_actions: ["text", "open_link", "callback"],
      keyboard: true,
      inline_keyboard: true,
      carousel: true,
      lang_id: 0,
    };
    return this.event("message_new", { message, ...(options.clientInfo === false ? {} : { client_info: clientInfo }) }, options.extra);
  }

  private event(type: string, object: unknown, extra: Extra = {}): Extra {
    return {
      group_id: this.callback.groupId,
      type,
      event_id: `fz${this.nextEvent++}`,
      v: "5.199",
      object,
      secret: this.callback.secret,
      ...extra,
    };
  }

  /** A legitimate event to break one field of; the message carries an attachment, a forward and a reply to break. */
  private base(base: EventKind, peer: number): Extra {
    if (base === "allow") return this.event("message_allow", { user_id: peer, key: "k" });
    const quoted = { id: 0, date: 1_699_999_999, peer_id: peer, from_id: peer, text: "quoted", conversation_message_id: 1 };
    return this.messageNew(peer, "Привет", {
      message: {
        attachments: [{ type: "photo", photo: { id: 1, owner_id: peer, date: 0, sizes: [] } }],
        fwd_messages: [{ ...quoted }],
        reply_message: { ...quoted },
      },
    });
  }

  private unanswered(shape: UnansweredShape, peer: number): Extra {
    switch (shape) {
      case "message_event":
        return this.event(shape, {
          user_id: peer,
          peer_id: peer,
          event_id: "a1b2c3",
          payload: JSON.stringify({ b: "b|1|0|abcdef" }),
          conversation_message_id: 7,
        });
      case "message_allow":
      case "message_deny":
        return this.event(shape, { user_id: peer, key: "k" });
      case "message_reply":
        return this.event(shape, {
          id: this.nextMessage++,
          date: 1_700_000_000,
          peer_id: peer,
          from_id: -this.callback.groupId,
          text: "ours",
          out: 1,
        });
      case "outgoing": {
        const event = this.messageNew(peer, "ours") as { object: { message: Extra } };
        return setAt(event, ["object", "message", "out"], 1) as Extra;
      }
      case "from-community": {
        const event = this.messageNew(peer, "hi");
        return setAt(event, ["object", "message", "from_id"], -this.callback.groupId) as Extra;
      }
      case "message_typing_state":
        return this.event(shape, { state: "typing", from_id: peer, to_id: -this.callback.groupId });
      case "group_join":
        return this.event(shape, { user_id: peer, join_type: "join" });
      case "future_event":
        return this.event("future_event_type", { anything: [1, "two", null] });
    }
  }

  /** A step of a conversation; a press is built from the replies so far, once they are there. */
  private step(event: Extra | ((replies: BotReply[]) => Extra), replies: string[]): ConversationStep {
    const request =
      typeof event === "function" ? (seen: BotReply[]) => this.request(toJsonBody(event(seen))) : this.request(toJsonBody(event));
    return { request, expected: { status: 200, body: "ok" }, replies };
  }

  private single(
    kind: string,
    body: string | Uint8Array,
    expected: SingleCase["expected"],
    { rejectedKey, peer }: { rejectedKey?: string | null; peer?: number },
  ): SingleCase {
    return {
      type: "single",
      kind,
      request: this.request(body),
      expected,
      ...(rejectedKey === undefined ? {} : { rejectedKey }),
      ...(peer === undefined ? {} : { silentAddress: String(peer) }),
    };
  }

  private request(body: string | Uint8Array): DoorRequest {
    return { method: "POST", path: vkCallbackPath, headers: { "content-type": "application/json" }, body };
  }
}

function conversation(kind: string, peer: number, steps: ConversationStep[]): ConversationCase {
  return { type: "conversation", kind, address: String(peer), steps };
}
