/** The emulator's systemd unit as a pure function of where it listens and whom it asks about tokens. */
export const PROGRAM = '/usr/local/lib/nova-emulator/nova-emulator';
export const UNIT_FILE = '/etc/systemd/system/nova-emulator.service';
export const PORT = 8774;

export function emulatorUnit(o: { keystoneUrl: string; controllerHost: string; serviceDownTime: number; evacuationMs: number }): string {
  const args = [
    '--listen 0.0.0.0', `--port ${PORT}`, `--keystone-url ${o.keystoneUrl}`, `--controller-host ${o.controllerHost}`,
    `--service-down-time ${o.serviceDownTime}`, `--action-delay-ms ${o.evacuationMs}`,
    '--log /var/log/nova-emulator/requests.log', '--state /var/lib/nova-emulator/state.json',
  ];
  return [
    '[Unit]',
    'Description=Nova compute API emulator (functional-suite stand-in for nova-api)',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/usr/bin/node ${PROGRAM} ${args.join(' ')}`,
    'Restart=on-failure',
    'RestartSec=2',
    'StateDirectory=nova-emulator',
    'LogsDirectory=nova-emulator',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
