/**
 * The fence gate (require-fencing): a masakari-engine recovery task shipped by the charm. The Python package sits
 * in templates/masakari_fence_gate/; the charm installs it next to masakari's own package with a dist-info that
 * registers it in masakari's 'masakari.task_flow.tasks' entry-point group, the extension point masakari offers
 * for deployer-written tasks. masakari.conf then names it in the host-failure flows (masakari-conf.ts).
 *
 * The engine asks Pacemaker's fencer for the history (stonith_admin), which needs the haclient group: the charm
 * adds the masakari user to it once pacemaker (hacluster-ext) has created the group.
 */
import type { Host } from '../../../reactive/host/host.js';
import { FENCE_GATE_TASK } from './masakari-conf.js';

/** On sys.path of the distribution's python3 on Debian and Ubuntu alike, whatever the minor version. */
export const SITE_PACKAGES = '/usr/lib/python3/dist-packages';
export const PACKAGE = 'masakari_fence_gate';
export const PACKAGE_DIR = `${SITE_PACKAGES}/${PACKAGE}`;
export const DIST_INFO_DIR = `${SITE_PACKAGES}/${PACKAGE}-1.0.dist-info`;
export const MODULES = ['__init__.py', 'history.py', 'hold.py', 'notify.py', 'task.py'] as const;
/**
 * Around evacuate_instances_task (masakari.conf names them): evacuation started / finished / failed, handed to
 * hacluster-ext's notifier on the same unit (templates/masakari_fence_gate/notify.py).
 */
export const EVACUATION_NOTIFY_TASKS = { started: 'evacuation_started_notify_task', finished: 'evacuation_finished_notify_task' } as const;
export const CLUSTER_GROUP = 'haclient';
export const SERVICE_USER = 'masakari';

/** The dist-info files: enough for importlib.metadata (and so stevedore) to find the entry point. */
export function distInfo(): { name: string; content: string }[] {
  return [
    { name: 'METADATA', content: `Metadata-Version: 2.1\nName: ${PACKAGE.replace(/_/g, '-')}\nVersion: 1.0\nSummary: Fence gate for masakari-engine, installed by the masakari charm (Juju)\n` },
    {
      name: 'entry_points.txt',
      content: `[masakari.task_flow.tasks]\n${FENCE_GATE_TASK} = ${PACKAGE}.task:FencedHostDisableTask\n`
        + `${EVACUATION_NOTIFY_TASKS.started} = ${PACKAGE}.notify:EvacuationStartedTask\n`
        + `${EVACUATION_NOTIFY_TASKS.finished} = ${PACKAGE}.notify:EvacuationFinishedTask\n`,
    },
    { name: 'top_level.txt', content: `${PACKAGE}\n` },
  ];
}

/** What the status says about the gate; null when all is in place (or the gate is off). */
export function fenceGateProblem(f: { required: boolean; haJoined: boolean; clusterGroup: boolean }): { status: 'blocked' | 'waiting'; message: string } | null {
  if (!f.required) return null;
  if (!f.haJoined) {
    return { status: 'blocked', message: "require-fencing needs the 'ha' relation to hacluster-ext (or set require-fencing=false)" };
  }
  if (!f.clusterGroup) return { status: 'waiting', message: 'Waiting for pacemaker on this unit (fence gate)' };
  return null;
}

/**
 * Pacemaker's stonith-enabled as this unit's cluster member sees it (hacluster-ext sets it false until MAAS fencing
 * is configured); null when pacemaker does not answer. Ask only where pacemaker is installed.
 */
export async function clusterFencing(host: Host): Promise<boolean | null> {
  const r = await host.run(['crm_attribute', '--type', 'crm_config', '--name', 'stonith-enabled', '--query', '--quiet'], { timeoutMs: 30_000 }).catch(() => null);
  const value = r?.exitCode === 0 ? r.stdout.trim() : '';
  return value === 'true' ? true : value === 'false' ? false : null;
}

/** Said after "Unit is ready" when the gate is on but the cluster cannot fence: no host will be evacuated. */
export function fencingNote(stonithEnabled: boolean | null): string | null {
  return stonithEnabled === false ? 'no fencing in the cluster: failed hosts are not evacuated' : null;
}
