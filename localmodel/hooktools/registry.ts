/** Every hook tool the machines get, by the name of its symlink. */
import type { ToolHandler } from './tool.js';
import * as rel from './tools/relation.js';
import * as unit from './tools/unit.js';
import * as action from './tools/action.js';

export const TOOLS: Readonly<Record<string, ToolHandler>> = {
  'relation-ids': rel.relationIds,
  'relation-list': rel.relationList,
  'relation-get': rel.relationGet,
  'relation-set': rel.relationSet,
  'relation-model-get': rel.relationModelGet,
  'config-get': unit.configGet,
  'status-set': unit.statusSet,
  'status-get': unit.statusGet,
  'juju-log': unit.jujuLog,
  'leader-get': unit.leaderGet,
  'leader-set': unit.leaderSet,
  'is-leader': unit.isLeader,
  'open-port': unit.openPort,
  'close-port': unit.closePort,
  'opened-ports': unit.openedPorts,
  'unit-get': unit.unitGet,
  'network-get': unit.networkGet,
  'application-version-set': unit.applicationVersionSet,
  'juju-reboot': unit.jujuReboot,
  'state-get': unit.stateGet,
  'state-set': unit.stateSet,
  'state-delete': unit.stateDelete,
  'goal-state': unit.goalState,
  'storage-list': unit.storageList,
  'storage-get': unit.storageGet,
  'storage-add': unit.storageAdd,
  'credential-get': unit.credentialGet,
  'action-get': action.actionGet,
  'action-set': action.actionSet,
  'action-fail': action.actionFail,
  'action-log': action.actionLog,
  ...Object.fromEntries(
    ['secret-add', 'secret-set', 'secret-remove', 'secret-get', 'secret-info-get', 'secret-grant', 'secret-revoke', 'secret-ids'].map((n) => [n, unit.secretTool]),
  ),
};
