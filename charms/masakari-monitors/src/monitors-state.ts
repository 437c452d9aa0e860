/**
 * Which service actions bring the monitors to the wanted state, and the status that follows from the facts.
 * Pure: the handler gathers the facts, applies the plan and records what it started the services with.
 */
import type { ServiceAction } from '../../../reactive/host/host.js';
import type { MonitorService } from './platform.js';

export interface ServiceFacts {
  readonly name: MonitorService;
  /** Switched on by its option. */
  readonly wanted: boolean;
  readonly active: boolean;
  readonly enabled: boolean;
  /** Digest of the config the service was last (re)started with (unit state), or null. */
  readonly startedWith: string | null;
}

export interface PlannedAction {
  readonly action: ServiceAction;
  readonly name: MonitorService;
}

/**
 * Services read their config only at start, so a config they were not started with means a restart. The digest is
 * committed with the hook: a hook killed after writing the file but before restarting restarts on the next run.
 */
export function servicePlan(services: readonly ServiceFacts[], configDigest: string, paused: boolean): PlannedAction[] {
  const plan: PlannedAction[] = [];
  for (const s of services) {
    if (!s.wanted) {
      if (s.active) plan.push({ action: 'stop', name: s.name });
      if (s.enabled) plan.push({ action: 'disable', name: s.name });
      continue;
    }
    if (paused) {
      if (s.active) plan.push({ action: 'stop', name: s.name });
      continue;
    }
    if (!s.enabled) plan.push({ action: 'enable', name: s.name });
    if (s.startedWith !== configDigest) plan.push({ action: s.active ? 'restart' : 'start', name: s.name });
    else if (!s.active) plan.push({ action: 'start', name: s.name });
  }
  return plan;
}

export interface MonitorsStatusFacts {
  readonly installed: boolean;
  readonly paused: boolean;
  readonly credentialsRelated: boolean;
  readonly credentialsComplete: boolean;
  /** Keystone's answer has values that break a rule: relation, unit and keys (never the values). */
  readonly invalidCredentials: string | null;
  /** A reason the config cannot be rendered although options are valid (e.g. no corosync interface). */
  readonly renderProblem: string | null;
  readonly wanted: readonly MonitorService[];
  readonly notRunning: readonly MonitorService[];
  /** The instance monitor is switched on but held back because libvirt does not run on this host. */
  readonly instanceMonitorWaitsForLibvirt: boolean;
}

export interface UnitStatus {
  readonly status: 'maintenance' | 'blocked' | 'waiting' | 'active';
  readonly message: string;
}

export const PAUSED_MESSAGE = "Paused. Use 'resume' action to resume normal service.";

export function assessMonitorsStatus(facts: MonitorsStatusFacts): UnitStatus {
  if (!facts.installed) return { status: 'maintenance', message: 'Installing packages' };
  if (facts.paused) return { status: 'maintenance', message: PAUSED_MESSAGE };
  if (!facts.credentialsRelated) return { status: 'blocked', message: "'identity-credentials' missing" };
  if (facts.invalidCredentials) return { status: 'blocked', message: facts.invalidCredentials };
  if (!facts.credentialsComplete) return { status: 'waiting', message: "'identity-credentials' incomplete" };
  if (facts.renderProblem) return { status: 'blocked', message: facts.renderProblem };
  if (facts.notRunning.length > 0) {
    return { status: 'blocked', message: `Services not running that should be: ${facts.notRunning.join(', ')}` };
  }
  if (facts.instanceMonitorWaitsForLibvirt) {
    return { status: 'active', message: 'Unit is ready (instance monitor waits for libvirt on this host)' };
  }
  if (facts.wanted.length === 0) {
    return { status: 'active', message: 'Unit is ready (host and instance monitors are switched off)' };
  }
  return { status: 'active', message: 'Unit is ready' };
}
