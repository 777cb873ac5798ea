import { type ConnectionOptions, Queue, Worker } from "bullmq";

/**
 * Work that runs every so often for the whole installation, not per process: a BullMQ job
 * scheduler (https://docs.bullmq.io/guide/job-schedulers) under one fixed id, so however many
 * replicas start it there is one schedule, and each run is taken by one worker.
 */
export class BullMqPeriodicJob {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly connection: ConnectionOptions,
    private readonly prefix = "orkestr",
  ) {
    this.queue = new Queue(`orkestr-${name}`, { connection, prefix, streams: { events: { maxLen: 100 } } });
  }

  /** Sets the schedule (the same for every replica: upserting it again changes nothing) and runs `work` when its turn comes here. */
  async start(work: () => Promise<unknown>): Promise<Worker> {
    await this.queue.upsertJobScheduler(
      this.name,
      { every: this.everyMs },
      {
        name: this.name,
        opts: { removeOnComplete: true, removeOnFail: { count: 20 } },
      },
    );
    // One at a time: a run slower than the interval is not overlapped by the next.
    this.worker = new Worker(this.queue.name, () => work(), { connection: this.connection, prefix: this.prefix, concurrency: 1 });
    return this.worker;
  }

  /** Errors of the queue's own Redis connection (it reconnects by itself). */
  on(event: "error", listener: (error: Error) => void): void {
    this.queue.on(event, listener);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
