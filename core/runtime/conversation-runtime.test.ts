import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Engine } from "../engine/engine.ts";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { ConversationRuntime, rearmPageSize } from "./conversation-runtime.ts";
import type { ConversationStore, PendingOutbound } from "./conversation-store.ts";

/** An outbox whose database fails the first `failures` claims, as during an outage. */
function outboxDuringOutage(failures: number) {
  let failing = failures;
  const rows: PendingOutbound[] = [
    {
      id: 1n,
      contactId: "c",
      channel: "web",
      externalId: "s",
      message: { text: "Hi", format: "plain" },
      dedupeKey: "k#0",
      lane: "reply",
      attempts: 1,
    },
  ];
  const store = {
    async claimNextOutbound() {
      if (failing > 0) {
        failing -= 1;
        throw new Error("Can't reach database server");
      }
      return rows.shift() ?? null;
    },
    async markSent() {
      return { morePending: rows.length > 0 };
    },
    async markFailed() {},
    async releaseClaims() {},
  } as unknown as ConversationStore;
  return store;
}

describe("ConversationRuntime.dispatch while the database is away", () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("reports the failure to its caller only, and the next dispatch of the contact still sends", async () => {
    const sent: OutboundMessage[] = [];
    const runtime = new ConversationRuntime({
      engine: new Engine(new FlowCatalog()),
      store: outboxDuringOutage(2),
      scheduler: { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} },
      senders: [{ channel: "web", send: async (_to, message) => void sent.push(message) }],
      logger: { info() {}, warn() {}, error() {} },
    });
    const first = runtime.dispatch("c");
    const second = runtime.dispatch("c");
    const third = runtime.dispatch("c");
    await expect(first).rejects.toThrow("Can't reach database server");
    await expect(second).rejects.toThrow("Can't reach database server");
    await third;
    await runtime.idle();
    // Let any stray rejection surface before looking.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
    expect(sent.map((m) => m.text)).toEqual(["Hi"]);
  });
});

describe("ConversationRuntime.receive while Redis does not answer", () => {
  it("sends the reply without waiting for the follow-up timers", async () => {
    const sent: OutboundMessage[] = [];
    const timerErrors: string[] = [];
    const store = {
      ...outboxDuringOutage(0),
      applyInbound: async () => ({ contactId: "c", schedule: [{ id: "f-1", dueAt: new Date() }], cancel: [] }),
    } as unknown as ConversationStore;
    const runtime = new ConversationRuntime({
      engine: new Engine(new FlowCatalog()),
      store,
      // Redis away: the scheduler never answers.
      scheduler: { schedule: () => new Promise(() => {}), rearm: async () => {}, cancel: async () => {} },
      senders: [{ channel: "web", send: async (_to, message) => void sent.push(message) }],
      // The runtime gives up on the timers (and says so) only after a few seconds.
      logger: { info() {}, warn() {}, error: (_obj, msg) => void timerErrors.push(String(msg)) },
    });
    await runtime.receive("k-1", { channel: "web", externalId: "s" }, {}, { type: "text", text: "hi" });
    // The reply went while the timers were still waiting for Redis, not after giving up on them.
    expect(sent.map((m) => m.text)).toEqual(["Hi"]);
    expect(timerErrors).toEqual([]);
  });
});

describe("ConversationRuntime: a message sent while the database cannot note it", () => {
  it("is marked sent once the database answers again, never failed and sent a second time", async () => {
    const sent: OutboundMessage[] = [];
    let markSentFailures = 2;
    const failed: unknown[] = [];
    const store = {
      ...outboxDuringOutage(0),
      async markSent() {
        if (markSentFailures-- > 0) throw new Error("Can't reach database server");
        return { morePending: false };
      },
      async markFailed(...args: unknown[]) {
        failed.push(args);
      },
    } as unknown as ConversationStore;
    const runtime = new ConversationRuntime({
      engine: new Engine(new FlowCatalog()),
      store,
      scheduler: { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} },
      senders: [{ channel: "web", send: async (_to, message) => void sent.push(message) }],
      logger: { info() {}, warn() {}, error() {} },
    });
    await runtime.dispatch("c");
    expect(sent.map((m) => m.text)).toEqual(["Hi"]);
    expect(markSentFailures).toBe(-1);
    expect(failed).toEqual([]);
  });
});

describe("ConversationRuntime: a send that failed while the database cannot note it", () => {
  it("is noted as failed (to retry) once the database answers again, not left claimed", async () => {
    let markFailedFailures = 2;
    const noted: unknown[][] = [];
    const store = {
      ...outboxDuringOutage(0),
      async markFailed(...args: unknown[]) {
        if (markFailedFailures-- > 0) throw new Error("Can't reach database server");
        noted.push(args);
      },
    } as unknown as ConversationStore;
    const runtime = new ConversationRuntime({
      engine: new Engine(new FlowCatalog()),
      store,
      scheduler: { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} },
      senders: [
        {
          channel: "web",
          send: async () => {
            throw new Error("socket hang up");
          },
        },
      ],
      logger: { info() {}, warn() {}, error() {} },
      sendRetryDelaysMs: [60_000],
    });
    await runtime.dispatch("c");
    expect(markFailedFailures).toBe(-1);
    expect(noted).toEqual([[1n, "socket hang up", expect.any(Date)]]);
  });
});

describe("ConversationRuntime.recover", () => {
  it("re-arms pending follow-ups page by page, never all at once", async () => {
    const pending = Array.from({ length: 2_500 }, (_, i) => ({ id: `f-${String(i).padStart(5, "0")}`, dueAt: new Date(0) }));
    const pagesAsked: Array<{ after?: string | undefined; limit: number }> = [];
    const armed: number[] = [];
    const store = {
      ...outboxDuringOutage(0),
      async pendingFollowUps(_dueBefore: Date | undefined, page: { after?: string; limit: number }) {
        pagesAsked.push(page);
        return pending.filter((f) => !page.after || f.id > page.after).slice(0, page.limit);
      },
      async contactsWithUnsent() {
        return [];
      },
    } as unknown as ConversationStore;
    const runtime = new ConversationRuntime({
      engine: new Engine(new FlowCatalog()),
      store,
      scheduler: { schedule: async () => {}, rearm: async (page) => void armed.push(page.length), cancel: async () => {} },
      senders: [],
      logger: { info() {}, warn() {}, error() {} },
    });
    await runtime.recover("start");
    expect(armed).toEqual([rearmPageSize, rearmPageSize, 500]);
    expect(pagesAsked.map((p) => p.after)).toEqual([undefined, "f-00999", "f-01999"]);
  });
});
