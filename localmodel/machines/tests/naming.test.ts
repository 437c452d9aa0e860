import { describe, expect, it } from 'vitest';
import {
  allocateHostNumber, allocateModelIndex, machineAddress, machineNetnsName, modelSubnet, switchNetnsName, validateDomain,
  validateHostname, validateMachineId, validateModelName,
} from '../naming.js';
import { machineMac } from '../network.js';
import { containerName, nspawnArgv } from '../container.js';
import { nsenterArgv } from '../exec.js';

describe('names', () => {
  it('accepts Juju-like names and rejects others with what is accepted', () => {
    expect(() => validateModelName('default-2')).not.toThrow();
    expect(() => validateModelName('Bad_Name')).toThrow(/invalid model name "Bad_Name": use 1-31 characters a-z, 0-9 and "-"/);
    expect(() => validateModelName('a'.repeat(32))).toThrow(/invalid model name/);
    expect(() => validateMachineId('0/lxd/1')).toThrow(/map Juju container ids such as "0\/lxd\/1" to "0-lxd-1"/);
    expect(() => validateMachineId('0-lxd-1')).not.toThrow();
    expect(() => validateHostname('juju-0')).not.toThrow();
    expect(() => validateHostname('-x')).toThrow(/invalid hostname "-x": a DNS label/);
    expect(() => validateDomain('m1.localmodel')).not.toThrow();
    expect(() => validateDomain('m1..localmodel')).toThrow(/invalid domain "m1..localmodel"/);
  });

  it('derives namespace names that cannot collide between models', () => {
    expect(switchNetnsName('a')).toBe('lm.a');
    expect(machineNetnsName('a', 'b-0')).toBe('lm.a.b-0');
    expect(machineNetnsName('a-b', '0')).not.toBe(machineNetnsName('a', 'b-0'));
    expect(containerName('a-b', '0')).not.toBe(containerName('a', 'b-0'));
    expect(containerName('a', '0')).toMatch(/^lm-[0-9a-f]{16}$/);
  });
});

describe('addresses', () => {
  it('gives each model its own /24 with the switch on .254', () => {
    expect(modelSubnet(3)).toEqual({ index: 3, cidr: '10.247.3.0/24', prefixLength: 24, gateway: '10.247.3.254' });
    expect(machineAddress(modelSubnet(3), 7)).toBe('10.247.3.7');
    expect(() => machineAddress(modelSubnet(3), 254)).toThrow(/out of range 1-253/);
    expect(() => modelSubnet(256)).toThrow(/out of range 0-255/);
  });

  it('allocates the lowest free number and says when none is left', () => {
    expect(allocateModelIndex([])).toBe(0);
    expect(allocateModelIndex([0, 1, 3])).toBe(2);
    expect(allocateHostNumber([1, 2])).toBe(3);
    expect(() => allocateHostNumber(Array.from({ length: 253 }, (_, i) => i + 1))).toThrow(/no free machine address in this model left/);
    expect(() => allocateModelIndex(Array.from({ length: 256 }, (_, i) => i))).toThrow(/no free model subnet left/);
  });

  it('derives a stable locally administered MAC', () => {
    expect(machineMac(3, 7)).toBe('02:4c:4d:00:03:07');
    expect(machineMac(255, 253)).toBe('02:4c:4d:00:ff:fd');
  });
});

describe('command lines', () => {
  it('boots nspawn with the archive, the hosts directory and the caller binds', () => {
    const argv = nspawnArgv({ model: 'm', id: '0', hostname: 'h', rootDir: '/r', netnsPath: '/run/netns/lm.m.0', binds: [{ host: '/a', machine: '/b', readOnly: true }, { host: '/c', machine: '/d' }] });
    expect(argv).toEqual(expect.arrayContaining(['--boot', '--register=no', '--keep-unit', '--network-namespace-path=/run/netns/lm.m.0', '--hostname=h', '--bind-ro=/a:/b', '--bind=/c:/d']));
    expect(argv.some((a) => /^--bind-ro=.*:\/srv\/localmodel-archive$/.test(a))).toBe(true);
    expect(() => nspawnArgv({ model: 'm', id: '0', hostname: 'h', rootDir: '/r', netnsPath: '/n', binds: [{ host: '/a:b', machine: '/b' }] })).toThrow(/may not contain ":"/);
    expect(() => nspawnArgv({ model: 'm', id: '0', hostname: 'h', rootDir: '/r', netnsPath: '/n', binds: [{ host: '/a', machine: 'rel' }] })).toThrow(/must be an absolute path/);
  });

  it('enters the container with a clean environment and the working directory', () => {
    const argv = nsenterArgv(42, ['ls', '-l'], { FOO: 'bar' }, '/tmp');
    expect(argv.slice(0, 3)).toEqual(['nsenter', '-t', '42']);
    expect(argv).toEqual(expect.arrayContaining(['/usr/bin/env', '-i', '-C', '/tmp', 'FOO=bar', 'ls', '-l']));
    expect(argv.some((a) => a.startsWith('PATH=/usr/local/sbin'))).toBe(true);
    expect(() => nsenterArgv(42, ['ls'], { 'BAD-NAME': 'x' })).toThrow(/invalid environment variable name "BAD-NAME"/);
    expect(() => nsenterArgv(42, [])).toThrow(/empty command/);
  });
});
