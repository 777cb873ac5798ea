import fc from "fast-check";
import { isFollowUp, phoneNumber } from "./fixture-flow-inputs.ts";
import type { BotReply, ConversationCase, ConversationStep, DoorRequest, FuzzCase, FuzzDoor, SingleCase } from "./fuzz-case.ts";
import { describeValue, notJsonBody, ordinaryMessage, toJsonBody, wrongValue } from "./hostile-values.ts";
import { WebChatClient } from "./web-chat-client.ts";

/** Request bodies over this are refused with 413 (app/orkestr-app.ts limits the web chat's API to 64 KiB). */
const apiBodyLimitBytes = 64 * 1024;

/** What one generated web chat request is; sessions and message ids are given when it is built. */
export type WebChatPlan =
  | { type: "counter"; texts: string[]; redelivery: "none" | "after" | "racing" }
  | { type: "consent"; phone: string }
  | { type: "first-text"; text: string }
  | { type: "stale-press"; payload: string; label: string }
  | { type: "garbage"; garbage: Garbage };

/** Requests a page never sends, with the status the API answers: wrong types, bad JSON, wrong content types, bad sessions. */
type Garbage =
  | { what: "unknown flow"; flowId: string }
  | { what: "bad flow id"; flowId: unknown }
  | { what: "bad text"; text: unknown }
  | { what: "bad client message id"; clientMessageId: unknown }
  | { what: "bad press"; payload: unknown; label: unknown }
  | { what: "not JSON"; body: string | number[] }
  | { what: "wrong content type"; contentType: string | undefined }
  | { what: "over 64 KiB" }
  | { what: "bad session"; session: string; route: "messages" | "history" | "state" | "stream" }
  | { what: "unknown route" };

/** Texts the API takes: at most 4096 characters (counted here in UTF-16 units, stricter than the API's code points). */
const sayable = ordinaryMessage.filter((text) => text.trim().length <= 4096);

const garbage: fc.Arbitrary<Garbage> = fc.oneof(
  fc.record({ what: fc.constant("unknown flow" as const), flowId: fc.stringMatching(/^nosuch[a-z0-9_]{0,20}$/) }),
  fc.record({
    what: fc.constant("bad flow id" as const),
    flowId: fc.oneof(wrongValue("string", true), fc.constantFrom("", "../counter", "has space", "Счётчик", "x".repeat(200), "\u0000")),
  }),
  fc.record({
    what: fc.constant("bad text" as const),
    text: fc.oneof(wrongValue("string", true), fc.constantFrom("", "   ", "\n\t\u00a0", "x".repeat(4097), "😀".repeat(4097))),
  }),
  fc.record({
    what: fc.constant("bad client message id" as const),
    clientMessageId: fc.oneof(wrongValue("string", true), fc.constantFrom("", "has space", "x".repeat(65), "id/with/slash", "\u0000")),
  }),
  fc.record({
    what: fc.constant("bad press" as const),
    payload: fc.oneof(wrongValue("string", true), fc.constantFrom("", "p".repeat(256))),
    label: fc.constantFrom(undefined, "ok", 42, "l".repeat(101)),
  }),
  fc.record({ what: fc.constant("not JSON" as const), body: notJsonBody }),
  fc.record({
    what: fc.constant("wrong content type" as const),
    contentType: fc.constantFrom(
      undefined,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
    ),
  }),
  fc.constant({ what: "over 64 KiB" as const }),
  fc.record({
    what: fc.constant("bad session" as const),
    session: fc.constantFrom("short", "has space in it", "nul\u0000session", "сессия-без-латиницы", "x".repeat(65), "dots.are.not.allowed"),
    route: fc.constantFrom("messages" as const, "history" as const, "state" as const, "stream" as const),
  }),
  fc.constant({ what: "unknown route" as const }),
);

