/** Service chores several charms share, built on the one `serviceStates` question. */
import type { Host } from './host.js';

/** Stops each of `names` that is running, in the order given (one systemctl question first); returns those stopped. */
export async function stopRunning(host: Host, names: readonly string[]): Promise<string[]> {
  const states = await host.serviceStates(names);
  const running = names.filter((name) => states.get(name)?.active === true);
  for (const name of running) await host.service('stop', name);
  return running;
}
