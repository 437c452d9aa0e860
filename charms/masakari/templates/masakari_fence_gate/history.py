# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""When Pacemaker's fencer last fenced a host successfully, and whether that fence covers a failure.

Standard library only: the charm's tests run this module against the real stonith_admin without masakari.
"""
import re
import subprocess
import time

STONITH_ADMIN = '/usr/sbin/stonith_admin'
FOOTER = re.compile(r'^\d+ events? found$')


class FenceHistoryError(Exception):
    """The fencer could not be asked (not running, no permission, no answer in time)."""


def node_names(host_name):
    """The names the host may have as a Pacemaker node: as masakari knows it, then its short name."""
    names = [host_name]
    short = host_name.split('.', 1)[0]
    if short and short != host_name:
        names.append(short)
    return names


def parse_last_fenced(stdout):
    """The epoch second of the newest successful fence in `stonith_admin --history NODE --quiet` output, or None.

    Pacemaker 2.1 prints that epoch (only when there was a successful fence) and then its list footer,
    "0 events found", which says nothing here: the quiet mode does not count what it printed.
    """
    newest = None
    for line in (raw.strip() for raw in stdout.splitlines()):
        if not line or FOOTER.match(line):
            continue
        if not line.isdigit():
            raise FenceHistoryError('stonith_admin --history --quiet printed %r, not an epoch second' % stdout[:200])
        newest = max(newest or 0, int(line))
    return newest


def _run(argv, timeout):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FenceHistoryError('%s: %s' % (argv[0], exc))
    return done.returncode, done.stdout, done.stderr


def last_fenced(host_name, stonith_admin=STONITH_ADMIN, run=_run, timeout=30):
    """Epoch second of the newest successful fence of the host under any of its names, or None."""
    newest = None
    for name in node_names(host_name):
        code, out, err = run([stonith_admin, '--history', name, '--quiet'], timeout)
        if code != 0:
            raise FenceHistoryError('%s --history %s exited %d: %s' % (stonith_admin, name, code, err.strip()[:300]))
        when = parse_last_fenced(out)
        if when is not None and (newest is None or when > newest):
            newest = when
    return newest


def _utc(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def verdict(fenced_at, detected_at, window):
    """(confirmed, why). A fence counts when it completed after `detected_at - window`.

    The failure is detected after it happens and the fence can finish on either side of the detection; `window`
    bounds how long before the detection the fence may have completed. An older fence belongs to an earlier
    failure the host has since come back from, so it proves nothing about this one.
    """
    if fenced_at is None:
        return False, 'no successful fence of this host in the fencing history'
    if fenced_at < detected_at - window:
        return False, ('its newest successful fence (%s) is more than %d s older than the failure (detected %s)'
                       % (_utc(fenced_at), window, _utc(detected_at)))
    return True, 'fenced at %s' % _utc(fenced_at)
