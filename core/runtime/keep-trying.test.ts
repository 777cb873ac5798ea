import { describe, expect, it } from "vitest";
import { keepTrying } from "./keep-trying.ts";

describe("keepTrying", () => {
  it("tries again until the operation succeeds, gives back its result, and logs the trouble once", async () => {
    let failures = 3;
    const warnings: object[] = [];
    const result = await keepTrying(
      async () => {
        if (failures-- > 0) throw new Error("Can't reach database server");
        return "noted";
      },
      { patienceMs: 60_000, firstPauseMs: 1, maxPauseMs: 2 },
      { warn: (obj) => void warnings.push(obj) },
      { outboxId: "7" },
      "not yet; trying again",
    );
    expect(result).toBe("noted");
    expect(warnings).toEqual([expect.objectContaining({ outboxId: "7", tries: 1 })]);
  });

  it("gives the error up once its patience is spent", async () => {
    const attempt = keepTrying(
      async () => {
        throw new Error("still away");
      },
      { patienceMs: 20, firstPauseMs: 5, maxPauseMs: 5 },
      { warn() {} },
      {},
      "trying again",
    );
    await expect(attempt).rejects.toThrow("still away");
  });
});
