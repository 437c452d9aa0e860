/**
 * Handlebars rendering of a charm's templates/. Strict mode: a template that names a value the context lacks is an
 * error naming the template and the value, never a silently empty line in a config file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Compiled = (context: unknown) => string;

export class Templates {
  private readonly cache = new Map<string, Compiled>();

  constructor(private readonly directory: string) {}

  async render(name: string, context: Readonly<Record<string, unknown>>): Promise<string> {
    let compiled = this.cache.get(name);
    if (!compiled) {
      const { default: Handlebars } = await import('handlebars');
      const source = readFileSync(join(this.directory, name), 'utf8');
      const env = Handlebars.create();
      env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
      env.registerHelper('join', (list: unknown, separator: unknown) =>
        Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ',') : '',
      );
      compiled = env.compile(source, { strict: true, noEscape: true });
      this.cache.set(name, compiled);
    }
    try {
      return compiled(context);
    } catch (error) {
      throw new Error(`template ${name}: ${(error as Error).message}`);
    }
  }
}
