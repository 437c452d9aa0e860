/** The framing between the hook-tool client (client/hooktool.c) and the agent; see the comment there. */
export interface ToolRequest {
  contextId: string;
  cwd: string;
  tool: string;
  args: string[];
  stdin: Buffer | null;
}

export function decodeRequest(buf: Buffer): ToolRequest {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== 'JLT1') throw new Error('not a hook-tool request');
  let at = 4;
  const u32 = (): number => {
    if (at + 4 > buf.length) throw new Error('truncated hook-tool request');
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const bytes = (n: number): Buffer => {
    if (at + n > buf.length) throw new Error('truncated hook-tool request');
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const count = u32();
  const strings: string[] = [];
  for (let i = 0; i < count; i++) strings.push(bytes(u32()).toString('utf8'));
  if (strings.length < 3) throw new Error('hook-tool request without context, cwd and tool');
  const hasStdin = bytes(1)[0] === 1;
  const stdin = bytes(u32());
  return { contextId: strings[0]!, cwd: strings[1]!, tool: strings[2]!, args: strings.slice(3), stdin: hasStdin ? Buffer.from(stdin) : null };
}

export function encodeRequest(r: ToolRequest): Buffer {
  const parts: Buffer[] = [Buffer.from('JLT1', 'latin1')];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const strings = [r.contextId, r.cwd, r.tool, ...r.args];
  parts.push(u32(strings.length));
  for (const s of strings) {
    const b = Buffer.from(s, 'utf8');
    parts.push(u32(b.length), b);
  }
  parts.push(Buffer.from([r.stdin ? 1 : 0]), u32(r.stdin?.length ?? 0), r.stdin ?? Buffer.alloc(0));
  return Buffer.concat(parts);
}

export function encodeResponse(code: number, stdout: string, stderr: string, outputFile = ''): Buffer {
  const strs = [stdout, stderr, outputFile].map((s) => Buffer.from(s, 'utf8'));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(code);
  const parts: Buffer[] = [head];
  for (const s of strs) {
    const n = Buffer.alloc(4);
    n.writeUInt32LE(s.length);
    parts.push(n, s);
  }
  return Buffer.concat(parts);
}

export function decodeResponse(buf: Buffer): { code: number; stdout: string; stderr: string; outputFile: string } {
  let at = 4;
  const str = (): string => {
    const n = buf.readUInt32LE(at);
    at += 4;
    const s = buf.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const code = buf.readUInt32LE(0);
  return { code, stdout: str(), stderr: str(), outputFile: str() };
}