const plans: fc.Arbitrary<WebChatPlan> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("counter" as const),
      texts: fc.array(sayable, { minLength: 1, maxLength: 3 }),
      redelivery: fc.constantFrom("none" as const, "after" as const, "racing" as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("consent" as const), phone: phoneNumber }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("first-text" as const), text: sayable }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("stale-press" as const),
      // Anything but the knowledge base's own payloads (`f|…`, `h|`), which are answered differently.
      payload: fc.oneof(
        fc.constant("b|1|0|abcdef"),
        fc.string({ unit: "binary", maxLength: 60 }).map((p) => `z${p}`),
      ),
      label: fc.string({ maxLength: 20 }),
    }),
  },
  { weight: 24, arbitrary: fc.record({ type: fc.constant("garbage" as const), garbage }) },
);

function requestsOf(plan: WebChatPlan): number {
  switch (plan.type) {
    case "counter":
      return 1 + plan.texts.length + (plan.redelivery === "none" ? 0 : 1);
    case "consent":
      return 3;
    case "stale-press":
      return 2;
    default:
      return 1;
  }
}

/**
 * The web chat's JSON API (bots/webchat/web-chat-routes.ts) as the fuzz test drives it. How a
 * request names its session is kept to `sessionRequest` and `replies`, so that a change of how
 * the page carries its session touches only those.
 */
export class WebChatFuzzDoor implements FuzzDoor<WebChatPlan> {
  static readonly plans = plans;
  static readonly requestsOf = requestsOf;
  readonly name = "web";
  private nextSession = 1;
  private nextMessage = 1;
  /** One person per logical session name of the cases, each with the cookie of its own session. */
  private readonly people = new Map<string, WebChatClient>();

  constructor(private readonly baseUrl: () => string) {}

  build(plan: WebChatPlan): FuzzCase {
    const session = `fuzz-session-${this.nextSession++}`;
    switch (plan.type) {
      case "counter": {
        const texts = plan.texts.map((text) => ({ text, clientMessageId: this.messageId() }));
        const steps = [
          this.step(session, "start", { flowId: "counter" }, ["Send anything"]),
          ...texts.map((body) => this.step(session, "messages", body, ["Send anything"])),
        ];
        const last = texts.at(-1);
        if (plan.redelivery === "after" && last) steps.push(this.step(session, "messages", last, []));
        const racing = steps.at(-1);
        if (plan.redelivery === "racing" && racing) racing.copies = 2;
        return conversation(`counter (${plan.redelivery} redelivery)`, session, steps);
      }
      case "consent":
        return conversation("consent", session, [
          this.step(session, "start", { flowId: "consent" }, ["Agree to <b>terms</b>?"]),
          this.press(session, ["Phone?"]),
          this.step(session, "messages", { text: plan.phone, clientMessageId: this.messageId() }, ["Thanks"]),
        ]);
      case "first-text":
        return conversation("first text", session, [
          this.step(session, "messages", { text: plan.text, clientMessageId: this.messageId() }, ["Hello, guest!"]),
        ]);
      case "stale-press": {
        const press = { payload: plan.payload, label: plan.label, clientMessageId: this.messageId() };
        // A press the question never offered: the bot says so and asks again.
        return conversation("stale press", session, [
          this.step(session, "start", { flowId: "counter" }, ["Send anything"]),
          this.step(session, "buttons", press, ["Send anything"]),
        ]);
      }
      case "garbage":
        return this.garbage(session, plan.garbage);
    }
  }

  async replies(address: string): Promise<BotReply[]> {
    const history = await this.person(address).history();
    return history
      .filter((m) => m.direction === "out" && !isFollowUp(m.text))
      .map((m) => ({
        text: m.text,
        buttons: (m.buttons ?? []).flat().flatMap((b) => (b.payload ? [{ label: b.label, data: b.payload }] : [])),
      }));
  }

