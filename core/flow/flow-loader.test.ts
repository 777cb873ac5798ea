import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FlowError } from "./flow-error.ts";
import { FlowLoader } from "./flow-loader.ts";

const loader = new FlowLoader();

function problemsOf(source: string) {
  try {
    loader.parse(source, "flows/test.yaml");
  } catch (error) {
    if (error instanceof FlowError) return error.problems.map((p) => `${p.line}:${p.col} ${p.message}`);
    throw error;
  }
  throw new Error("expected the flow to be rejected");
}

const valid = `id: demo
title: Demo
steps:
  - id: hello
    say: Hi
`;

describe("FlowLoader", () => {
  it("loads a valid flow and gives it a content-hash version", () => {
    const flow = loader.parse(valid, "flows/demo.yaml");
    expect(flow.steps).toEqual([{ kind: "message", id: "hello", say: "Hi" }]);
    expect(flow.version).toMatch(/^[0-9a-f]{12}$/);
    expect(loader.parse(`${valid}\n`, "x").version).not.toBe(flow.version);
  });

  it("reports YAML syntax errors with line and column", () => {
    expect(problemsOf("id: demo\ntitle: [unclosed\n")[0]).toMatch(/^\d+:\d+ YAML: /);
    // An unquoted text with ": " is the usual slip: one problem, with a hint, not a cascade.
    expect(problemsOf(`${valid}  - id: x\n    say: Hi {{ a | default: "b" }} there\n    goto: hello\n`)).toEqual([
      '7:10 YAML: Nested mappings are not allowed in compact mappings (a text that contains ": " must be in quotes, or written on the next lines after "|-")',
    ]);
  });

  it("names an unknown step kind at the step", () => {
    expect(problemsOf(`${valid}  - id: beam\n    teleport: { to: 1 }\n`)).toEqual([
      "6:5 steps[1]: unknown step kind (keys: teleport); a step needs one of: ask, consent, survey, branches, set, tag, end, magnet, pay, handoff, review, say, goto",
    ]);
  });

  it("names what a pay step lacks, at the step", () => {
    expect(problemsOf(`${valid}  - id: pay\n    pay: { amount: 1 }\n`)).toEqual([
      "7:10 steps[1].pay.title: is required",
      "7:10 steps[1].pay.say: is required",
      "7:10 steps[1].pay.paid: is required",
    ]);
  });

  it("points an unknown key at the key itself", () => {
    expect(problemsOf(`${valid}    colour: red\n`)).toEqual(['6:5 steps[0]: unknown key "colour"']);
  });

  it("rejects a goto to a missing step", () => {
    expect(problemsOf(`${valid}    goto: nowhere\n`)).toEqual(['6:11 steps[0].goto: goto "nowhere": no step has this id']);
  });

  it("rejects duplicate ids", () => {
    expect(problemsOf(`${valid}  - id: hello\n    say: Again\n`)).toEqual([
      '6:9 steps[1].id: duplicate step id "hello" (first used by steps[0])',
    ]);
  });

  it("rejects unreachable steps", () => {
    const source = `${valid}    goto: bye\n  - id: lost\n    say: Nobody comes here\n  - id: bye\n    end: true\n`;
    expect(problemsOf(source)).toEqual([
      '7:9 steps[1].id: step "lost" is unreachable: no goto, button, branch or previous step leads to it',
    ]);
  });

  it("rejects bad durations", () => {
    expect(problemsOf(`${valid}    buttons: [{ text: Go, goto: hello }]\n    followUps: [{ after: soon, say: Hey }]\n`)[0]).toMatch(
      /^7:26 steps\[0\]\.followUps\[0\]\.after: a duration is a number with a unit/,
    );
  });

  it("rejects bad templates", () => {
    expect(problemsOf(valid.replace("say: Hi", "say: 'Hi {{ contact.name '"))[0]).toMatch(/^5:10 steps\[0\]\.say: bad template: /);
  });

  it("rejects bad conditions", () => {
    const source = `${valid}  - id: check\n    branches: [{ when: "vars.x >", goto: hello }]\n`;
    expect(problemsOf(source.replace("say: Hi", "say: Hi\n    goto: check"))[0]).toMatch(
      /^8:24 steps\[1\]\.branches\[0\]\.when: bad condition "vars.x >"/,
    );
  });

  it("refuses writing the facts Orkestr keeps (purchases, attribution) and names the field", () => {
    const source = `${valid}  - id: fake\n    set: { contact.orders_count: 5, contact.vip: true }\n`;
    expect(problemsOf(source)).toEqual([
      expect.stringMatching(/^7:\d+ steps\[1\]\.set\.contact\.orders_count: .*cannot be written by a flow/),
    ]);
    const asked = valid.replace("say: Hi", "ask: { type: text, text: Where from?, save: contact.first_source }");
    expect(problemsOf(asked)).toEqual([expect.stringMatching(/^5:\d+ steps\[0\]\.ask\.save: .*contact\.first_source.*cannot be written/)]);
  });

  it("requires options for a choice question and names the field path", () => {
    const source = valid.replace("say: Hi", "ask: { type: choice, text: Pick, save: vars.pick }");
    expect(problemsOf(source)).toEqual(["5:10 steps[0].ask.options: a choice question needs `options`"]);
  });

  it("reports every problem of a file in one pass, in file order", () => {
    const source = `${valid}    goto: missing\n  - id: broken\n    say: 42\n  - id: third\n    goto: broken\n`;
    expect(problemsOf(source)).toEqual([
      '6:11 steps[0].goto: goto "missing": no step has this id',
      "8:10 steps[1].say: Invalid input: expected string, received number",
    ]);
  });

  it("rejects a loop of steps that never wait", () => {
    const source = `${valid}    goto: again\n  - id: again\n    goto: hello\n`;
    expect(problemsOf(source)).toEqual(["4:9 steps[0].id: steps hello → again → hello loop forever without waiting for the contact"]);
  });

  it("rejects follow-ups on a step that does not wait", () => {
    expect(problemsOf(`${valid}    followUps: [{ after: 1h, say: Later }]\n`)).toEqual([
      "6:5 steps[0].followUps: follow-ups fire only while the contact waits at a step (a question, or a message with goto buttons); this step moves on at once",
    ]);
  });

  it("checks the quiet hours settings", () => {
    expect(problemsOf(valid.replace("steps:", "settings: { quietHours: 22-9 }\nsteps:"))).toEqual([
      "3:25 settings.quietHours: write quiet hours like 22:00-09:00",
    ]);
    expect(problemsOf(valid.replace("steps:", "settings: { timezone: Moscow }\nsteps:"))[0]).toMatch(
      /^3:11 settings: unknown time zone "Moscow"/,
    );
  });

  it("resolves a message's file next to the flow file, hashes it and counts it in the version", () => {
    const dir = mkdtempSync(join(tmpdir(), "orkestr-flow-"));
    writeFileSync(join(dir, "guide.pdf"), "%PDF-1.4 first");
    const source = `${valid}    file: guide.pdf\n`;
    const flow = loader.parse(source, join(dir, "demo.yaml"));
    const file = flow.files.get("guide.pdf");
    expect(file).toMatchObject({ path: join(dir, "guide.pdf"), name: "guide.pdf", size: 14 });
    expect(file?.sha256).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, "guide.pdf"), "%PDF-1.4 second");
    expect(loader.parse(source, join(dir, "demo.yaml")).version).not.toBe(flow.version);
  });

  it("names a missing or empty file at its key", () => {
    const dir = mkdtempSync(join(tmpdir(), "orkestr-flow-"));
    writeFileSync(join(dir, "empty.pdf"), "");
    const two = `${valid}    file: nope.pdf\n  - id: second\n    say: x\n    file: empty.pdf\n`;
    try {
      loader.parse(two, join(dir, "demo.yaml"));
      expect.unreachable("the flow should be rejected");
    } catch (error) {
      expect((error as FlowError).problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
        `6:11 steps[0].file: file "nope.pdf" not found (looked at ${join(dir, "nope.pdf")})`,
        '9:11 steps[1].file: file "empty.pdf" is empty',
      ]);
    }
  });

  it("reports a missing required key at its parent", () => {
    expect(problemsOf("id: demo\nsteps:\n  - id: a\n    say: x\n")).toEqual(["1:1 title: is required"]);
  });
});
