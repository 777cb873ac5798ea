import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts } from "../texts/engine-texts.ts";
import { Engine } from "./engine.ts";
import type { EngineResult } from "./engine-types.ts";
import { FlowHarness } from "./flow-harness.ts";
import type { TurnEffect } from "./turn-effect.ts";

const ru = engineTexts.ru;
const flow = new FlowLoader().parse(
  `id: demo
title: Demo
steps:
  - id: hello
    say: Здравствуйте! Чем помочь?
    buttons: [{ text: Позвать менеджера, goto: human }, { text: Цены, goto: prices }]
  - id: human
    handoff: { reason: Вопрос о заказе, say: "Сейчас позову менеджера.", resume: after }
  - id: prices
    say: Курс стоит 4990 ₽.
    buttons: [{ text: Купить, goto: after }]
    followUps: [{ after: 1h, say: Напоминаю о курсе }]
  - id: after
    say: С возвращением! Что-нибудь ещё?
`,
  "demo.yaml",
);
const catalog = new FlowCatalog([flow]);
const engine = new Engine(catalog, {
  support: { desk: true, hours: "пн–пт с 9:00 до 18:00" },
  handoffPhrases: ["оператор", "позовите человека"],
});
const staff = { id: "501", name: "Ольга" };

/** A harness at the flow's first step. */
function atHello(): FlowHarness {
  const h = new FlowHarness(catalog);
  h.send({ type: "start" });
  return h;
}

/** A harness whose contact pressed «Позвать менеджера» and rests on the handoff step. */
function atHandoffStep(): FlowHarness {
  const h = new FlowHarness(catalog);
  h.press("Позвать менеджера", h.send({ type: "start" }));
  return h;
}

function handoffOf(result: EngineResult): Extract<TurnEffect, { type: "open_handoff" }> {
  const effect = result.effects.find((e) => e.type === "open_handoff");
  if (effect?.type !== "open_handoff") throw new Error(`no handoff in ${result.effects.map((e) => e.type).join(", ") || "nothing"}`);
  return effect;
}

function staffInput(h: FlowHarness) {
  return {
    contact: h.contact,
    conversations: h.conversations,
    currentFlowId: h.currentFlowId,
    channel: "telegram" as const,
    staff,
    now: h.now,
  };
}

function staffSays(h: FlowHarness, text: string, resume?: { flowId: string; stepId: string }): EngineResult {
  return engine.handleStaff({ ...staffInput(h), text, resume });
}

const topicPosts = (result: EngineResult) =>
  result.effects.flatMap((e) => (e.type === "post_to_support" && e.post.kind !== "card" ? [e.post.message.text] : []));