  private garbage(session: string, garbage: Garbage): SingleCase {
    const json = (body: unknown) => ({ "content-type": "application/json", body: toJsonBody(body) });
    const single = (request: DoorRequest, status: number, silent = true): SingleCase => ({
      type: "single",
      kind: `web ${garbage.what}: ${describeValue(Object.values(garbage).slice(1))}`,
      request,
      expected: { status },
      ...(silent ? { silentAddress: session } : {}),
    });
    const post = (route: string, { "content-type": contentType, body }: { "content-type"?: string; body: string | Uint8Array }) =>
      this.sessionRequest(session, "POST", route, body, contentType);
    switch (garbage.what) {
      case "unknown flow":
        return single(post("start", json({ flowId: garbage.flowId })), 404);
      case "bad flow id":
        return single(post("start", json({ flowId: garbage.flowId })), 400);
      case "bad text":
        return single(post("messages", json({ text: garbage.text, clientMessageId: this.messageId() })), 400);
      case "bad client message id":
        return single(post("messages", json({ text: "hello", clientMessageId: garbage.clientMessageId })), 400);
      case "bad press":
        return single(post("buttons", json({ payload: garbage.payload, label: garbage.label, clientMessageId: this.messageId() })), 400);
      case "not JSON": {
        const body = typeof garbage.body === "string" ? garbage.body : Uint8Array.from(garbage.body);
        return single(post("messages", { "content-type": "application/json", body }), 400);
      }
      case "wrong content type": {
        const body = JSON.stringify({ text: "hello", clientMessageId: this.messageId() });
        return single(post("messages", garbage.contentType ? { "content-type": garbage.contentType, body } : { body }), 415);
      }
      case "over 64 KiB": {
        const request = post("messages", json({ text: "x".repeat(apiBodyLimitBytes), clientMessageId: this.messageId() }));
        return single({ ...request, ownConnection: true }, 413);
      }
      case "bad session": {
        // Without the session's signed cookie, whatever it claims: refused before anything is read.
        const method = garbage.route === "messages" ? "POST" : "GET";
        const body = method === "POST" ? JSON.stringify({ text: "hello", clientMessageId: this.messageId() }) : undefined;
        const forged = { cookie: `orkestr_chat=${encodeURIComponent(garbage.session)}` };
        return single(
          {
            method,
            path: `/api/chat/${garbage.route}`,
            headers: { "content-type": "application/json", ...forged },
            ...(body === undefined ? {} : { body }),
          },
          401,
          false,
        );
      }
      case "unknown route":
        return single(this.sessionRequest(session, "GET", "nope", undefined, undefined), 404);
    }
  }

  /** A press on the first button of the bot's last message, as the page sends it. */
  private press(session: string, replies: string[]): ConversationStep {
    const clientMessageId = this.messageId();
    return {
      request: (seen) => {
        const button = seen.at(-1)?.buttons[0];
        const body = { payload: button?.data ?? "no button was shown", label: button?.label ?? "?", clientMessageId };
        return this.sessionRequest(session, "POST", "buttons", JSON.stringify(body), "application/json");
      },
      expected: { status: 202 },
      replies,
    };
  }

  private step(session: string, route: string, body: unknown, replies: string[]): ConversationStep {
    const request = this.sessionRequest(session, "POST", route, JSON.stringify(body), "application/json");
    return { request, expected: { status: 202 }, replies };
  }

  /** The one place that knows how a request names its session: by the signed cookie of its person. */
  private sessionRequest(
    session: string,
    method: DoorRequest["method"],
    route: string,
    body: string | Uint8Array | undefined,
    contentType: string | undefined,
  ): DoorRequest {
    return {
      method,
      path: `/api/chat/${route}`,
      headers: contentType ? { "content-type": contentType } : {},
      lateHeaders: async () => ({ cookie: (await this.person(session).open()).cookie }),
      ...(body === undefined ? {} : { body }),
    };
  }

  private person(session: string): WebChatClient {
    const known = this.people.get(session);
    if (known) return known;
    const person = new WebChatClient(this.baseUrl());
    this.people.set(session, person);
    return person;
  }

  private messageId(): string {
    return `m${this.nextMessage++}`;
  }
}

function conversation(kind: string, session: string, steps: ConversationStep[]): ConversationCase {
  return { type: "conversation", kind: `web ${kind}`, address: session, steps };
}
