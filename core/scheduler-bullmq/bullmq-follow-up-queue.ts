import { type ConnectionOptions, DelayedError, type Job, Queue, Worker } from "bullmq";
import type { FollowUpScheduler } from "../runtime/follow-up-scheduler.ts";

const queueName = "orkestr-follow-ups";

/** Jobs carry nothing: the job id names the follow-up. (Jobs of older versions carry `followUpId`.) */
interface FollowUpJob {
  followUpId?: string;
}

/** Added-job events BullMQ keeps in Redis (its default is 10,000): nothing here reads them. */
const eventsKept = 1_000;

/**
 * Follow-up timers as BullMQ delayed jobs (https://docs.bullmq.io/guide/jobs/delayed).
 * The job id is derived from the follow-up id (BullMQ 6 ids may not contain ':'), so
 * scheduling twice keeps one job; finished jobs are removed so an id never blocks a re-add.
 * Redis only holds the timer: the follow-up row in PostgreSQL decides whether it still fires.
 */
export class BullMqFollowUpQueue implements FollowUpScheduler {
  private readonly queue: Queue<FollowUpJob>;
  private worker: Worker<FollowUpJob> | undefined;
  /** Jobs this process is running now: scheduling one of them again cannot add it (its id exists). */
  private readonly running = new Set<string>();
  /** When such a job asked to be due again (a follow-up postponed past quiet hours), by job id. */
  private readonly dueAgain = new Map<string, Date>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix = "orkestr",
    /** "Now" for the delays: the same clock the store and the runtime use. */
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.queue = new Queue<FollowUpJob>(queueName, { connection, prefix, streams: { events: { maxLen: eventsKept } } });
  }

  async schedule(followUps: Array<{ id: string; dueAt: Date }>): Promise<void> {
    const later = followUps.filter(({ id }) => this.running.has(jobIdOf(id)));
    for (const { id, dueAt } of later) this.dueAgain.set(jobIdOf(id), dueAt);
    const fresh = followUps.filter(({ id }) => !this.running.has(jobIdOf(id)));
    if (fresh.length === 0) return;
    await this.queue.addBulk(
      // Every byte here is kept per pending follow-up: a short name, no data.
      fresh.map(({ id, dueAt }) => ({
        name: "f",
        data: {},
        opts: {
          jobId: jobIdOf(id),
          delay: Math.max(0, dueAt.getTime() - this.clock().getTime()),
          attempts: 8,
          backoff: { type: "exponential", delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }

  async rearm(followUps: Array<{ id: string; dueAt: Date }>): Promise<void> {
    if (followUps.length === 0) return;
    // A job that failed for good keeps its id (removeOnFail keeps it for a week, for inspection)
    // and would make the re-add a no-op: drop it first. Failed jobs are few, so they are listed
    // once for the page instead of asking about each follow-up.
    const failedCount = await this.queue.getFailedCount();
    if (failedCount > 0) {
      const failed = new Set((await this.queue.getFailed(0, failedCount - 1)).map((job) => job.id));
      await Promise.all(followUps.filter(({ id }) => failed.has(jobIdOf(id))).map(({ id }) => this.queue.remove(jobIdOf(id))));
    }
    // One bulk add (one Redis round trip) for the page.
    await this.schedule(followUps);
  }

  async cancel(ids: string[]): Promise<void> {
    // A job that is running right now cannot be removed; its guard skips it.
    await Promise.all(ids.map((id) => this.queue.remove(jobIdOf(id)).catch(() => 0)));
  }

  /**
   * Starts processing due follow-ups with `handle`; several processes may each run a worker. A
   * follow-up the handler scheduled again (postponed) goes back to waiting, delayed, as BullMQ
   * moves a running job (https://docs.bullmq.io/patterns/process-step-jobs#delaying).
   */
  startWorker(handle: (followUpId: string) => Promise<void>, concurrency = 8): Worker<FollowUpJob> {
    const run = async (job: Job<FollowUpJob>, token?: string) => {
      const jobId = job.id ?? "";
      this.running.add(jobId);
      try {
        await handle(job.data.followUpId ?? followUpIdOf(job.id));
      } finally {
        this.running.delete(jobId);
      }
      const again = this.dueAgain.get(jobId);
      if (!again) return;
      this.dueAgain.delete(jobId);
      // BullMQ's timestamps are the machine's; the due time is on the app's clock.
      await job.moveToDelayed(Date.now() + Math.max(0, again.getTime() - this.clock().getTime()), token);
      throw new DelayedError();
    };
    this.worker = new Worker<FollowUpJob>(queueName, run, { connection: this.connection, prefix: this.prefix, concurrency });
    return this.worker;
  }

  /** Errors of the queue's own Redis connection (it reconnects by itself). */
  on(event: "error", listener: (error: Error) => void): void {
    this.queue.on(event, listener);
  }

  /** Jobs waiting for their time, for tests and health checks. */
  async delayedCount(): Promise<number> {
    return this.queue.getDelayedCount();
  }

  /** Lets running jobs finish, then disconnects (graceful shutdown). */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

function jobIdOf(followUpId: string): string {
  return `fu-${followUpId}`;
}

function followUpIdOf(jobId: string | undefined): string {
  if (!jobId?.startsWith("fu-")) throw new Error(`not a follow-up job: ${jobId}`);
  return jobId.slice(3);
}
