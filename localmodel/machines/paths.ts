/** Where the machine layer keeps things on the host. Both roots can be moved with environment variables. */
import { join } from 'node:path';

export function cacheRoot(): string {
  return process.env.LOCALMODEL_CACHE ?? '/var/cache/masakari-localmodel';
}

export function machinesHome(): string {
  return process.env.LOCALMODEL_MACHINES_HOME ?? '/var/lib/masakari-localmodel/machines';
}

export function archiveDir(): string {
  return join(cacheRoot(), 'archive');
}

export function modelDir(model: string): string {
  return join(machinesHome(), model);
}

export function modelStateFile(model: string): string {
  return join(modelDir(model), 'model.json');
}

export function machineDir(model: string, id: string): string {
  return join(modelDir(model), 'machines', id);
}

export function machineLogFile(model: string, id: string): string {
  return join(machineDir(model, id), 'console.log');
}

export const archiveMountPoint = '/srv/localmodel-archive';
