import { startMachine, spawnInMachine, execInMachine, destroyModel } from './index.js';
const m = await startMachine({ model: 'sigcheck', id: '0', hostname: 'sig' });
const child = await spawnInMachine(m, ['sleep', '777'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
process.kill(child.pid as number, 'SIGTERM');
await new Promise((r) => setTimeout(r, 1000));
console.log('nsenter exited:', child.exitCode, child.signalCode);
console.log('sleep inside:', (await execInMachine(m, ['sh', '-c', 'ps -eo args | grep -c "^sleep 777" || true'])).stdout.trim());
await destroyModel('sigcheck');
