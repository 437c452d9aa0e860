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
    expect(decodeRemoteNodeInfo({ 'remote-hostname': '"c1"' })).toEqual({ ok: false, reason: 'remote-ip is missing or not an address' });
    expect(decodeRemoteNodeInfo({ 'remote-hostname': '"c1"', 'remote-ip': '"x"', 'enable-resources': '"yes"' })).toEqual({
      ok: false,
      reason: 'enable-resources must be true or false',
    });
  });

  it('decodes keys with line breaks, refuses other garbage without echoing it', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const wrapped = encodePacemakerKey(key).replace(/(.{16})/g, '$1\n');
    expect(decodePacemakerKey(wrapped)).toEqual({ ok: true, value: key });
    expect(decodePacemakerKey('abc$')).toEqual({ ok: false, reason: 'pacemaker-key is not valid base64' });
    expect(decodePacemakerKey('   ')).toEqual({ ok: false, reason: 'pacemaker-key is empty' });
  });

  it('agrees when all senders agree (ignoring silent units), else names the groups', () => {
    const a = encodePacemakerKey(Buffer.from('key-a'));
    const b = encodePacemakerKey(Buffer.from('key-b'));
    expect(agreeOnKey([{ unit: 'h/0', value: undefined }])).toEqual({ kind: 'none' });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: undefined }, { unit: 'h/2', value: `${a}\n` }])).toEqual({
      kind: 'agreed',
      key: Buffer.from('key-a'),
      units: ['h/0', 'h/2'],
    });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: b }, { unit: 'h/2', value: a }])).toEqual({
      kind: 'inconsistent',
      groups: [['h/0', 'h/2'], ['h/1']],
    });
    expect(agreeOnKey([{ unit: 'h/0', value: a }, { unit: 'h/1', value: '!!' }])).toEqual({
      kind: 'invalid',
      unit: 'h/1',
      reason: 'pacemaker-key is not valid base64',
    });
  });
});