describe("handoff to support staff", () => {
  it("a handoff step asks for a person with its reason, its words, the support hours and where to resume", () => {
    const h = new FlowHarness(catalog);
    const [hello] = h.send({ type: "start" });
    const payload = hello?.buttons?.[0]?.[0]?.payload as string;
    const result = engine.handle(h.input({ type: "button", payload }));
    const effect = handoffOf(result);
    expect({ reason: effect.reason, via: effect.via, stepId: effect.stepId, resume: effect.resume }).toEqual({
      reason: "Вопрос о заказе",
      via: "step",
      stepId: "human",
      resume: { flowId: "demo", stepId: "after" },
    });
    expect(effect.compose()?.text).toBe(`Сейчас позову менеджера. ${ru.supportHours} пн–пт с 9:00 до 18:00.`);
    expect(result.conversations[0]?.stepId).toBe("human");
  });

  it("a phrase of the list or /operator asks for a person anywhere, however it is written", () => {
    for (const text of ["Позовите человека!", "ОПЕРАТОР", "/operator", "/operator@orkestr_bot"]) {
      const effect = handoffOf(engine.handle(atHello().input({ type: "text", text })));
      expect(effect.via).toBe("keyword");
      expect(effect.compose()?.text).toBe(`${ru.handoffStarted} ${ru.supportHours} пн–пт с 9:00 до 18:00.`);
    }
    // A phrase that only contains a word of the list is a question, not a request for a person.
    expect(engine.handle(atHello().input({ type: "text", text: "оператор связи какой?" })).effects).toEqual([]);
  });

  it("while staff have the conversation the bot keeps quiet and passes everything on; /stop still works", () => {
    const h = atHello();
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const result = engine.handle(h.input({ type: "text", text: "Цены" }));
    expect(result.outbound).toEqual([]);
    expect(result.conversations).toEqual([]);
    expect(topicPosts(result)).toEqual(["Цены"]);
    const press = engine.handle(h.input({ type: "button", payload: "x", label: "Цены" }));
    expect(topicPosts(press)).toEqual(["[кнопка] Цены"]);
    const stop = engine.handle(h.input({ type: "text", text: "/stop" }));
    expect(stop.contact.optedOut).toBe(true);
    expect(stop.outbound.map((o) => o.message.text)).toEqual([ru.optedOut]);
  });

  it("a photo is copied to the topic while staff have the conversation, and left unanswered while the bot has it", () => {
    const h = atHello();
    const photo = { type: "media" as const, kind: "photo" as const, caption: "Скрин", copy: { chatId: "1001", messageId: 7 } };
    const unanswered = engine.handle(h.input(photo));
    expect(unanswered.outbound).toEqual([]);
    expect(unanswered.effects).toEqual([]);
    expect(unanswered.events[0]?.data).toMatchObject({ type: "media", kind: "photo", text: "Скрин" });
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const passed = engine.handle(h.input(photo));
    expect(passed.effects).toMatchObject([
      { type: "post_to_support", post: { kind: "customer", message: { text: "[фото] Скрин", copy: { chatId: "1001", messageId: 7 } } } },
    ]);
  });

  it("a VK customer's files are carried to the topic one post each, the text first; each is named with its link should that fail", () => {
    const h = atHello();
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const photo = { kind: "photo" as const, url: "https://sun9-1.userapi.com/p.jpg" };
    const video = { kind: "video" as const, url: "https://vk.com/video2002_5" };
    const withText = engine.handle(h.input({ type: "text", text: "Вот чек и видео", files: [photo, video] }));
    expect(withText.effects.flatMap((e) => (e.type === "post_to_support" && e.post.kind !== "card" ? [e.post.message] : []))).toEqual([
      { text: "Вот чек и видео", format: "plain" },
      { text: "[фото] https://sun9-1.userapi.com/p.jpg", format: "plain", carry: { file: photo, caption: "" } },
      { text: "[видео] https://vk.com/video2002_5", format: "plain", carry: { file: video, caption: "" } },
    ]);
    const doc = { kind: "document" as const, url: "https://vk.com/doc2002_9", name: "акт.pdf" };
    const alone = engine.handle(h.input({ type: "media", kind: "document", caption: "Акт", files: [doc] }));
    expect(alone.effects.flatMap((e) => (e.type === "post_to_support" && e.post.kind !== "card" ? [e.post.message] : []))).toEqual([
      { text: "[документ] акт.pdf Акт https://vk.com/doc2002_9", format: "plain", carry: { file: doc, caption: "Акт" } },
    ]);
  });

  it("a staff file is copied to a Telegram customer, carried to a VK one, and reported as not passed on for the web chat", () => {
    const h = atHello();
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const copy = { chatId: "-100", messageId: 40 };
    const file = { kind: "photo" as const, telegramFileId: "photo-3", size: 70_000 };
    const to = (channel: "telegram" | "vk" | "web", shared = file) =>
      engine.handleStaff({ ...staffInput(h), channel, text: "Схема", copy, file: shared });
    expect(to("telegram").outbound.map((o) => o.message)).toEqual([{ text: "Схема", format: "plain", purpose: "support", copy }]);
    expect(to("vk").outbound.map((o) => o.message)).toEqual([
      { text: `Схема\n\n${ru.staffFileUndelivered}`, format: "plain", purpose: "support", carry: { file, caption: "Схема" } },
    ]);
    expect(topicPosts(to("vk"))).toEqual([]);
    const web = to("web");
    expect(web.outbound.map((o) => o.message)).toEqual([{ text: "Схема", format: "plain", purpose: "support" }]);
    expect(topicPosts(web)).toEqual([ru.staffFileNotCarried]);
    // VK takes photos, documents and voice messages; a sticker is not passed on.
    const sticker = to("vk", { kind: "sticker", telegramFileId: "sticker-4" } as never);
    expect(topicPosts(sticker)).toEqual([ru.staffFileNotCarried]);
  });

  it("what staff write goes to the customer as written; // and /note stay notes", () => {
    const h = atHello();
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const reply = staffSays(h, "Здравствуйте! <b>Заказ</b> уже в пути.");
    expect(reply.outbound.map((o) => o.message)).toEqual([
      { text: "Здравствуйте! <b>Заказ</b> уже в пути.", format: "plain", purpose: "support" },
    ]);
    expect(reply.events.find((e) => e.type === "staff_message")?.data).toEqual({
      staffId: "501",
      staffName: "Ольга",
      text: "Здравствуйте! <b>Заказ</b> уже в пути.",
    });
    expect(reply.effects).toEqual([]);
    for (const note of ["// проверить оплату", "/note проверить оплату"]) {
      const result = staffSays(h, note);
      expect(result.outbound).toEqual([]);
      expect(result.events.find((e) => e.type === "staff_note")?.data).toMatchObject({ text: "проверить оплату" });
    }
  });

  it("staff writing to a customer the bot has takes the conversation, without telling the customer twice", () => {
    const result = staffSays(atHello(), "Добрый день, это Ольга из поддержки.");
    const effect = handoffOf(result);
    expect(effect.via).toBe("staff");
    expect(effect.compose()).toBeUndefined();
    expect(result.outbound.map((o) => o.message.text)).toEqual(["Добрый день, это Ольга из поддержки."]);
  });

  it("/close hands back: the customer is told, the handoff ends, the flow goes on at the step to resume", () => {
    const h = atHandoffStep();
    h.contact = { ...h.contact, handed_off_at: "2026-01-05T10:00:00.000Z" };
    const result = staffSays(h, "/close", { flowId: "demo", stepId: "after" });
    expect(result.effects.map((e) => e.type)).toEqual(["close_handoff", "post_to_support"]);
    expect(topicPosts(result)).toEqual([ru.staffClosed]);
    expect(result.outbound.map((o) => o.message.text)).toEqual([ru.handoffEnded, "С возвращением! Что-нибудь ещё?"]);
    expect(result.events.find((e) => e.type === "handoff_ended")?.data).toEqual({
      by: "staff",
      staffId: "501",
      staffName: "Ольга",
      resumeStepId: "after",
    });
  });

  it("/close without a step to resume ends a conversation resting on its handoff step; /resume names the step", () => {
    const h = atHandoffStep();
    expect(h.conversation()?.stepId).toBe("human");
    const closed = staffSays(h, "/close");
    expect(closed.conversations[0]).toMatchObject({ status: "ended", stepId: null });
    expect(closed.events.find((e) => e.type === "conversation_ended")?.data).toEqual({ reason: "handed_back" });

    const resumed = staffSays(h, "/resume prices");
    expect(resumed.outbound.map((o) => o.message.text)).toEqual([ru.handoffEnded, "Курс стоит 4990 ₽."]);
    expect(resumed.followUps).toHaveLength(1);
    const unknown = staffSays(h, "/resume nowhere");
    expect(unknown.effects.map((e) => e.type)).toEqual(["post_to_support"]);
    expect(topicPosts(unknown)[0]).toContain(`${ru.staffNoStep} nowhere`);
  });

  it("/info, /tag, /stop_followups and an unknown command, each answered in the topic", () => {
    const h = atHello();
    expect(staffSays(h, "/info").effects).toMatchObject([{ type: "post_to_support", post: { kind: "card" } }]);
    const tagged = staffSays(h, "/tag vip");
    expect(tagged.contact.tags).toEqual(["vip"]);
    expect(topicPosts(tagged)).toEqual([`${ru.staffTagged} vip`]);
    expect(staffSays(h, "/stop_followups").effects.map((e) => e.type)).toEqual(["stop_follow_ups", "post_to_support"]);
    for (const text of ["/refund", "/tag два слова"]) {
      const help = staffSays(h, text);
      expect(topicPosts(help)).toEqual([ru.staffHelp]);
      expect(help.outbound).toEqual([]);
    }
  });

  it("without a support desk a request is recorded and passed on, and the bot goes on; the usual phrases work", () => {
    const h = atHello();
    const asked = h.engine.handle(h.input({ type: "text", text: "позовите менеджера" }));
    expect(asked.effects).toEqual([]);
    expect(asked.outbound.map((o) => o.message.text)).toEqual([ru.faqHumanRequested]);
    expect(asked.events.find((e) => e.type === "handoff_requested")?.data).toEqual({ reason: "keyword", via: "keyword" });
    // At a handoff step the next message moves the flow on to the step to resume.
    const stepped = atHandoffStep();
    expect(stepped.events.find((e) => e.type === "handoff_requested")?.data).toEqual({
      reason: "Вопрос о заказе",
      via: "step",
      stepId: "human",
    });
    expect(stepped.text("алло?").map((m) => m.text)).toEqual(["С возвращением! Что-нибудь ещё?"]);
  });
});
