/**
 * notify_urls and notify_format, decoded with reactive/decode. A webhook URL usually is its own credential
 * (Slack's and Mattermost's carry the token in the path), so messages name the option and the item's position,
 * never the URL, and the charm keeps only a digest of the option in unit state.
 */
import type { ConfigRules, ConfigValues } from '../../../../reactive/config.js';
import { decodeFields, field } from '../../../../reactive/decode/fields.js';
import { accept, oneOf, refuse, url, type Decoder } from '../../../../reactive/decode/values.js';
import type { PayloadFormat } from './event.js';

export const MAX_URLS = 8;
const WEBHOOK = url({ schemes: ['https', 'http'], credentials: true, max: 2048 });

/** Space or comma separated webhook URLs; a problem names the item by position only. */
export const webhookUrls: Decoder<string[]> = (raw) => {
  const parts = raw.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length > MAX_URLS) return refuse(`lists at most ${MAX_URLS} webhook URLs`);
  const urls: string[] = [];
  for (const [i, part] of parts.entries()) {
    const decoded = WEBHOOK(part);
    if (!decoded.ok) return refuse(`item ${i + 1} of ${parts.length} ${decoded.rule}`);
    if (decoded.value.hash !== '') return refuse(`item ${i + 1} of ${parts.length} must not have a #fragment (it is never sent)`);
    urls.push(decoded.value.href);
  }
  return accept([...new Set(urls)]);
};

export const notifyConfigRules: ConfigRules = {
  notify_format: { enum: ['generic', 'slack'] },
};

export interface NotifySettings {
  readonly urls: readonly string[];
  readonly format: PayloadFormat;
}

function text(config: ConfigValues, name: string): string | undefined {
  const v = config[name];
  return typeof v === 'string' ? v : undefined;
}

type Decoded = { ok: true; value: NotifySettings } | { ok: false; problems: string[] };

export function decodeNotify(config: ConfigValues): Decoded {
  const decoded = decodeFields({ notify_urls: text(config, 'notify_urls'), notify_format: text(config, 'notify_format') }, {
    urls: field('notify_urls', webhookUrls, [] as string[]),
    format: field('notify_format', oneOf(['generic', 'slack'] as const), 'generic' as PayloadFormat),
  });
  if (decoded.ok) return decoded;
  return {
    ok: false,
    problems: decoded.invalid.map((p) => p.key === 'notify_urls'
      ? `notify_urls: ${p.rule} (space or comma separated http:// or https:// webhook URLs; the URLs are not shown)`
      : `${p.key}: ${p.rule}`),
  };
}

export function notifyProblems(config: ConfigValues): string[] {
  const decoded = decodeNotify(config);
  return decoded.ok ? [] : decoded.problems;
}
