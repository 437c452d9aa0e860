import type { MachineBackend } from './backend.js';
import { HostBackend } from './host.js';
import { NspawnBackend } from './nspawn.js';
import { modelPaths } from '../model/store.js';

export function createBackend(kind: 'host' | 'nspawn', model: string, home?: string): MachineBackend {
  const paths = modelPaths(model, home);
  return kind === 'host' ? new HostBackend(paths) : new NspawnBackend(model, paths);
}
