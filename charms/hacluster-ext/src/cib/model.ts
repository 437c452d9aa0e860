/**
 * The typed model of the pacemaker configuration the leader wants. One `CibDocument` is computed from data by
 * `desiredCib()` and rendered to XML by `renderConfiguration()`; nothing here touches the machine.
 */

/** A corosync member (full cluster node): its pacemaker node name is the short host name. */
export interface Member {
  readonly name: string;
  readonly address: string;
}

/** A pacemaker-remote node as announced on the `pacemaker-remote` relation. */
export interface Remote {
  /** `remote-hostname` (FQDN): the connection resource id and the pacemaker node name. */
  readonly name: string;
  /** `remote-ip`: the address pacemaker connects to (server=). */
  readonly address: string;
  /** `stonith-hostname`: the MAAS host name to fence, or null when the remote did not ask for STONITH. */
  readonly stonithHostname: string | null;
  /** `enable-resources`: whether the remote accepts cluster resources. */
  readonly enableResources: boolean;
}

export interface NvPair {
  readonly name: string;
  readonly value: string;
}

export interface Operation {
  readonly name: string;
  readonly interval: string;
  /** Other op attributes (timeout, start-delay, role, depth, ...), sorted by name when rendered. */
  readonly attributes: readonly NvPair[];
}

export interface Primitive {
  readonly kind: 'primitive';
  readonly id: string;
  readonly class: string;
  readonly provider?: string;
  readonly type: string;
  readonly params: readonly NvPair[];
  readonly meta: readonly NvPair[];
  readonly ops: readonly Operation[];
}

export interface Group {
  readonly kind: 'group';
  readonly id: string;
  readonly members: readonly Primitive[];
  readonly meta: readonly NvPair[];
}

export interface Clone {
  readonly kind: 'clone';
  readonly id: string;
  readonly child: Primitive | Group;
  readonly meta: readonly NvPair[];
}

export type TopResource = Primitive | Group | Clone;

/** A rule expression: `attribute op value`, or `defined`/`not_defined attribute`. */
export interface RuleExpression {
  readonly attribute: string;
  readonly operation: string;
  readonly value?: string;
}

export interface LocationRule {
  readonly score: string;
  readonly booleanOp: 'and' | 'or';
  readonly role?: string;
  readonly expressions: readonly RuleExpression[];
}

export interface Location {
  readonly kind: 'location';
  readonly id: string;
  readonly rsc: string;
  readonly role?: string;
  /** Either node + score, or a rule. */
  readonly node?: string;
  readonly score?: string;
  readonly rule?: LocationRule;
}

export interface Colocation {
  readonly kind: 'colocation';
  readonly id: string;
  readonly rsc: string;
  readonly rscRole?: string;
  readonly withRsc: string;
  readonly withRscRole?: string;
  readonly score: string;
  readonly nodeAttribute?: string;
}

export interface Order {
  readonly kind: 'order';
  readonly id: string;
  readonly first: string;
  readonly firstAction?: string;
  readonly then: string;
  readonly thenAction?: string;
  /** A score (INFINITY, 0, ...) or a kind (Mandatory, Optional, Serialize). */
  readonly score?: string;
  readonly orderKind?: string;
  readonly symmetrical?: boolean;
}

export type Constraint = Location | Colocation | Order;

/**
 * A Pacemaker alert the charm owns (by id; alerts an operator added by hand are kept as they are). The recipient is
 * passed to the agent as CRM_alert_recipient: a path, never a secret (the CIB is readable by every member).
 */
export interface Alert {
  readonly id: string;
  readonly path: string;
  readonly recipient: string;
  /** Which kinds Pacemaker calls the agent for (select_nodes, select_fencing, ...). */
  readonly select: readonly ('nodes' | 'fencing' | 'resources' | 'attributes')[];
  readonly meta: readonly NvPair[];
}

/** The part of the CIB `<configuration>` the charm owns. Everything else (nodes, op_defaults, ...) stays live. */
export interface CibDocument {
  /** Properties we manage inside `cib-bootstrap-options`; other live properties are kept untouched. */
  readonly properties: readonly NvPair[];
  readonly rscDefaults: readonly NvPair[];
  readonly resources: readonly TopResource[];
  readonly constraints: readonly Constraint[];
  /** Our alerts (an empty list removes them; other alerts in the live CIB stay). */
  readonly alerts: readonly Alert[];
}

/** A parameter value that must not appear in the CIB: stored as a pacemaker CIB secret on every member. */
export interface CibSecret {
  readonly resource: string;
  readonly parameter: string;
  readonly value: string;
}

/** The value pacemaker substitutes from /var/lib/pacemaker/lrm/secrets/<rsc>/<param>. */
export const CIB_SECRET_MAGIC = 'lrm://';

/** A validation problem: where (a dotted path) and what. */
export interface CibError {
  readonly path: string;
  readonly message: string;
}

/** What a message may repeat as it is: a short token with nothing a status, a log or markup gives meaning to. */
const HARMLESS = /^[A-Za-z0-9_.:+@-]{1,64}$/;

/**
 * A name or token from relation data as a message shows it: quoted when short and harmless, otherwise only its
 * length, so a message never carries markup, line breaks, a secret pasted in the wrong place, or 100 KB.
 */
export function shown(text: string): string {
  return HARMLESS.test(text) ? `"${text}"` : `a value of ${[...text].length} characters (not shown)`;
}

/** A path segment: the name when harmless, else `?`. */
export function pathPart(text: string): string {
  return HARMLESS.test(text) ? text : '?';
}

export function formatErrors(errors: readonly CibError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}
