import { randomUUID } from "node:crypto";
import { bench, describe } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { FlowHarness } from "../core/engine/flow-harness.ts";
import type { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import { startTestApp, testConfig } from "../test/support/test-app.ts";

const flowsDir = new URL("../flows/", import.meta.url).pathname;
const catalog: FlowCatalog = await loadFlowDirectory(flowsDir);

describe("flow files", () => {
  bench("load and validate flows/checklist-funnel.yaml", async () => {
    await new FlowLoader().loadFile(`${flowsDir}checklist-funnel.yaml`);
  });
});

describe("engine (pure, in memory)", () => {
  bench("one conversation: start, button, answer, consent, email, choice (6 turns)", () => {
    const h = new FlowHarness(catalog);
    const first = h.send({ type: "start", payload: "checklist" });
    h.press("Получить чек-лист", first);
    h.press("Согласен", h.text("Анна"));
    const budget = h.text("anna@example.com");
    h.press("До 50 тыс. ₽", budget);
  });
});

// Benchmarks take no hooks, so the app starts with the module; it is stopped after the last run.
const app: RunningOrkestr = await startTestApp(await testConfig({ FLOWS_DIR: flowsDir }));

describe("inbound turn through the runtime (PostgreSQL + Redis)", () => {
  bench(
    "new contact: /start → welcome message stored and sent",
    async () => {
      await app.runtime.receive(randomUUID(), { channel: "web", externalId: randomUUID() }, {}, { type: "start", payload: "checklist" });
    },
    { iterations: 300, warmupIterations: 30, teardown: (_task, mode) => (mode === "run" ? app.stop() : undefined) },
  );
});
