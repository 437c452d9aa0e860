import { describe, expect, it } from 'vitest';
import { defaultHostsFile, hostsBlockBegin, hostsBlockEnd, mergeHostsFile, renderHostsBlock } from '../hosts-file.js';
import { parseMountPoints } from '../overlay.js';
import { parsePrintUris, setFingerprint } from '../archive.js';

describe('/etc/hosts of a model', () => {
  const block = renderHostsBlock('10.247.1.254', 'm.localmodel', [
    { address: '10.247.1.10', fqdn: 'c.m.localmodel', hostname: 'c' },
    { address: '10.247.1.2', fqdn: 'b.m.localmodel', hostname: 'b' },
  ]);

  it('lists the switch and every machine, fqdn first, in address order, between markers', () => {
    expect(block.trimEnd().split('\n')).toEqual([
      hostsBlockBegin,
      '10.247.1.254\tlocalmodel-gateway.m.localmodel localmodel-gateway',
      '10.247.1.2\tb.m.localmodel b',
      '10.247.1.10\tc.m.localmodel c',
      hostsBlockEnd,
    ]);
  });

  it('appends the block once, replaces it later, and keeps what charms wrote outside it', () => {
    const first = mergeHostsFile(defaultHostsFile, block);
    expect(first).toBe(`${defaultHostsFile}${block}`);
    const edited = `${first}10.0.0.9\tcharm-added\n`;
    const smaller = renderHostsBlock('10.247.1.254', 'm.localmodel', [{ address: '10.247.1.2', fqdn: 'b.m.localmodel', hostname: 'b' }]);
    const second = mergeHostsFile(edited, smaller);
    expect(second).toBe(`${defaultHostsFile}${smaller}10.0.0.9\tcharm-added\n`);
    expect(mergeHostsFile(second, smaller)).toBe(second);
    expect(mergeHostsFile('', smaller)).toBe(`${defaultHostsFile}${smaller}`);
    expect(mergeHostsFile('127.0.0.1 localhost', smaller)).toBe(`127.0.0.1 localhost\n${smaller}`);
  });
});

describe('small parsers', () => {
  it('decodes escaped mount points from /proc/mounts', () => {
    const mounts = 'overlay /var/lib/x/root overlay rw 0 0\ntmpfs /a\\040b tmpfs rw 0 0\n';
    expect(parseMountPoints(mounts)).toEqual(['/var/lib/x/root', '/a b']);
  });

  it('reads apt --print-uris lines', () => {
    const output = "'http://m.example/debian/pool/main/c/curl/curl_7.88.1-10_amd64.deb' curl_7.88.1-10_amd64.deb 315000 SHA256:ab\n" +
      "'http://m.example/debian/pool/main/e/e/libx_1%3a2_amd64.deb' libx_1%3a2_amd64.deb 12 SHA256:cd\nnoise\n";
    expect(parsePrintUris(output)).toEqual([
      { uri: 'http://m.example/debian/pool/main/c/curl/curl_7.88.1-10_amd64.deb', file: 'curl_7.88.1-10_amd64.deb', size: 315000 },
      { uri: 'http://m.example/debian/pool/main/e/e/libx_1%3a2_amd64.deb', file: 'libx_1%3a2_amd64.deb', size: 12 },
    ]);
  });

  it('fingerprints a package set by its content, the image and the sources', () => {
    const set = { concern: 'x', packages: ['b', 'a'] };
    const base = setFingerprint(set, 'img1', 'deb x bookworm main\n');
    expect(setFingerprint({ concern: 'x', packages: ['a', 'b'] }, 'img1', 'deb x bookworm main\n')).toBe(base);
    expect(setFingerprint({ concern: 'x', packages: ['a', 'b', 'c'] }, 'img1', 'deb x bookworm main\n')).not.toBe(base);
    expect(setFingerprint(set, 'img2', 'deb x bookworm main\n')).not.toBe(base);
    expect(setFingerprint(set, 'img1', 'deb y bookworm main\n')).not.toBe(base);
  });
});
