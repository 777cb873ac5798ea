import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

const flow = new FlowLoader().parse(
  `id: webinar
title: Webinar
goal: '"customer" in contact.tags'
settings: { requireConsent: false }
steps:
  - id: offer
    say: Курс со скидкой до пятницы
    buttons: [{ text: Подумаю, goto: later }]
  - id: later
    say: Хорошо, напомню.
    buttons: [{ text: Купить, goto: offer }]
    followUps:
      - { after: 1d, say: Скидка заканчивается завтра }
      - { after: 2d, say: "Напоминание: вебинар завтра в 19:00", marketing: false }
`,
  "webinar.yaml",
);
const catalog = new FlowCatalog([flow]);

describe("exit goals", () => {
  it("once the goal holds, the flow's marketing follow-ups stop, service ones stay, and the conversion is logged with its time", () => {
    const h = new FlowHarness(catalog, "telegram", new Date("2026-03-02T10:00:00Z"));
    h.press("Подумаю", h.send({ type: "start", flowId: "webinar" }));
    expect(h.pending.map((p) => p.index)).toEqual([0, 1]);
    h.advance("2h");
    // A manager closed the deal on the phone and tags the customer from the support topic.
    const tagged = h.engine.handleStaff({
      contact: h.contact,
      conversations: h.conversations,
      currentFlowId: h.currentFlowId,
      channel: "telegram",
      staff: { id: "501", name: "Ольга" },
      text: "/tag customer",
      now: h.now,
    });
    expect(tagged.events.find((e) => e.type === "goal_reached")?.data).toEqual({ goal: '"customer" in contact.tags', afterSeconds: 7200 });
    expect(tagged.effects.find((e) => e.type === "cancel_follow_ups")).toMatchObject({
      flowId: "webinar",
      keep: [{ stepId: "later", index: 1 }],
    });
    expect(tagged.conversations[0]?.goalReachedAt).toBe("2026-03-02T12:00:00.000Z");
    // Reached once: a later turn does not log it again.
    const again = h.engine.handle({
      ...h.input({ type: "text", text: "спасибо" }),
      conversations: tagged.conversations,
      contact: tagged.contact,
    });
    expect(again.events.filter((e) => e.type === "goal_reached")).toEqual([]);
  });

  it("a marketing follow-up due after the goal is skipped when it fires; a service one goes out", () => {
    const h = new FlowHarness(catalog, "telegram", new Date("2026-03-02T10:00:00Z"));
    h.press("Подумаю", h.send({ type: "start", flowId: "webinar" }));
    const conversation = {
      ...(h.conversation("webinar") as NonNullable<ReturnType<FlowHarness["conversation"]>>),
      goalReachedAt: "2026-03-02T11:00:00.000Z",
    };
    const fire = (index: number) =>
      h.engine.fireFollowUp({
        contact: h.contact,
        conversation,
        followUp: { visit: conversation.visit, stepId: "later", index },
        channel: "telegram",
        now: new Date("2026-03-04T10:00:00Z"),
      });
    const marketing = fire(0);
    expect(marketing).toMatchObject({ fired: false, outbound: [] });
    expect(marketing.events[0]?.data).toMatchObject({ reason: "goal_reached" });
    expect(fire(1).outbound.map((o) => o.message.text)).toEqual(["Напоминание: вебинар завтра в 19:00"]);
  });
});
