import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;

/** Runs the project's import rule (as `npm run lint` does) on a small tree of files. */
function cruise(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "orkestr-imports-"));
  for (const [path, text] of Object.entries({ "tsconfig.json": "{}", ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  const run = spawnSync(join(root, "node_modules/.bin/depcruise"), ["core", "bots", "--config", join(root, ".dependency-cruiser.cjs")], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  // Colours (CI may force them) would split the names the assertions look for.
  return { code: run.status, output: stripVTControlCharacters(run.stdout + run.stderr) };
}

describe("the import rule (.dependency-cruiser.cjs, run by npm test)", () => {
  it("lets imports go down the layers", () => {
    const run = cruise({
      "core/model/contact.ts": "export const a = 1;\n",
      "core/flow/flow.ts": 'import { a } from "../model/contact.ts";\nexport const b = a;\n',
      "core/engine/engine.ts": 'import { b } from "../flow/flow.ts";\nexport const c = b;\n',
      "bots/telegram/bot.ts": 'import { c } from "../../core/engine/engine.ts";\nexport const d = c;\n',
    });
    expect(run.output).toContain("no dependency violations");
    expect(run.code).toBe(0);
  });

  it("fails when the flow model imports the engine, the engine a database adapter, core a channel, or files import each other", () => {
    const run = cruise({
      "core/flow/flow.ts": 'import { c } from "../engine/engine.ts";\nexport const b = c;\n',
      "core/engine/engine.ts": 'import { e } from "../store-prisma/store.ts";\nexport const c = e;\n',
      "core/store-prisma/store.ts": 'import { d } from "../../bots/telegram/bot.ts";\nexport const e = d;\n',
      "bots/telegram/bot.ts": 'import { b } from "../../core/flow/flow.ts";\nexport const d = b;\n',
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("layer:core/flow: core/flow/flow.ts → core/engine/engine.ts");
    expect(run.output).toContain("layer:core/engine: core/engine/engine.ts → core/store-prisma/store.ts");
    expect(run.output).toContain("layer:core/store-prisma: core/store-prisma/store.ts → bots/telegram/bot.ts");
    expect(run.output).toContain("no-circular");
  });

  it("fails when the engine uses a queue, database or platform library itself", () => {
    const run = cruise({
      "core/engine/engine.ts": 'import { Queue } from "bullmq";\nexport const q = Queue;\n',
      "bots/web.ts": "export {};\n",
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("pure-core-uses-no-infrastructure: core/engine/engine.ts →");
  });
});
