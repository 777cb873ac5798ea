/**
 * The app's clock in a test: it runs on with real time from the moment the test sets, so the
 * day and the hour (quiet hours, support hours, caps) are the test's, never the machine's.
 */
export class SettableClock {
  private offsetMs = 0;

  /** From now on the clock reads `iso`, and moves on from there. */
  set(iso: string): void {
    this.offsetMs = Date.parse(iso) - Date.now();
  }

  /** For `startTestAppWithDatabase(…, { clock: clock.now })`. */
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);
}
