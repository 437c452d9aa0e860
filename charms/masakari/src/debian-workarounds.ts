/**
 * Debian 12 ships masakari 14.0.2 with an oslo.messaging (14.0.3-0+deb12u1) whose notifier rebuilds the request
 * context through RequestContext.from_dict() with only "safe" keys, so masakari's context gets read_deleted=None
 * and raises ValueError: every API write (and every engine notification) fails with HTTP 500.
 *
 * The charm does not edit packaged files. When — and only while — the installed pair of packages has the bug, it
 * starts the API and the engine through two small wrappers it owns that give from_dict the default the context
 * class itself uses ('no'), and logs that it did. Whether the pair has the bug is decided by running masakari's
 * own code (a probe), re-checked whenever dpkg-query reports other versions: when fixed packages arrive the
 * wrappers are removed and the services go back to the packaged entry points.
 */

export const WORKAROUND_ID = 'masakari-read-deleted';
export const WORKAROUND_DIR = '/usr/local/lib/masakari-charm';
export const WRAPPED_WSGI = `${WORKAROUND_DIR}/masakari-wsgi`;
export const WRAPPED_ENGINE = `${WORKAROUND_DIR}/masakari-engine`;
export const PACKAGED_WSGI = '/usr/bin/masakari-wsgi';

/** The packages whose versions decide whether the bug is present. */
export const WATCHED_PACKAGES = ['python3-masakari', 'python3-oslo.messaging'] as const;

/** Versions known to have the bug (documentation and a cross-check of the probe; the probe decides). */
export const KNOWN_AFFECTED: readonly (readonly [string, string])[] = [['14.0.2-2', '14.0.3-0+deb12u1']];

export function versionKey(versions: Readonly<Record<string, string | null>>): string {
  return WATCHED_PACKAGES.map((p) => `${p}=${versions[p] ?? 'none'}`).join(' ');
}

export function knownAffected(versions: Readonly<Record<string, string | null>>): boolean {
  return KNOWN_AFFECTED.some(([m, o]) => versions['python3-masakari'] === m && versions['python3-oslo.messaging'] === o);
}

/**
 * Prints "affected" when building a notifier-sanitised context raises masakari's read_deleted ValueError,
 * "unaffected" otherwise (including an oslo.messaging without the sanitising step).
 */
export const PROBE_SCRIPT = `
import sys
from masakari import context
from oslo_messaging.notify import notifier
sanitize = getattr(notifier, '_sanitize_context', None)
if sanitize is None:
    print('unaffected'); sys.exit(0)
try:
    sanitize(context.RequestContext(user_id='probe', project_id='probe', is_admin=True))
except ValueError as error:
    if 'read_deleted' in str(error):
        print('affected'); sys.exit(0)
    raise
print('unaffected')
`;

export function parseProbe(stdout: string): boolean | null {
  const out = stdout.trim().split('\n').pop()?.trim();
  return out === 'affected' ? true : out === 'unaffected' ? false : null;
}

const PATCH = `
# Installed by the masakari charm (Juju) because the installed python3-masakari and python3-oslo.messaging fail
# with "read_deleted can only be one of 'no', 'yes' or 'only', not None" (oslo.messaging's notifier rebuilds the
# context without read_deleted). The charm removes this file when the packages no longer have the bug.
from masakari import context as _masakari_context

_from_dict = _masakari_context.RequestContext.from_dict.__func__


def _from_dict_with_default(cls, values, **kwargs):
    if values.get('read_deleted') is None:
        values = dict(values, read_deleted='no')
    return _from_dict(cls, values, **kwargs)


_masakari_context.RequestContext.from_dict = classmethod(_from_dict_with_default)
`;

export const WRAPPED_WSGI_SOURCE = `#!/usr/bin/python3${PATCH}
from masakari.cmd.api import initialize_application  # noqa: E402

application = initialize_application()
`;

export const WRAPPED_ENGINE_SOURCE = `#!/usr/bin/python3${PATCH}
import sys  # noqa: E402

from masakari.cmd.engine import main  # noqa: E402

sys.exit(main())
`;
