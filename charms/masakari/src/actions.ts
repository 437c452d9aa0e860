/** The charm's actions: service control (pause, resume, restart-services) and the operator actions on the API. */
import { BACKEND_PORT } from './addresses.js';
import { connectAsService } from './api/connect.js';
import { OpenStackApiError } from './api/keystone-token.js';
import { charm, dbReady, platformOf, type MasakariCtx } from './charm.js';
import { ActionParamError, apiWaitMs, OPERATOR_ACTIONS, runOperatorAction, validateParams, type OperatorAction } from './operator-actions.js';

async function platformOrFail(ctx: MasakariCtx) {
  const platform = await platformOf(ctx);
  if (!platform) ctx.action?.fail('unsupported operating system (accepted: Ubuntu, Debian)');
  return platform;
}

charm.action('pause', async (ctx) => {
  const platform = await platformOrFail(ctx);
  if (!platform) return;
  ctx.flags.set('masakari.paused');
  for (const s of [...platform.services].reverse()) {
    await ctx.action?.log(`stopping ${s}`);
    await ctx.host.service('stop', s);
  }
  ctx.action?.set({ stopped: platform.services.join(' ') });
});

charm.action('resume', async (ctx) => {
  const platform = await platformOrFail(ctx);
  if (!platform) return;
  ctx.flags.clear('masakari.paused');
  const ready = ctx.flags.isSet('masakari.configured') && (await dbReady(ctx));
  const started: string[] = [];
  for (const s of platform.services) {
    if (!ready && !platform.withoutDatabase.includes(s)) continue;
    await ctx.action?.log(`starting ${s}`);
    await ctx.host.service('start', s);
    started.push(s);
  }
  ctx.action?.set({ started: started.join(' ') || 'none (the unit is not configured yet)' });
});

charm.action('restart-services', async (ctx) => {
  const platform = await platformOrFail(ctx);
  if (!platform) return;
  if (ctx.flags.isSet('masakari.paused')) {
    ctx.action?.fail("the unit is paused: run the 'resume' action instead");
    return;
  }
  if (!ctx.flags.isSet('masakari.configured') || !(await dbReady(ctx))) {
    ctx.action?.fail('the unit is not configured yet (shared-db, amqp and identity-service must be complete and the database synced)');
    return;
  }
  for (const s of platform.services) {
    await ctx.action?.log(`restarting ${s}`);
    await ctx.host.service('restart', s);
  }
  ctx.action?.set({ restarted: platform.services.join(' ') });
});

for (const name of OPERATOR_ACTIONS) {
  charm.action(name, async (ctx, params) => {
    let validated: Record<string, unknown>;
    let waitMs: number;
    try {
      validated = validateParams(name as OperatorAction, params);
      waitMs = apiWaitMs(params);
    } catch (error) {
      if (error instanceof ActionParamError) return ctx.action?.fail(error.message);
      throw error;
    }
    const credentials = ctx.endpoint('identity-service').credentials();
    if (!credentials) {
      return ctx.action?.fail("the identity-service relation has no service credentials yet: relate masakari to keystone and wait for 'Unit is ready'");
    }
    try {
      const connection = await connectAsService(credentials, {
        region: String(ctx.config.region ?? 'RegionOne'),
        useInternalEndpoints: ctx.config['use-internal-endpoints'] === true,
        localApi: `http://127.0.0.1:${BACKEND_PORT}/v1`,
        retry: { waitMs, onRetry: (message) => ctx.action?.log(message) },
      });
      await ctx.action?.log(`calling the Masakari API at ${connection.endpoint} (${connection.via})`);
      ctx.action?.set(await runOperatorAction(name as OperatorAction, validated, connection.client));
    } catch (error) {
      if (error instanceof ActionParamError || error instanceof OpenStackApiError) return ctx.action?.fail(error.message);
      throw error;
    }
  });
}

export { charm };
