/**
 * What the monitors ask keystone for on identity-credentials. Upstream asks for the user only, and keystone then
 * grants its admin-role (Admin): a compute's credentials could rewrite segments and hosts. Here the request also
 * names a role the masakari charm's policy lets create notifications and nothing else
 * (charms/masakari/src/policy.ts): requested_roles makes keystone create it, requested_grants makes keystone grant
 * it instead of Admin. Both are keys the stock keystone charm reads.
 */
export const NOTIFIER_ROLE = 'masakari-notifier';

export const CREDENTIALS_REQUEST = {
  username: 'masakari-monitors',
  project: 'services',
  requestedRoles: [NOTIFIER_ROLE],
  requestedGrants: [NOTIFIER_ROLE],
} as const;
