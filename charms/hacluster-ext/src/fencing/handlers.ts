/**
 * The hold actions and the hold report. Any member may run them: the fence log is the cluster's (the CIB), and
 * appending to it is atomic from any member, so they need not wait for the leader.
 */
import { charm, FACTS, type Context } from '../charm.js';
import type { Facts } from '../status.js';
import type { FenceLogState, NewRecord } from './budget.js';
import { appendDecided, readLog, type Runner } from './cib-log.js';
import { HOLD_VIEW, publishHold, readHoldView } from './report.js';
import { notify } from '../notify/handlers.js';

const REASON = /^[A-Za-z0-9 .,:;_/-]{0,120}$/;

function runner(ctx: Context): Runner {
  return (argv) => ctx.host.run(argv, { timeoutMs: 30_000 });
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Reads the CIB, keeps the view for the status and tells the principal; false when the CIB did not answer. */
async function refreshHold(ctx: Context): Promise<boolean> {
  try {
    publishHold(ctx, await readHoldView(runner(ctx), now()));
    return true;
  } catch (error) {
    await ctx.log(`fencing hold: could not read the CIB (${error instanceof Error ? error.message : String(error)}); keeping the last view`, 'WARNING');
    return false;
  }
}

/** The leader reads the hold from the CIB its converge step queries (charm.ts); the other members here. */
charm.hook('update-status').do('report-fencing-hold', async (ctx) => {
  const facts = ctx.kv.get(FACTS) as Facts | null;
  if (!ctx.isLeader && facts?.stage === 'clustered') await refreshHold(ctx);
});

/** Appends `record` unless `done` says the log already is as asked (and says how); the action reports which. */
async function appendUnless(ctx: Context, what: string, done: (state: FenceLogState) => string | null, record: NewRecord): Promise<void> {
  try {
    const { result, appended } = await appendDecided(runner(ctx), (state) => {
      const already = done(state);
      return { result: already, append: already === null ? record : null };
    }, now, 3600);
    await refreshHold(ctx);
    if (appended !== null) {
      await notify(ctx, record.kind === 'hold'
        ? { event: 'hold-entered', host: null, details: { scope: record.scope, note: record.note } }
        : { event: 'hold-released', host: null, details: { scope: record.kind === 'release' ? record.scope : null } });
    }
    const message = result ?? `${what} (fence log record ${appended?.seq})`;
    await ctx.log(`fencing hold: ${message}`);
    ctx.action?.set({ result: message });
  } catch (error) {
    ctx.action?.fail(`${what} failed: ${error instanceof Error ? error.message : String(error)}; is pacemaker running on this unit (crm_mon -1)?`);
  }
}

charm.action('release-fencing-hold', async (ctx, params) => {
  if (params['i-have-checked'] !== true) return ctx.action?.fail('i-have-checked: must be true, once you have checked the hosts the budget refused to fence');
  await appendUnless(ctx, 'fencing hold released; the budget starts afresh',
    (s) => (s.budgetHold === null ? 'the fencing budget holds nothing' : null), { kind: 'release', at: now(), scope: 'budget' });
});

charm.action('hold-recovery', async (ctx, params) => {
  const reason = typeof params.reason === 'string' ? params.reason.trim() : '';
  if (!REASON.test(reason)) return ctx.action?.fail('reason: up to 120 letters, digits, spaces and . , : ; _ / -');
  await appendUnless(ctx, 'recovery held: no host is fenced or evacuated until release-recovery',
    (s) => (s.operatorHold === null ? null : `recovery is already held (${s.operatorHold.note || 'no reason given'})`),
    { kind: 'hold', at: now(), scope: 'operator', note: reason });
});

charm.action('release-recovery', async (ctx) => {
  await appendUnless(ctx, 'recovery released', (s) => (s.operatorHold === null ? 'recovery is not held' : null), { kind: 'release', at: now(), scope: 'operator' });
});

charm.action('fencing-log', async (ctx) => {
  try {
    const records = await readLog(runner(ctx));
    await refreshHold(ctx);
    ctx.action?.set({ records: JSON.stringify(records), view: JSON.stringify(ctx.kv.get(HOLD_VIEW)) });
  } catch (error) {
    ctx.action?.fail(`reading the fence log failed: ${error instanceof Error ? error.message : String(error)}`);
  }
});
