/**
 * masakari-api's policy (oslo.policy) as the charm writes it: the monitors' role may create notifications and
 * nothing else. masakari-monitors asks keystone for a user holding only this role (requested_roles and
 * requested_grants on identity-credentials, keys the stock keystone charm honours) instead of keystone's default
 * Admin grant; every other masakari rule stays masakari's default (admin only), so that user is refused segments,
 * hosts and reading notifications. The file sits in policy.d after the package's 00_default_policy.yaml, so it
 * wins even if a later package uncomments that one's lines.
 */
import { CONF_DIR } from './masakari-conf.js';

/** The role masakari-monitors requests (charms/masakari-monitors/src/charm.ts asks for the same name). */
export const NOTIFIER_ROLE = 'masakari-notifier';
export const POLICY_PATH = `${CONF_DIR}/policy.d/90-masakari-charm.yaml`;

export function policyFile(): string {
  return [
    '# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.',
    `# masakari-monitors' credentials hold only the ${NOTIFIER_ROLE} role: they may report failures, nothing else.`,
    `"os_masakari_api:notifications:create": "rule:admin_api or role:${NOTIFIER_ROLE}"`,
    '',
  ].join('\n');
}
