import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mirrorForSuite, parseDeb822Sources, parseOneLineSources, readHostAptSources } from '../apt-sources.js';
import { archiveSourcesList } from '../archive.js';

describe('one-line apt sources', () => {
  it('reads type, options, uri, suite and components; skips comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main contrib # trailing',
      'deb-src http://mirror.example/debian bookworm main',
      'not a source line',
    ].join('\n');
    expect(parseOneLineSources(text, 'x.list')).toEqual([
      {
        types: ['deb'], uris: ['http://mirror.example/debian'], suites: ['bookworm'], components: ['main', 'contrib'],
        options: { arch: 'amd64', 'signed-by': '/usr/share/keyrings/k.gpg' }, origin: 'x.list',
      },
      { types: ['deb-src'], uris: ['http://mirror.example/debian'], suites: ['bookworm'], components: ['main'], options: {}, origin: 'x.list' },
    ]);
  });

  it('ignores a line with an unterminated option block or no suite', () => {
    expect(parseOneLineSources('deb [trusted=yes http://x bookworm main\ndeb http://x\n', 'y')).toEqual([]);
  });
});

describe('deb822 apt sources', () => {
  const text = [
    'Types: deb deb-src',
    'URIs: http://mirror.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    '# disabled stanza',
    'Types: deb',
    'URIs: http://other.example/debian',
    'Suites: bookworm',
    'Components: main',
    'Enabled: no',
    '',
    'Types: deb',
    'URIs: http://inline.example/debian',
    'Suites: trixie',
    'Components: main',
    'Signed-By:',
    ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
    ' .',
    ' abc',
  ].join('\n');

  it('reads every enabled stanza with multi-value fields', () => {
    const sources = parseDeb822Sources(text, 'd.sources');
    expect(sources).toHaveLength(2);
    expect(sources[0]).toEqual({
      types: ['deb', 'deb-src'], uris: ['http://mirror.example/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main'],
      options: { 'signed-by': '/usr/share/keyrings/debian-archive-keyring.gpg' }, origin: 'd.sources',
    });
    expect(sources[1]?.options['signed-by']).toBe('\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc');
  });

  it('picks the mirror serving the suite, with a keyring path only when it is a path', () => {
    const sources = parseDeb822Sources(text, 'd.sources');
    expect(mirrorForSuite(sources, 'bookworm')).toEqual({ uri: 'http://mirror.example/debian', keyring: '/usr/share/keyrings/debian-archive-keyring.gpg' });
    expect(mirrorForSuite(sources, 'trixie')).toEqual({ uri: 'http://inline.example/debian' });
    expect(() => mirrorForSuite(sources, 'bullseye')).toThrow(/no apt source on this host serves "bullseye".*d\.sources: bookworm,bookworm-updates/);
  });
});

describe('host apt configuration', () => {
  it('reads sources.list, *.list and *.sources and ignores other files', async () => {
    const etc = await mkdtemp(join(tmpdir(), 'lm-apt-'));
    try {
      await mkdir(join(etc, 'sources.list.d'));
      await writeFile(join(etc, 'sources.list'), 'deb http://a.example/debian bookworm main\n');
      await writeFile(join(etc, 'sources.list.d', 'b.list'), 'deb http://b.example/debian bookworm-security main\n');
      await writeFile(join(etc, 'sources.list.d', 'c.sources'), 'Types: deb\nURIs: http://c.example/debian\nSuites: bookworm-updates\nComponents: main non-free\n');
      await writeFile(join(etc, 'sources.list.d', 'd.list.disabled'), 'deb http://d.example/x nodistro main\n');
      const sources = await readHostAptSources(etc);
      expect(sources.map((s) => s.uris[0])).toEqual(['http://a.example/debian', 'http://b.example/debian', 'http://c.example/debian']);
      expect(archiveSourcesList(sources, 'bookworm')).toBe(
        'deb http://a.example/debian bookworm main\ndeb http://b.example/debian bookworm-security main\ndeb http://c.example/debian bookworm-updates main\n',
      );
    } finally {
      await rm(etc, { recursive: true, force: true });
    }
  });

  it('keeps third-party suites out of the archive sources and says when Debian is missing', () => {
    const sources = parseOneLineSources('deb [signed-by=/k.gpg] https://third.example/node nodistro main\ndeb http://x.example/debian bookworm-backports main\n', 's');
    expect(() => archiveSourcesList(sources, 'bookworm')).toThrow(/no Debian bookworm source in the host's apt configuration/);
    const withDebian = [...sources, ...parseOneLineSources('deb [signed-by=/k.gpg] http://m.example/debian bookworm main contrib\n', 't')];
    expect(archiveSourcesList(withDebian, 'bookworm')).toBe('deb [signed-by=/k.gpg] http://m.example/debian bookworm main\n');
  });
});
