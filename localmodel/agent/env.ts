/** The environment of a hook or action, exactly as Juju builds it (juju-contract §1.2). Pure. */
import type { ActionState, HookSpec, ModelState, UnitState } from '../model/state.js';

export const JUJU_VERSION = '3.6.0';

export interface EnvInputs {
  state: ModelState;
  unit: UnitState;
  contextId: string;
  charmDir: string;
  socket: string;
  toolsDir: string;
  basePath: string;
  apiAddress: string;
  hook?: HookSpec;
  action?: ActionState;
  /** juju exec: no hook name, no dispatch path. */
  exec?: boolean;
}

export function hookEnvironment(i: EnvInputs): Record<string, string> {
  const env: Record<string, string> = {
    CHARM_DIR: i.charmDir,
    JUJU_CHARM_DIR: i.charmDir,
    JUJU_CONTEXT_ID: i.contextId,
    JUJU_HOOK_NAME: i.hook ? i.hook.name : '',
    JUJU_AGENT_SOCKET_ADDRESS: i.socket,
    JUJU_AGENT_SOCKET_NETWORK: 'unix',
    JUJU_UNIT_NAME: i.unit.name,
    JUJU_MODEL_UUID: i.state.uuid,
    JUJU_MODEL_NAME: i.state.name,
    JUJU_API_ADDRESSES: i.apiAddress,
    JUJU_SLA: 'unsupported',
    JUJU_MACHINE_ID: i.unit.machine,
    JUJU_AVAILABILITY_ZONE: '',
    CLOUD_API_VERSION: '',
    JUJU_PRINCIPAL_UNIT: i.unit.principal ?? '',
    JUJU_VERSION,
    JUJU_CHARM_HTTP_PROXY: '',
    JUJU_CHARM_HTTPS_PROXY: '',
    JUJU_CHARM_FTP_PROXY: '',
    JUJU_CHARM_NO_PROXY: '127.0.0.1,localhost,::1',
    APT_LISTCHANGES_FRONTEND: 'none',
    DEBIAN_FRONTEND: 'noninteractive',
    LANG: 'C.UTF-8',
    TERM: 'tmux-256color',
    PATH: `${i.toolsDir}:${i.basePath}`,
  };
  const hook = i.hook;
  if (hook?.relationId !== undefined) {
    const rel = i.state.relations[String(hook.relationId)];
    const ep = rel?.endpoints.find((e) => e.application === i.unit.application);
    env.JUJU_RELATION = ep?.name ?? hook.name.replace(/-relation-[a-z]+$/, '');
    env.JUJU_RELATION_ID = `${env.JUJU_RELATION}:${hook.relationId}`;
    env.JUJU_REMOTE_UNIT = hook.remoteUnit ?? '';
    env.JUJU_REMOTE_APP = hook.remoteApp ?? '';
    if (hook.kind === 'relation-departed') env.JUJU_DEPARTING_UNIT = hook.departingUnit ?? hook.remoteUnit ?? '';
  }
  if (i.action) {
    env.JUJU_ACTION_NAME = i.action.name;
    env.JUJU_ACTION_UUID = i.action.id;
    env.JUJU_ACTION_TAG = `action-${i.action.id}`;
    env.JUJU_DISPATCH_PATH = `actions/${i.action.name}`;
  } else if (hook && !i.exec) {
    env.JUJU_DISPATCH_PATH = `hooks/${hook.name}`;
  }
  return env;
}
