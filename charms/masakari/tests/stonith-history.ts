/**
 * `stonith_admin --history NODE --verbose --output-as=xml` as Pacemaker 2.1.5 prints it (seen on the local model),
 * for the stand-ins of the fencer in the fence gate's tests.
 */
export interface FenceEvent {
  readonly target: string;
  readonly action?: 'off' | 'reboot' | 'on';
  readonly status: 'success' | 'failed' | 'pending';
  /** epoch second; absent for a pending event */
  readonly completed?: number;
}

/** crm_time_as_string in UTC: "2026-11-22 11:49:54Z". */
export function pacemakerTime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function historyXml(node: string, events: readonly FenceEvent[]): string {
  const lines = events.map((e) => {
    const done = e.completed === undefined ? '' : ` completed="${pacemakerTime(e.completed)}"`;
    const state = e.status === 'pending' ? 'status="pending" extended-status="1"' : e.status === 'failed' ? 'status="failed" exit-reason="Fencing failed"' : 'status="success"';
    return `    <fence_event action="${e.action ?? 'off'}" target="${e.target}" client="pacemaker-controld.7637" origin="cl-5" ${state} delegate="cl-4"${done}/>`;
  });
  return [
    `<pacemaker-result api-version="2.25" request="stonith_admin --history ${node} --verbose --output-as=xml">`,
    `  <list name="fencing history" count="${events.length}">`,
    ...lines,
    '  </list>',
    '  <status code="0" message="OK"/>',
    '</pacemaker-result>',
    '',
  ].join('\n');
}
