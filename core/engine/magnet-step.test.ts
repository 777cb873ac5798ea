import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import type { FlowError } from "../flow/flow-error.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

const dir = mkdtempSync(join(tmpdir(), "orkestr-magnet-"));
writeFileSync(join(dir, "guide.pdf"), "%PDF-1.4 guide");
const loader = new FlowLoader();
const load = (steps: string) =>
  loader.parse(
    `id: magnets\ntitle: Magnets\ntriggers: [{ start: m }]\nsettings: { requireConsent: false }\nsteps:\n${steps}`,
    join(dir, "magnets.yaml"),
  );
const askEmail = `  - id: ask_email
    stage: evaluation
    ask: { type: email, text: Email?, save: contact.email }
`;

describe("magnet step", () => {
  it("delivers a file once the required email is captured and records the lead with source and stage", () => {
    const h = new FlowHarness(
      new FlowCatalog([
        load(`${askEmail}  - id: give
    magnet: { name: guide, requires: [contact.email], file: guide.pdf, say: "Your guide, {{ contact.email }}" }
`),
      ]),
    );
    h.send({ type: "start", payload: "m__ads" });
    const [message] = h.text("ann@example.com");
    expect(message).toMatchObject({ text: "Your guide, ann@example.com", file: { name: "guide.pdf" } });
    expect(h.events.find((e) => e.type === "lead")?.data).toEqual({
      magnet: "guide",
      kind: "file",
      stage: "evaluation",
      first_source: "m__ads",
      last_source: "m__ads",
    });
  });

  it("delivers a link as a button", () => {
    const h = new FlowHarness(
      new FlowCatalog([
        load(`  - id: give\n    magnet: { name: webinar, link: "https://example.com/w", button: Смотреть, say: Запись вебинара }\n`),
      ]),
    );
    const [message] = h.send({ type: "start", flowId: "magnets" });
    expect(message?.buttons).toEqual([[{ label: "Смотреть", url: "https://example.com/w" }]]);
  });

  it("gives each contact one promo code, the same one when asked again, and the fallback when the pool is empty", () => {
    const flow = load(`  - id: give
    magnet: { name: spring, promo: spring10, say: "Код: <b>{{ magnet.code }}</b>", fallback: Коды закончились }
    goto: again
  - id: again
    say: Ещё раз?
    buttons: [{ text: Да, goto: give }]
`);
    const first = new FlowHarness(new FlowCatalog([flow]));
    first.promoPools.spring10 = ["A<1>"];
    const [code] = first.send({ type: "start", flowId: "magnets" });
    expect(code?.text).toBe("Код: <b>A&lt;1&gt;</b>");
    // The event log keeps the text as sent, code included.
    expect(first.events.flatMap((e) => (e.type === "message_out" ? [e.data.text] : []))).toContain("Код: <b>A&lt;1&gt;</b>");
    expect(first.press("Да", first.send({ type: "start", flowId: "magnets" }))[0]?.text).toBe("Код: <b>A&lt;1&gt;</b>");

    const second = new FlowHarness(new FlowCatalog([flow]));
    second.promoPools.spring10 = [];
    expect(second.send({ type: "start", flowId: "magnets" })[0]?.text).toBe("Коды закончились");
  });

  it("is refused when some way reaches it without asking for a required field", () => {
    const problems = () => {
      try {
        load(`  - id: hello
    say: Hi
    buttons: [{ text: Email, goto: ask_email }, { text: Skip, goto: give }]
${askEmail}  - id: give
    magnet: { name: guide, requires: [contact.email], file: guide.pdf, say: Here }
`);
      } catch (error) {
        return (error as FlowError).problems.map((p) => `${p.line}:${p.col} ${p.message}`);
      }
      return [];
    };
    expect(problems()).toEqual([
      "13:39 steps[2].magnet.requires[0]: contact.email is not asked for on every way to this magnet, e.g. hello → give",
    ]);
  });

  it("needs exactly one of file, link or promo, and a fallback for promo", () => {
    expect(() => load(`  - id: give\n    magnet: { name: x, say: Hi }\n`)).toThrow(/exactly one of `file`, `link` or `promo`/);
    expect(() => load(`  - id: give\n    magnet: { name: x, promo: p, say: Hi }\n`)).toThrow(/needs a `fallback`/);
  });
});
