/**
 * Retrying a machine start, as Juju's provisioner retries StartInstance: a machine that fails to come up on a
 * loaded host (a boot that took too long, a transient kernel limit) usually comes up on a second try, and a
 * machine left in error would hold its units at "waiting for machine" for good.
 */
export interface RetryOptions {
  attempts: number;
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Called before each new attempt with the failure that caused it. */
  onRetry: (attempt: number, error: Error) => void;
  /** False stops retrying (the agent is stopping, the machine was removed). */
  shouldContinue?: () => boolean;
}

export async function retrying<T>(action: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= options.attempts || options.shouldContinue?.() === false) throw error;
      options.onRetry(attempt + 1, error as Error);
      await options.sleep(options.delayMs);
    }
  }
}
