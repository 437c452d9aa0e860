/**
 * The agent's hook-tool server: one unix socket per model, bind-mounted into every machine. A request carries the
 * context id of the hook that runs the tool; a wrong id is refused. Tools of one context run one at a time.
 */
import { createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { decodeRequest, encodeResponse } from './protocol.js';
import { TOOLS } from './registry.js';
import type { HookContext, ToolHost } from './context.js';

export class HookToolServer {
  private readonly contexts = new Map<string, HookContext>();
  private server: Server | undefined;
  /** Called after each tool with its timing, for the agent's overhead figures. */
  onCall?: (tool: string, ms: number) => void;

  constructor(private readonly host: ToolHost) {}

  register(ctx: HookContext): void {
    this.contexts.set(ctx.id, ctx);
  }

  unregister(ctx: HookContext): void {
    this.contexts.delete(ctx.id);
  }

  async listen(path: string): Promise<void> {
    rmSync(path, { force: true });
    this.server = createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => socket.destroy());
      socket.on('end', () => {
        const started = performance.now();
        let reply: Buffer;
        let tool = '?';
        try {
          const req = decodeRequest(Buffer.concat(chunks));
          tool = req.tool;
          const ctx = this.contexts.get(req.contextId);
          const handler = TOOLS[req.tool];
          if (!ctx) reply = encodeResponse(1, '', `ERROR bad request: wrong context ID "${req.contextId}"\n`);
          else if (!handler) reply = encodeResponse(1, '', `ERROR bad request: unknown command "${req.tool}"\n`);
          else {
            const out = handler({ ctx, host: this.host, args: req.args, stdin: req.stdin });
            reply = encodeResponse(out.code, out.stdout, out.stderr, out.outputFile ?? '');
          }
        } catch (error) {
          reply = encodeResponse(1, '', `ERROR ${(error as Error).message}\n`);
        }
        socket.end(reply);
        this.onCall?.(tool, performance.now() - started);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(path, () => resolve());
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
