/**
 * The webhook list on disk (NOTIFY_CONFIG): what the charm writes and the sender reads. The charm writes it
 * root:haclient 0640 through the host seam (temporary file + rename), so a reader never sees half of it.
 */
import { readFileSync } from 'node:fs';
import type { PayloadFormat } from './event.js';
import type { SenderConfig } from './sender.js';

export function renderNotifyConfig(config: SenderConfig): string {
  return `${JSON.stringify({ urls: config.urls, format: config.format, cluster: config.cluster }, null, 2)}\n`;
}

/** The config in `path`, or null when it is missing or damaged (the sender then drops what is queued). */
export function readNotifyConfig(path: string): SenderConfig | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as { urls?: unknown; format?: unknown; cluster?: unknown };
    const urls = Array.isArray(value.urls) ? value.urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u)) : [];
    const format: PayloadFormat = value.format === 'slack' ? 'slack' : 'generic';
    return { urls, format, cluster: typeof value.cluster === 'string' ? value.cluster : 'hacluster' };
  } catch {
    return null;
  }
}
