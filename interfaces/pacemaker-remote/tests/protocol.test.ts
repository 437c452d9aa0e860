import { describe, expect, it } from 'vitest';
import { agreeOnKey, decodePacemakerKey, decodeRemoteNodeInfo, encodePacemakerKey, encodeRemoteNodeInfo } from '../protocol.js';

describe('pacemaker-remote protocol', () => {
  it('encodes node info as JSON values, with the JSON text null for no stonith', () => {
    expect(encodeRemoteNodeInfo({ remoteHostname: 'c1.maas', remoteIp: '10.0.0.5', stonithHostname: null, enableResources: false })).toEqual({
      'remote-hostname': '"c1.maas"',
      'remote-ip': '"10.0.0.5"',
      'stonith-hostname': 'null',
      'enable-resources': 'false',
    });
  });

  it('decodes JSON and plain values alike, and says which key is unusable', () => {
    const info = { remoteHostname: 'c1.maas', remoteIp: '10.0.0.5', stonithHostname: 'c1.maas', enableResources: true };
    expect(decodeRemoteNodeInfo(encodeRemoteNodeInfo(info))).toEqual({ ok: true, value: info });
    expect(decodeRemoteNodeInfo({ 'remote-hostname': 'c1.maas', 'remote-ip': '10.0.0.5', 'enable-resources': 'True' })).toEqual({
      ok: true,
      value: { ...info, stonithHostname: null },
    });
    expect(decodeRemoteNodeInfo({ 'remote-hostname': '"c1"' })).toEqual({ ok: false, missing: ['remote-ip'], invalid: [] });
    expect(decodeRemoteNodeInfo({ 'remote-hostname': '"c1"', 'remote-ip': '"x"', 'enable-resources': '"yes"' })).toEqual({
      ok: false,
      missing: [],
      invalid: [{ key: 'remote-ip', rule: 'must be an IPv4 or IPv6 address' }, { key: 'enable-resources', rule: 'must be true or false' }],
    });
  });

  it('decodes keys with line breaks, refuses other garbage without echoing it', () => {
    const key = Buffer.from('0123456789abcdef'.repeat(8));
    const wrapped = encodePacemakerKey(key).replace(/(.{16})/g, '$1\n');
    expect(decodePacemakerKey(wrapped)).toEqual({ ok: true, value: key });
    expect(decodePacemakerKey('abc$')).toEqual({ ok: false, reason: 'pacemaker-key must be base64 of 128 to 4096 bytes' });
    expect(decodePacemakerKey('   ')).toEqual({ ok: false, reason: 'pacemaker-key is empty' });
  });

  it('agrees when all senders agree (ignoring silent units), else names the groups', () => {
    const a = encodePacemakerKey(Buffer.alloc(128, 'a'));
    const b = encodePacemakerKey(Buffer.alloc(128, 'b'));
    expect(agreeOnKey([{ unit: 'h/0', value: undefined }])).toEqual({ kind: 'none' });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: undefined }, { unit: 'h/2', value: `${a}\n` }])).toEqual({
      kind: 'agreed',
      key: Buffer.alloc(128, 'a'),
      units: ['h/0', 'h/2'],
    });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: b }, { unit: 'h/2', value: a }])).toEqual({
      kind: 'inconsistent',
      groups: [['h/0', 'h/2'], ['h/1']],
    });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: '!!' }])).toEqual({
      kind: 'invalid',
      unit: 'h/1',
      reason: 'pacemaker-key must be base64 of 128 to 4096 bytes',
    });
  });

  it('applies the limits the cluster side applies: a 1-byte or an oversized key is refused', () => {
    expect(decodePacemakerKey(encodePacemakerKey(Buffer.alloc(1)))).toEqual({ ok: false, reason: 'pacemaker-key must be base64 of 128 to 4096 bytes' });
    expect(decodePacemakerKey(encodePacemakerKey(Buffer.alloc(127)))).toMatchObject({ ok: false });
    expect(decodePacemakerKey(encodePacemakerKey(Buffer.alloc(4097)))).toMatchObject({ ok: false });
    expect(decodePacemakerKey(encodePacemakerKey(Buffer.alloc(4096)))).toMatchObject({ ok: true });
  });
});
