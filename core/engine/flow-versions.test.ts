import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const v1 = loader.parse(
  `id: shop
title: Shop
steps:
  - id: hello
    say: Hello from v1
    buttons: [{ text: Next, goto: ask }]
  - id: ask
    ask: { type: text, text: Name (v1)?, save: contact.first_name }
  - id: bye
    end: Bye from v1
`,
  "flows/shop.yaml",
);
const edited = (extra = "") =>
  loader.parse(
    `id: shop
title: Shop
${extra}steps:
  - id: hello
    say: Hello from v2
    buttons: [{ text: Next, goto: question }]
  - id: question
    ask: { type: text, text: Name (v2)?, save: contact.first_name }
  - id: bye
    end: Bye from v2
`,
    "flows/shop.yaml",
  );

/** A changed flow file: running conversations keep their version unless the new one says how to move them. */
describe("flow versions", () => {
  const texts = (messages: Array<{ text: string }>) => messages.map((m) => m.text);

  it("lets a conversation in progress finish on its version while new ones start on the current one", () => {
    const catalog = new FlowCatalog([v1]);
    const running = new FlowHarness(catalog);
    running.press("Next", running.send({ type: "start", flowId: "shop" }));

    const v2 = edited();
    catalog.replace(new FlowCatalog([v2], [v1]));
    expect(texts(running.text("Ann"))).toEqual(["Bye from v1"]);
    expect(running.conversation()?.flowVersion).toBe(v1.version);

    const fresh = new FlowHarness(catalog);
    expect(texts(fresh.send({ type: "start", flowId: "shop" }))).toEqual(["Hello from v2"]);
    expect(fresh.conversation()?.flowVersion).toBe(v2.version);
    // Starting again moves the old conversation to the current version.
    expect(texts(running.send({ type: "start", flowId: "shop" }))).toEqual(["Hello from v2"]);
  });

  it("moves conversations to a version that declares migrate, mapping renamed steps", () => {
    const catalog = new FlowCatalog([v1]);
    const running = new FlowHarness(catalog);
    running.press("Next", running.send({ type: "start", flowId: "shop" }));

    const v2 = edited("migrate: { steps: { ask: question } }\n");
    catalog.replace(new FlowCatalog([v2], [v1]));
    expect(texts(running.text("Ann"))).toEqual(["Bye from v2"]);
    expect(running.conversation()?.flowVersion).toBe(v2.version);
    expect(running.events.find((e) => e.type === "flow_migrated")?.data).toEqual({ from: v1.version, to: v2.version, step: "question" });
  });

  it("keeps a conversation on its version when migrate cannot place its step", () => {
    const catalog = new FlowCatalog([v1]);
    const running = new FlowHarness(catalog);
    running.press("Next", running.send({ type: "start", flowId: "shop" }));
    catalog.replace(new FlowCatalog([edited("migrate: {}\n")], [v1]));
    expect(texts(running.text("Ann"))).toEqual(["Bye from v1"]);
  });

  it("refuses a migrate map that points to a missing step", () => {
    expect(() => edited("migrate: { steps: { ask: nowhere } }\n")).toThrow(/3:\d+ migrate\.steps\.ask: no step "nowhere" in this version/);
  });
});
