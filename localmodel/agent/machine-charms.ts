/**
 * Which charms will run on a machine: the charms of the principal units placed on it and of every subordinate
 * application related to one of them with container scope (and so on, for subordinates of subordinates). The
 * provisioner asks before a machine exists, so the machine can boot with those charms' packages installed.
 */
import type { ModelState } from '../model/state.js';

export function charmsOnMachine(state: ModelState, machineId: string): string[] {
  const apps = new Set<string>();
  for (const unit of Object.values(state.units)) if (unit.machine === machineId && unit.principal === null && unit.life === 'alive') apps.add(unit.application);
  for (let grew = true; grew; ) {
    grew = false;
    for (const relation of Object.values(state.relations)) {
      if (relation.scope !== 'container' || relation.life !== 'alive') continue;
      const names = relation.endpoints.map((endpoint) => endpoint.application);
      if (!names.some((name) => apps.has(name))) continue;
      for (const name of names) {
        if (!apps.has(name) && state.applications[name]?.meta.subordinate) {
          apps.add(name);
          grew = true;
        }
      }
    }
  }
  return [...new Set([...apps].map((app) => state.applications[app]?.meta.name).filter((name): name is string => !!name))].sort();
}
