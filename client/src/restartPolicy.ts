/**
 * When the language server dies: restart it, tell the user once, and stop after a few crashes
 * in a short time instead of restarting in a loop. Pure: the caller passes the clock.
 */
export interface CrashDecision {
  readonly restart: boolean;
  /** Show a message now (the first restart, and the final give-up); otherwise stay quiet. */
  readonly notify: 'restarted' | 'gave-up' | undefined;
}

export class RestartPolicy {
  private readonly crashes: number[] = [];
  private toldRestart = false;
  private gaveUp = false;

  constructor(
    private readonly maxCrashes = 3,
    private readonly windowMs = 3 * 60 * 1000,
  ) {}

  onCrash(now: number): CrashDecision {
    if (this.gaveUp) return { restart: false, notify: undefined };
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0] > this.windowMs) this.crashes.shift();
    if (this.crashes.length >= this.maxCrashes) {
      this.gaveUp = true;
      return { restart: false, notify: 'gave-up' };
    }
    const notify = this.toldRestart ? undefined : 'restarted';
    this.toldRestart = true;
    return { restart: true, notify };
  }

  /** After a manual restart the user knows; count afresh. */
  reset(): void {
    this.crashes.length = 0;
    this.gaveUp = false;
  }
}
