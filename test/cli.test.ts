import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orkestr } from "./support/orkestr-cli.ts";

const root = new URL("../", import.meta.url).pathname;

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1);
const tempDir = () => mkdtempSync(join(tmpdir(), "orkestr-cli-"));

describe("orkestr CLI", () => {
  it("lists its commands, each with --help", async () => {
    const help = await orkestr(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["validate", "graph", "simulate", "test", "init", "report"]) expect(help.stdout).toContain(command);
    const validateHelp = await orkestr(["validate", "--help"]);
    expect(validateHelp.stdout).toContain("file:line:column");
    expect((await orkestr(["no-such-command"])).code).toBe(1);
  });

  it("validate: the example flows pass; a broken file is reported as file:line:column and exits 1", async () => {
    const ok = await orkestr(["validate"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("✓ flows/checklist-funnel.yaml");

    const dir = tempDir();
    writeFileSync(join(dir, "broken.yaml"), "id: broken\ntitle: Broken\nsteps:\n  - id: a\n    say: Hi\n    goto: nowhere\n");
    const broken = await orkestr(["validate", dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${join(dir, "broken.yaml")}:6:11 steps[0].goto: goto "nowhere": no step has this id`);
    expect((await orkestr(["validate", join(dir, "missing.yaml")])).stderr).toContain("no such file or folder");
  });

  it("graph: prints the flow as a Mermaid flowchart, by id or by file", async () => {
    const byId = await orkestr(["graph", "checklist-funnel"]);
    expect(byId.code).toBe(0);
    expect(byId.stdout).toMatch(/^flowchart TD\n/);
    expect(byId.stdout).toContain('subgraph stage_deal["deal"]');
    expect(byId.stdout).toContain('-->|"Получить чек-лист"|');
    expect((await orkestr(["graph", "flows/checklist-funnel.yaml"])).stdout).toBe(byId.stdout);
    const unknown = await orkestr(["graph", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no flow "nope" in flows (flows: checklist-funnel, course-sale)');
  });

  it("simulate: a chat on the real engine with numbered buttons, answers, /wait for follow-ups and /state", async () => {
    const input = ["/wait 30m", "/wait 30m", "1", "Анна", "1", "anna@example.com", "/state", "/quit"].join("\n");
    // A Monday morning in Moscow, so the example's quiet hours (22:00-09:00) stay out of the way.
    const run = await orkestr(["simulate", "checklist-funnel", "--channel", "vk", "--at", "2026-03-02T10:00+03:00"], { input });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain("🤖 Привет, друг! 👋\n   Я пришлю вам чек-лист «10 ошибок в рекламе»");
    expect(out).toContain("   [1] Получить чек-лист\n   [2] Что внутри?");
    // The one-hour reminder fires on the second half hour, not the first.
    const [firstWait, secondWait] = out.split("🙂 /wait 30m").slice(1);
    expect(firstWait).not.toContain("Чек-лист всё ещё ждёт вас");
    expect(secondWait).toContain("🤖 Чек-лист всё ещё ждёт вас");
    expect(out).toContain("🙂 1\n🤖 Как к вам обращаться?");
    expect(out).toContain("🤖 📎 checklist-10-oshibok.pdf");
    expect(out).toContain('   fields: {"first_name":"Анна","email":"anna@example.com"}');
    expect(out).toContain("🤖 Анна, чтобы прислать чек-лист, нам нужно ваше согласие");
    expect(out).toContain('   tags: ["lead","checklist"]');
  });

  it("simulate --at: a follow-up that falls in quiet hours is held back, said so in the flow's time zone, and sent when they end", async () => {
    const input = ["/wait 2h", "/wait 12h", "/quit"].join("\n");
    // 21:30 in Moscow: the one-hour reminder would be due at 22:30, inside 22:00-09:00.
    const run = await orkestr(["simulate", "checklist-funnel", "--at", "2026-03-02T18:30:00Z"], { input });
    expect(run.stderr).toBe("");
    const out = run.stdout;
    expect(out).toContain(
      "⏸ a follow-up due 2026-03-02 22:30 falls in quiet hours (22:00-09:00 Europe/Moscow): held back until 2026-03-03 09:00",
    );
    const [firstWait, secondWait] = out.split("🙂 /wait").slice(1);
    expect(firstWait).not.toContain("Чек-лист всё ещё ждёт вас");
    expect(secondWait).toContain("⏩ 2026-03-03 09:00 Europe/Moscow\n🤖 Чек-лист всё ещё ждёт вас");
    const bad = await orkestr(["simulate", "checklist-funnel", "--at", "yesterday"], { input: "/quit" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--at "yesterday"');
  });

  it("init: scaffolds a flow that validates, with the schema line, and never overwrites", async () => {
    const dir = tempDir();
    const created = await orkestr(["init", "spring-sale", "--dir", dir]);
    expect(created.code).toBe(0);
    const file = join(dir, "spring-sale.yaml");
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=.*schema\/flow\.schema\.json$/);
    expect(text).toContain("id: spring-sale");
    expect((await orkestr(["validate", file])).code).toBe(0);
    // The scaffold runs as it is.
    const chat = await orkestr(["simulate", file], { input: "1\n1\nanna@example.com\n" });
    expect(chat.stdout).toContain("🤖 Спасибо! Материалы уже в пути.");
    const again = await orkestr(["init", "spring-sale", "--dir", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect((await orkestr(["init", "Spring Sale", "--dir", dir])).code).toBe(1);
    // Five runs of the CLI, each a new Node.js process: slow on a loaded machine, not stuck.
  }, 120_000);

  it("test: every example flow has transcripts, and they pass", async () => {
    const flowIds = readdirSync(join(root, "flows"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => /^id: (\S+)$/m.exec(readFileSync(join(root, "flows", f), "utf8"))?.[1]);
    const tested = readdirSync(join(root, "flows/transcripts")).map(
      (f) => /^flow: (\S+)$/m.exec(readFileSync(join(root, "flows/transcripts", f), "utf8"))?.[1],
    );
    expect(tested).toEqual(expect.arrayContaining(flowIds));

    const run = await orkestr(["test"]);
    expect(run.stdout).toContain("✓ a lead consents, gets the checklist");
    expect(lastLine(run.stdout)).toMatch(/^[1-9]\d* passed, 0 failed$/);
    expect(run.code).toBe(0);
  });

  it("test: a change to the flow that breaks a transcript fails it with the turn, expected and actual text", async () => {
    const flows = tempDir();
    cpSync(join(root, "flows"), flows, { recursive: true });
    const flowFile = join(flows, "checklist-funnel.yaml");
    writeFileSync(flowFile, readFileSync(flowFile, "utf8").replace("Как к вам обращаться?", "Как вас зовут?"));
    const run = await orkestr(["test", join(flows, "transcripts"), "--flows", flows]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /✗ a lead consents, gets the checklist, picks a budget and books a call\n\s+\S+checklist-funnel\.yaml:11 turn 4: the message differs/,
    );
    expect(run.stdout).toContain('expected: a message containing "Как к вам обращаться?"');
    expect(run.stdout).toContain('actual:   "Как вас зовут?"');
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, [1-9]\d* failed$/);
  });

  it("test: `fields: { x: null }` holds only while the field is not set", async () => {
    const file = join(tempDir(), "null-field.yaml");
    const turns = (name: string, then: string) =>
      `flow: checklist-funnel\ntranscripts:\n  - name: ${name}\n    turns:\n      - start: true\n      - press: Получить чек-лист\n      - expect: { fields: { first_name: null } }\n      - say: Анна\n      - expect: { fields: { first_name: ${then} } }\n`;
    writeFileSync(file, turns("named", "Анна") + turns("still unnamed", "null").replace(/^flow:.*\ntranscripts:\n/, ""));
    const run = await orkestr(["test", file]);
    expect(run.stdout).toContain("✓ named");
    expect(run.stdout).toMatch(/✗ still unnamed\n.*field first_name differs/);
    expect(lastLine(run.stdout)).toBe("1 passed, 1 failed");
  });

  it("test: a malformed transcript file is reported as file:line:column", async () => {
    const dir = tempDir();
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "flow: checklist-funnel\ntranscripts:\n  - name: typo\n    turns:\n      - sey: hi\n");
    const run = await orkestr(["test", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${file}:5:9 transcripts\\[0\\]\\.turns\\[0\\]: `));
    expect(lastLine(run.stdout)).toBe("0 passed, 0 failed");
  });
});
