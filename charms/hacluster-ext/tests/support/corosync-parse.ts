/** A reading of corosync.conf by corosync's own rules, to see what sections and keys a rendered file really has. */

export interface Section {
  readonly name: string;
  readonly keys: [string, string][];
  readonly sections: Section[];
}

/**
 * corosync.conf as corosync's parser (exec/coroparse.c) reads it: per line, after trimming, `#` starts a comment,
 * a `{` opens a section named by what precedes it, else the first `:` separates a key from its value, else a `}`
 * closes the section. No quoting exists.
 */
export function parseCorosync(text: string): Section {
  const root: Section = { name: '', keys: [], sections: [] };
  const stack = [root];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const top = stack[stack.length - 1]!;
    if (line.includes('{')) {
      const section: Section = { name: line.slice(0, line.indexOf('{')).trim(), keys: [], sections: [] };
      top.sections.push(section);
      stack.push(section);
    } else if (line.includes(':')) {
      top.keys.push([line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]);
    } else if (line.includes('}')) {
      stack.pop();
    } else {
      throw new Error(`corosync would reject the line ${JSON.stringify(line)}`);
    }
  }
  return root;
}
