/**
 * Two bugs of Debian 12's masakari packages that make the service unusable, and how the charm lives with them
 * without editing packaged files. Each fix is a small wrapper the charm owns under /usr/local/lib/masakari-charm,
 * used only while a probe — masakari's own code run against the installed packages — says the bug is there. The
 * probe runs again whenever dpkg-query reports other versions of the watched packages; when it says fixed, the
 * wrappers are removed and the packaged entry points used again. Every decision is logged with the versions.
 *
 * read_deleted: masakari 14.0.2 with oslo.messaging 14.0.3-0+deb12u1, whose notifier rebuilds the request context
 *   through RequestContext.from_dict() without read_deleted → ValueError → HTTP 500 on every API write and failed
 *   engine notifications. Fix: from_dict defaults read_deleted to 'no' (the context class's own default), in the
 *   API's WSGI script and the engine's entry point.
 * taskflow-alembic: python3-taskflow 5.0.0-3 ships without its alembic migrations, so masakari's schema migration
 *   006 (taskflow's persistence tables, needed for [taskflow] connection) fails on MySQL. Fix: masakari-manage
 *   run through a wrapper that creates those tables from taskflow's own table definitions — what taskflow itself
 *   does on SQLite. Migration 006 runs once, so a later fixed taskflow never meets the tables again.
 */

export const WORKAROUND_DIR = '/usr/local/lib/masakari-charm';
export const WRAPPED_WSGI = `${WORKAROUND_DIR}/masakari-wsgi`;
export const WRAPPED_ENGINE = `${WORKAROUND_DIR}/masakari-engine`;
export const WRAPPED_MANAGE = `${WORKAROUND_DIR}/masakari-manage`;
export const PACKAGED_WSGI = '/usr/bin/masakari-wsgi';
export const PACKAGED_MANAGE = 'masakari-manage';

/** The packages whose versions decide whether the bugs are present. */
export const WATCHED_PACKAGES = ['python3-masakari', 'python3-oslo.messaging', 'python3-taskflow'] as const;

export interface Workarounds {
  readonly readDeleted: boolean;
  readonly taskflowAlembic: boolean;
}

export const NONE: Workarounds = { readDeleted: false, taskflowAlembic: false };

/** Versions known to have the bugs (documentation, and the fallback when the probe cannot run). */
export function knownAffected(versions: Readonly<Record<string, string | null>>): Workarounds {
  return {
    readDeleted: versions['python3-masakari'] === '14.0.2-2' && versions['python3-oslo.messaging'] === '14.0.3-0+deb12u1',
    taskflowAlembic: versions['python3-taskflow'] === '5.0.0-3',
  };
}

export function versionKey(versions: Readonly<Record<string, string | null>>): string {
  return WATCHED_PACKAGES.map((p) => `${p}=${versions[p] ?? 'none'}`).join(' ');
}

/** Prints one line per bug: `read_deleted affected|unaffected`, `taskflow_alembic affected|unaffected`. */
export const PROBE_SCRIPT = `
import os
from masakari import context
from oslo_messaging.notify import notifier
from taskflow.persistence.backends.sqlalchemy import migration
sanitize = getattr(notifier, '_sanitize_context', None)
state = 'unaffected'
if sanitize is not None:
    try:
        sanitize(context.RequestContext(user_id='probe', project_id='probe', is_admin=True))
    except ValueError as error:
        if 'read_deleted' not in str(error):
            raise
        state = 'affected'
print('read_deleted', state)
ini = os.path.join(os.path.dirname(migration.__file__), 'alembic', 'alembic.ini')
print('taskflow_alembic', 'unaffected' if os.path.exists(ini) else 'affected')
`;

export function parseProbe(stdout: string): Workarounds | null {
  const state = (name: string): boolean | null => {
    const m = new RegExp(`^${name} (affected|unaffected)$`, 'm').exec(stdout);
    return m ? m[1] === 'affected' : null;
  };
  const readDeleted = state('read_deleted');
  const taskflowAlembic = state('taskflow_alembic');
  return readDeleted === null || taskflowAlembic === null ? null : { readDeleted, taskflowAlembic };
}

export function describe(w: Workarounds): string {
  const active = [w.readDeleted ? 'read_deleted' : '', w.taskflowAlembic ? 'taskflow-alembic' : ''].filter((x) => x);
  return active.length === 0 ? 'none' : active.join(', ');
}

const HEADER = (bug: string) => `#!/usr/bin/python3
# Installed by the masakari charm (Juju) because the installed Debian packages have a bug: ${bug}.
# The charm removes this file, and goes back to the packaged entry point, when the packages are fixed.
`;

const READ_DELETED_PATCH = `from masakari import context as _masakari_context

_from_dict = _masakari_context.RequestContext.from_dict.__func__


def _from_dict_with_default(cls, values, **kwargs):
    # oslo.messaging's notifier rebuilds the context without read_deleted.
    if values.get('read_deleted') is None:
        values = dict(values, read_deleted='no')
    return _from_dict(cls, values, **kwargs)


_masakari_context.RequestContext.from_dict = classmethod(_from_dict_with_default)
`;

export const WRAPPED_WSGI_SOURCE = `${HEADER("masakari's RequestContext rejects read_deleted=None from oslo.messaging")}${READ_DELETED_PATCH}
from masakari.cmd.api import initialize_application  # noqa: E402

application = initialize_application()
`;

export const WRAPPED_ENGINE_SOURCE = `${HEADER("masakari's RequestContext rejects read_deleted=None from oslo.messaging")}${READ_DELETED_PATCH}
import sys  # noqa: E402

from masakari.cmd.engine import main  # noqa: E402

sys.exit(main())
`;

export const WRAPPED_MANAGE_SOURCE = `${HEADER('python3-taskflow lacks its alembic migrations, so masakari migration 006 fails on MySQL')}import contextlib
import sys

from taskflow.persistence.backends import impl_sqlalchemy as _taskflow_sql


def _create_tables(self):
    # What taskflow does for SQLite: create its persistence tables from its own table definitions.
    with self._upgrade_lock:
        with contextlib.closing(self._engine.connect()) as conn:
            self._metadata.create_all(bind=conn)


_taskflow_sql.Connection.upgrade = _create_tables

from masakari.cmd.manage import main  # noqa: E402

sys.exit(main())
`;
