const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One webhook request: whether the app accepted the update, and what it answered (e.g. "500 retry later"). */
export type WebhookPost = () => Promise<{ accepted: boolean; answer: string }>;

/**
 * Posts updates to a webhook the way Telegram and VK do: an update the app did not accept
 * (an error status, no `ok`, no answer in time) is delivered again after a pause, until it is
 * accepted; a contact's next update goes only after its previous one was accepted. Bounded by
 * `patienceMs` per update, after which the update counts as given up.
 */
export class RedeliveringSender {
  /** Deliveries the app did not accept (each one delivered again), by channel and answer: "vk 500 retry later". */
  readonly refused = new Map<string, number>();
  /** Updates still not accepted after `patienceMs`: "telegram 12 #1" (contact 12's second update). */
  readonly givenUp: string[] = [];
  private readonly contacts: Array<Promise<void>> = [];

  constructor(private readonly options: { pauseMs: number; patienceMs: number }) {}

  /** Starts delivering one contact's updates, in order; `finished()` waits for every contact. */
  sendInOrder(channel: string, contact: number, updates: WebhookPost[]): void {
    this.contacts.push(
      (async () => {
        for (const [index, post] of updates.entries()) {
          if (!(await this.deliver(channel, post))) {
            this.givenUp.push(`${channel} ${contact} #${index}`);
            return;
          }
        }
      })(),
    );
  }

  async finished(): Promise<void> {
    await Promise.all(this.contacts);
  }

  /** How many deliveries on `channel` were refused with an answer matching `answer`. */
  refusals(channel: string, answer: RegExp): number {
    let count = 0;
    for (const [key, times] of this.refused)
      if (key.startsWith(`${channel} `) && answer.test(key.slice(channel.length + 1))) count += times;
    return count;
  }

  private async deliver(channel: string, post: WebhookPost): Promise<boolean> {
    const deadline = Date.now() + this.options.patienceMs;
    for (;;) {
      // No answer at all (refused connection, timeout) is delivered again like an error status.
      const { accepted, answer } = await post().catch((error: Error) => ({ accepted: false, answer: error.name }));
      if (accepted) return true;
      const key = `${channel} ${answer}`;
      this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
      if (Date.now() > deadline) return false;
      await sleep(this.options.pauseMs);
    }
  }
}
