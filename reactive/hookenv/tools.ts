/**
 * One typed method per Juju hook tool. `ProcessHookTools` runs the real executables; the harness answers in memory.
 * Every failing call raises `HookToolError` (see errors.ts), never a bare execa error.
 */

export type ConfigValue = string | number | boolean;
export type WorkloadStatus = 'maintenance' | 'blocked' | 'waiting' | 'active';
export type RelationData = Readonly<Record<string, string>>;

export interface StatusRecord {
  readonly status: string;
  readonly message: string;
}

export interface NetworkAddress {
  readonly hostname: string;
  readonly value: string;
  readonly cidr: string;
}

export interface NetworkInfo {
  readonly bindAddresses: readonly { readonly interfaceName: string; readonly macAddress: string; readonly addresses: readonly NetworkAddress[] }[];
  readonly ingressAddresses: readonly string[];
  readonly egressSubnets: readonly string[];
}

export interface HookTools {
  /** config-get --all --format=json */
  configGet(): Promise<Readonly<Record<string, ConfigValue | null>>>;

  /** relation-ids <endpoint> --format=json → ["db:1", ...] */
  relationIds(endpoint: string): Promise<readonly string[]>;
  /** relation-list -r <id> --format=json → remote unit names */
  relationList(relationId: string): Promise<readonly string[]>;
  /** relation-list -r <id> --app → remote application name */
  relationRemoteApp(relationId: string): Promise<string>;
  /** relation-get --format=json -r <id> - <unit|app> [--app] */
  relationGet(relationId: string, target: string, options?: { app?: boolean }): Promise<RelationData>;
  /** relation-set -r <id> [--app] --file - ; a null value deletes the key. */
  relationSet(relationId: string, data: Readonly<Record<string, string | null>>, options?: { app?: boolean }): Promise<void>;

  statusSet(status: WorkloadStatus, message: string, options?: { application?: boolean }): Promise<void>;
  /** status-get --format=json --include-data */
  statusGet(options?: { application?: boolean }): Promise<StatusRecord>;
  jujuLog(message: string, level?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR'): Promise<void>;

  leaderGet(): Promise<RelationData>;
  /** leader-set; a null value deletes the key. */
  leaderSet(data: Readonly<Record<string, string | null>>): Promise<void>;
  isLeader(): Promise<boolean>;

  openPort(port: number | string, protocol?: 'tcp' | 'udp'): Promise<void>;
  closePort(port: number | string, protocol?: 'tcp' | 'udp'): Promise<void>;
  openedPorts(): Promise<readonly string[]>;

  unitGet(key: 'private-address' | 'public-address'): Promise<string>;
  networkGet(binding: string, options?: { relationId?: string }): Promise<NetworkInfo>;

  actionGet(): Promise<Readonly<Record<string, unknown>>>;
  /** Nested objects are flattened to dotted keys; values are stringified. */
  actionSet(results: Readonly<Record<string, unknown>>): Promise<void>;
  actionFail(message: string): Promise<void>;
  actionLog(message: string): Promise<void>;
  applicationVersionSet(version: string): Promise<void>;
}
