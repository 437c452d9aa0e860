/**
 * Reads the host's apt sources (one-line `.list` files and deb822 `.sources` files) so that the mirror is never
 * written into the project: the image is bootstrapped from whatever mirror this host already uses.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  options: Record<string, string>;
  /** file the entry came from, for messages */
  origin: string;
}

function splitWords(value: string): string[] {
  return value.split(/\s+/).filter((word) => word.length > 0);
}

/** One-line format: `deb [opt=val opt2=val] uri suite [component...]`; comments and blank lines ignored. */
export function parseOneLineSources(text: string, origin: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.replace(/#.*$/, '').trim();
    if (line.length === 0) continue;
    const type = line.split(/\s+/, 1)[0] ?? '';
    if (type !== 'deb' && type !== 'deb-src') continue;
    line = line.slice(type.length).trim();
    const options: Record<string, string> = {};
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) continue;
      for (const option of splitWords(line.slice(1, end))) {
        const eq = option.indexOf('=');
        if (eq > 0) options[option.slice(0, eq)] = option.slice(eq + 1);
      }
      line = line.slice(end + 1).trim();
    }
    const [uri, suite, ...components] = splitWords(line);
    if (!uri || !suite) continue;
    sources.push({ types: [type], uris: [uri], suites: [suite], components, options, origin });
  }
  return sources;
}

/** deb822 format: stanzas separated by blank lines, `Key: value` fields, continuation lines start with space. */
export function parseDeb822Sources(text: string, origin: string): AptSource[] {
  const sources: AptSource[] = [];
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields: Record<string, string> = {};
    let current: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && current) {
        const more = raw.trim();
        if (more !== '.') fields[current] = `${fields[current] ?? ''}\n${more}`;
        continue;
      }
      const colon = raw.indexOf(':');
      if (colon <= 0) continue;
      current = raw.slice(0, colon).trim().toLowerCase();
      fields[current] = raw.slice(colon + 1).trim();
    }
    if (!fields.types || !fields.uris || !fields.suites) continue;
    if ((fields.enabled ?? 'yes').toLowerCase() === 'no') continue;
    const options: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (!['types', 'uris', 'suites', 'components', 'enabled'].includes(key)) options[key] = value;
    }
    sources.push({
      types: splitWords(fields.types),
      uris: splitWords(fields.uris),
      suites: splitWords(fields.suites),
      components: splitWords(fields.components ?? ''),
      options,
      origin,
    });
  }
  return sources;
}

/** All enabled sources of the host: sources.list, then sources.list.d/*.list and *.sources in name order. */
export async function readHostAptSources(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const sources: AptSource[] = [];
  const main = join(etcApt, 'sources.list');
  const mainText = await readFile(main, 'utf8').catch(() => undefined);
  if (mainText !== undefined) sources.push(...parseOneLineSources(mainText, main));
  const dir = join(etcApt, 'sources.list.d');
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(await readFile(path, 'utf8'), path));
    else if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(await readFile(path, 'utf8'), path));
  }
  return sources;
}

export interface BootstrapMirror {
  uri: string;
  keyring?: string;
}

/**
 * The mirror debootstrap should use for `suite`: the first binary source that serves exactly that suite with
 * the main component. Throws naming what was looked at when there is none.
 */
export function mirrorForSuite(sources: readonly AptSource[], suite: string): BootstrapMirror {
  for (const source of sources) {
    if (!source.types.includes('deb')) continue;
    if (!source.suites.includes(suite)) continue;
    if (!source.components.includes('main')) continue;
    const uri = source.uris.find((candidate) => /^(https?|file):/.test(candidate));
    if (!uri) continue;
    const keyring = source.options['signed-by'];
    // Signed-By may also hold an inline key block; only a path is usable by debootstrap.
    return keyring && keyring.startsWith('/') && !keyring.includes('\n') ? { uri, keyring } : { uri };
  }
  const seen = sources.map((s) => `${s.origin}: ${s.suites.join(',')}`).join('; ') || 'no sources at all';
  throw new Error(
    `no apt source on this host serves "${suite}" with component main (looked at /etc/apt/sources.list and ` +
      `/etc/apt/sources.list.d/*.list|*.sources: ${seen}); add a Debian ${suite} source to the host's apt configuration`,
  );
}
