/**
 * The agent's control socket: the CLI posts one JSON request per change (`POST /<verb>`), the agent applies it to
 * the model state in its single thread and answers `{ ok, result | error }`.
 */
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { storeCharm } from '../charm/store.js';
import { loadCharmMeta } from '../charm/metadata.js';
import type { Placement } from '../bundle/placement.js';
import type { Agent } from './agent.js';
import * as ops from './operations.js';
import { validateActionParams } from './actions.js';
import { parseDuration } from './duration.js';
import { destroyUnit, removeUnit } from './transitions.js';

export type Handler = (agent: Agent, body: any) => Promise<unknown> | unknown;

const handlers: Record<string, Handler> = {
  ping: (agent) => ({ pid: process.pid, model: agent.model }),

  deploy: (agent, body: { request: ops.DeployRequest }) => {
    const req = body.request;
    for (const app of req.applications) {
      if (agent.state.applications[app.name]) continue;
      app.charmDir = storeCharm(app.charmSource, agent.paths.charms, app.name, 1);
    }
    const notes = ops.deploy(agent.state, req);
    agent.changed();
    return notes;
  },

  'add-unit': (agent, body: { application: string; count: number; placement?: Placement }) => {
    const units = ops.addUnits(agent.state, body.application, body.count, body.placement);
    agent.changed();
    return units;
  },

  'remove-unit': (agent, body: { units: string[]; force?: boolean }) => {
    ops.removeUnits(agent.state, body.units);
    if (body.force) {
      for (const u of body.units) {
        for (const s of Object.values(agent.state.units)) if (s.principal === u) removeUnit(agent.state, s.name);
        removeUnit(agent.state, u);
      }
    }
    agent.changed();
    return body.units;
  },

  'remove-application': (agent, body: { application: string; force?: boolean }) => {
    ops.removeApplication(agent.state, body.application);
    if (body.force) for (const u of Object.values(agent.state.units)) if (u.application === body.application) removeUnit(agent.state, u.name);
    agent.changed();
    return body.application;
  },

  integrate: (agent, body: { a: string; b: string }) => {
    const rel = ops.integrate(agent.state, body.a, body.b);
    agent.changed();
    return rel.key;
  },

  'remove-relation': (agent, body: { a: string; b: string }) => {
    const rel = ops.removeRelation(agent.state, body.a, body.b);
    agent.changed();
    return rel.key;
  },

  config: (agent, body: { application: string; set: Record<string, string>; reset: string[] }) => {
    ops.setConfig(agent.state, body.application, body.set, body.reset);
    agent.changed();
    return null;
  },

  'model-config': (agent, body: { set: Record<string, string> }) => {
    for (const [k, v] of Object.entries(body.set)) {
      if (k === 'update-status-hook-interval') {
        parseDuration(v);
        agent.state.settings[k] = v;
      } else if (k === 'automatically-retry-hooks') {
        agent.state.settings[k] = v === 'true';
      } else throw new Error(`unknown model setting "${k}" (settings: update-status-hook-interval, automatically-retry-hooks)`);
    }
    agent.changed();
    return agent.state.settings;
  },

  run: (agent, body: { unit: string; action: string; params: Record<string, unknown>; waitMs?: number }) => {
    const unit = agent.state.units[body.unit];
    if (!unit) throw new Error(`unit "${body.unit}" not found`);
    const meta = agent.state.applications[unit.application]!.meta;
    const params = validateActionParams(meta, body.action, body.params);
    const action = ops.queueAction(agent.state, body.unit, body.action, params, body.waitMs);
    agent.armActionDeadline(action.id);
    agent.changed();
    return action.id;
  },

  resolved: (agent, body: { unit: string; retry: boolean }) => {
    agent.resolve(body.unit, body.retry);
    return null;
  },

  refresh: (agent, body: { application: string; path?: string }) => {
    const app = agent.state.applications[body.application];
    if (!app) throw new Error(`application "${body.application}" not found`);
    const source = body.path ?? app.charmSource;
    const meta = loadCharmMeta(source);
    if (meta.name !== app.meta.name) throw new Error(`cannot refresh "${body.application}" from charm "${app.meta.name}" to "${meta.name}"`);
    const rev = app.charmRevision + 1;
    app.charmDir = storeCharm(source, agent.paths.charms, app.name, rev);
    app.charmSource = source;
    app.meta = meta;
    app.charmRevision = rev;
    agent.changed();
    return rev;
  },

  exec: (agent, body: { unit: string; command: string; waitMs?: number }) => agent.runExec(body.unit, body.command, body.waitMs),

  'destroy-unit-force': (agent, body: { unit: string }) => {
    destroyUnit(agent.state, body.unit);
    removeUnit(agent.state, body.unit);
    agent.changed();
    return null;
  },
};

export function serveControl(agent: Agent, socketPath: string, onExit: (destroy: boolean) => void): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const verb = (req.url ?? '/').slice(1);
      const reply = (code: number, body: unknown): void => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (verb === 'shutdown' || verb === 'destroy') {
        reply(200, { ok: true, result: process.pid });
        onExit(verb === 'destroy');
        return;
      }
      const handler = handlers[verb];
      if (!handler) return reply(404, { ok: false, error: `unknown request "${verb}"` });
      try {
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        const result = await handler(agent, body);
        // Persist before answering, so that a CLI call made right after sees the change on disk.
        agent.persist();
        reply(200, { ok: true, result });
      } catch (error) {
        reply(200, { ok: false, error: (error as Error).message });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}
