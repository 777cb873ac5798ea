/** A follow-up timer; `heldBackFrom` tells that quiet hours moved it from that time to `dueAt`. */
export interface ScheduledFollowUp {
  id: string;
  dueAt: Date;
  heldBackFrom?: Date;
}

/** Puts follow-ups on a durable timer. Implemented with BullMQ in core/scheduler-bullmq. */
export interface FollowUpScheduler {
  /** Idempotent: scheduling the same id twice keeps one timer. */
  schedule(followUps: ScheduledFollowUp[]): Promise<void>;
  /** Like `schedule`, but also replaces a timer that ended failed, so a lost follow-up is retried. */
  rearm(followUps: Array<{ id: string; dueAt: Date }>): Promise<void>;
  /** Best effort: a follow-up that still fires is skipped by the store's guard. */
  cancel(ids: string[]): Promise<void>;
}
