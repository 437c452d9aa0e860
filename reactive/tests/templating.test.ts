import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { precompiledTemplatesModule, Templates } from '../templating.js';

describe('templates', () => {
  let dir: string;
  let templates: string;
  let precompiled: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'templating-'));
    templates = join(dir, 'templates');
    mkdirSync(join(templates, 'sub'), { recursive: true });
    writeFileSync(join(templates, 'a.conf'), 'name = {{name}}\n{{#if (eq mode "x")}}hosts = {{join hosts ", "}}\n{{/if}}raw = {{raw}}\n');
    writeFileSync(join(templates, 'sub', 'b.ini'), '[b]\nvalue = {{value}}\n');
    precompiled = join(dir, 'templates.cjs');
    writeFileSync(precompiled, await precompiledTemplatesModule(templates));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const context = { name: 'n1', mode: 'x', hosts: ['h1', 'h2'], raw: '<a&b>' };

  it('renders the same from the precompiled module as from the template file, without escaping', async () => {
    const fromBuild = await new Templates(templates, precompiled).render('a.conf', context);
    const fromSource = await new Templates(templates).render('a.conf', context);
    expect(fromBuild).toBe('name = n1\nhosts = h1, h2\nraw = <a&b>\n');
    expect(fromSource).toBe(fromBuild);
    expect(await new Templates(templates, precompiled).render('sub/b.ini', { value: 3 })).toBe('[b]\nvalue = 3\n');
  });

  it('runs the precompiled entry when the file is what was precompiled', async () => {
    // A module whose entry for a.conf holds another template's code, under the hash of the real a.conf.
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'a.conf'), 'from the build: {{name}}\n');
    const realHash = createHash('sha256').update(readFileSync(join(templates, 'a.conf'))).digest('hex');
    const otherHash = createHash('sha256').update('from the build: {{name}}\n').digest('hex');
    const swapped = join(dir, 'swapped.cjs');
    writeFileSync(swapped, (await precompiledTemplatesModule(elsewhere)).replace(otherHash, realHash));
    expect(await new Templates(templates, swapped).render('a.conf', context)).toBe('from the build: n1\n');
    // no entry for a template: compiled from its file
    expect(await new Templates(templates, swapped).render('sub/b.ini', { value: 4 })).toBe('[b]\nvalue = 4\n');
  });

  it('compiles the file when it changed since the build', async () => {
    writeFileSync(join(templates, 'a.conf'), 'changed {{name}}\n');
    expect(await new Templates(templates, precompiled).render('a.conf', context)).toBe('changed n1\n');
  });

  it('names the template and the missing value (strict) either way', async () => {
    for (const t of [new Templates(templates, precompiled), new Templates(templates)]) {
      await expect(t.render('sub/b.ini', {})).rejects.toThrow(/template sub\/b.ini: "value" not defined/);
    }
  });

  it('fails the build naming a template Handlebars cannot parse', async () => {
    writeFileSync(join(templates, 'broken.conf'), 'x = {{#if a}}\n');
    await expect(precompiledTemplatesModule(templates)).rejects.toThrow(/templates\/broken.conf: /);
  });
});
