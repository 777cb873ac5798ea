import { describe, expect, it } from "vitest";
import { Prisma } from "./generated/client.ts";
import { retryOnConflict } from "./retry-on-conflict.ts";

const conflict = () =>
  new Prisma.PrismaClientKnownRequestError("Transaction failed due to a write conflict or a deadlock", {
    code: "P2034",
    clientVersion: "7",
  });

describe("retryOnConflict", () => {
  it("runs a transaction again after a deadlock or write conflict, up to three times", async () => {
    let calls = 0;
    const result = await retryOnConflict(async () => {
      calls++;
      if (calls === 1) throw conflict();
      if (calls === 2) throw new Error("deadlock detected");
      return "done";
    });
    expect([result, calls]).toEqual(["done", 3]);
    let always = 0;
    await expect(
      retryOnConflict(async () => {
        always++;
        throw conflict();
      }),
    ).rejects.toThrow(/write conflict/);
    expect(always).toBe(3);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new Error("unique constraint");
      }),
    ).rejects.toThrow("unique constraint");
    expect(calls).toBe(1);
  });
});
