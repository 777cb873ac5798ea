import type { FollowUpScheduler, ScheduledFollowUp } from "../core/runtime/follow-up-scheduler.ts";

/** Follow-up timers on a virtual clock: nothing fires until `due()` is asked for (the simulator's `/wait`). */
export class VirtualFollowUpTimers implements FollowUpScheduler {
  private readonly timers = new Map<string, Date>();

  /** `onHeldBack` hears of every follow-up that quiet hours moved (the simulator tells the author). */
  constructor(private readonly onHeldBack: (followUp: ScheduledFollowUp & { heldBackFrom: Date }) => void = () => {}) {}

  async schedule(followUps: ScheduledFollowUp[]): Promise<void> {
    for (const f of followUps) {
      this.timers.set(f.id, f.dueAt);
      if (f.heldBackFrom) this.onHeldBack({ ...f, heldBackFrom: f.heldBackFrom });
    }
  }

  async rearm(followUps: Array<{ id: string; dueAt: Date }>): Promise<void> {
    await this.schedule(followUps);
  }

  async cancel(ids: string[]): Promise<void> {
    for (const id of ids) this.timers.delete(id);
  }

  /** Takes the earliest timer due by `until`, if any. */
  takeNext(until: Date): { id: string; dueAt: Date } | undefined {
    const next = [...this.timers.entries()].filter(([, at]) => at <= until).sort((a, b) => a[1].getTime() - b[1].getTime())[0];
    if (!next) return undefined;
    this.timers.delete(next[0]);
    return { id: next[0], dueAt: next[1] };
  }
}
