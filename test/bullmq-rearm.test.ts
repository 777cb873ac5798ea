import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { BullMqFollowUpQueue } from "../core/scheduler-bullmq/bullmq-follow-up-queue.ts";
import { waitFor } from "./support/wait-for.ts";

describe("BullMqFollowUpQueue.rearm (real Redis)", () => {
  const prefix = `rearm${randomUUID().slice(0, 8)}`;
  const connection = { url: inject("redisUrl"), maxRetriesPerRequest: null };
  const queue = new BullMqFollowUpQueue(connection, prefix);
  const raw = new Queue("orkestr-follow-ups", { connection, prefix });
  afterAll(async () => {
    await queue.close();
    await raw.close();
  });

  it("replaces a timer that failed for good and arms the others of the page in one go", async () => {
    // A job for follow-up "a" that failed for good, as after its attempts ran out.
    await raw.add("follow-up", { followUpId: "a" }, { jobId: "fu-a", attempts: 1 });
    const worker = new Worker(
      "orkestr-follow-ups",
      async () => {
        throw new Error("database away");
      },
      { connection, prefix },
    );
    await waitFor(
      () => raw.getJobState("fu-a"),
      (state) => state === "failed",
      "the job to fail",
    );
    await worker.close();

    const later = new Date(Date.now() + 60_000);
    await queue.rearm([
      { id: "a", dueAt: later },
      { id: "b", dueAt: later },
    ]);
    expect(await raw.getJobState("fu-a")).toBe("delayed");
    expect(await raw.getJobState("fu-b")).toBe("delayed");
    expect(await queue.delayedCount()).toBe(2);
  });
});

describe("BullMqFollowUpQueue's footprint in Redis (real Redis)", () => {
  const prefix = `size${randomUUID().slice(0, 8)}`;
  const connection = { url: inject("redisUrl"), maxRetriesPerRequest: null };
  const queue = new BullMqFollowUpQueue(connection, prefix);
  const redis = new Redis(inject("redisUrl"));
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
  });

  it("keeps a pending follow-up in at most 1 KB: its job and its place among the delayed", async () => {
    const count = 500;
    // Ids shaped like the real ones: <conversation uuid>-<visit>-<index>.
    const followUps = Array.from({ length: count }, (_, i) => ({ id: `${randomUUID()}-${i}-0`, dueAt: new Date(Date.now() + 3_600_000) }));
    await queue.schedule(followUps);
    const usage = (key: string) => redis.call("MEMORY", "USAGE", key, "SAMPLES", "0") as Promise<number>;
    const jobs = await Promise.all(followUps.map(({ id }) => usage(`${prefix}:orkestr-follow-ups:fu-${id}`)));
    const delayed = await usage(`${prefix}:orkestr-follow-ups:delayed`);
    const perFollowUp = (jobs.reduce((sum, bytes) => sum + bytes, 0) + delayed) / count;
    expect(jobs.every((bytes) => bytes > 0)).toBe(true);
    expect(perFollowUp).toBeLessThanOrEqual(1024);
  });
});

describe("a follow-up scheduled again while its job runs (real Redis)", () => {
  const prefix = `again${randomUUID().slice(0, 8)}`;
  const connection = { url: inject("redisUrl"), maxRetriesPerRequest: null };
  const queue = new BullMqFollowUpQueue(connection, prefix);
  const raw = new Queue("orkestr-follow-ups", { connection, prefix });
  afterAll(async () => {
    await queue.close();
    await raw.close();
  });

  it("goes back to waiting, delayed, and runs again when due (a follow-up postponed past quiet hours)", async () => {
    const runs: number[] = [];
    queue.startWorker(async (id) => {
      runs.push(runs.length + 1);
      // The first run postpones it, as the runtime does when it fires inside quiet hours.
      if (runs.length === 1) await queue.schedule([{ id, dueAt: new Date(Date.now() + 60_000) }]);
    }, 1);
    await queue.schedule([{ id: "p", dueAt: new Date() }]);
    await waitFor(
      () => raw.getJobState("fu-p"),
      (state) => state === "delayed" && runs.length === 1,
      "the job delayed again after its first run",
    );
    const job = await raw.getJob("fu-p");
    expect((job?.delay ?? 0) + (job?.timestamp ?? 0)).toBeGreaterThan(Date.now() + 30_000);
    // Due now (as the minute would pass): it runs a second time and is done.
    await job?.changeDelay(0);
    await waitFor(
      () => runs.length,
      (n) => n === 2,
      "the second run",
    );
    expect(runs).toEqual([1, 2]);
  });
});
