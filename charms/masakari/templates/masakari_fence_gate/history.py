# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""When Pacemaker's fencer last fenced a host successfully, and whether that fence covers a failure.

Standard library only: the charm's tests run this module against stonith_admin stand-ins without masakari.

The full XML history is read, not `--history NODE --quiet`: Pacemaker 2.1.5 prints the *oldest* successful fence
there (it walks the history newest first and keeps the last success it meets), which would make a fence from an
earlier failure look like the newest one.
"""
import calendar
import re
import subprocess
import time
import xml.etree.ElementTree as ElementTree

STONITH_ADMIN = '/usr/sbin/stonith_admin'
# "2026-11-22 11:49:54Z" or "2026-11-22 12:49:54 +01:00" (crm_time_as_string with the time zone).
COMPLETED = re.compile(r'^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:Z| ([+-])(\d\d):(\d\d))$')


class FenceHistoryError(Exception):
    """The fencer could not be asked (not running, no permission, no answer in time) or answered oddly."""


def node_names(host_name):
    """The names the host may have as a Pacemaker node: as masakari knows it, then its short name."""
    names = [host_name]
    short = host_name.split('.', 1)[0]
    if short and short != host_name:
        names.append(short)
    return names


def parse_completed(text):
    """Epoch second of a fence_event's `completed` attribute."""
    m = COMPLETED.match(text or '')
    if not m:
        raise FenceHistoryError('fence event completed=%r is not a time stonith_admin writes' % text)
    epoch = calendar.timegm(tuple(int(v) for v in m.group(1, 2, 3, 4, 5, 6)) + (0, 0, 0))
    if m.group(7):
        offset = int(m.group(8)) * 3600 + int(m.group(9)) * 60
        epoch -= offset if m.group(7) == '+' else -offset
    return epoch


def parse_history(xml_text):
    """The fence_event elements of `stonith_admin --history NODE --verbose --output-as=xml`, as dicts."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise FenceHistoryError('stonith_admin printed no XML (%s): %r' % (exc, xml_text[:200]))
    events = []
    for e in root.iter('fence_event'):
        events.append({
            'target': e.get('target'), 'action': e.get('action'), 'status': e.get('status'),
            'completed': parse_completed(e.get('completed')) if e.get('completed') else None,
            'reason': e.get('exit-reason'),
        })
    return events


def run_tool(argv, timeout, error=None):
    """(exit code, stdout, stderr) of a pacemaker tool; `error` (FenceHistoryError) when it cannot be run at all."""
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise (error or FenceHistoryError)('%s: %s' % (argv[0], exc))
    return done.returncode, done.stdout, done.stderr


def _run(argv, timeout):
    return run_tool(argv, timeout)


def last_fenced(host_name, stonith_admin=STONITH_ADMIN, run=_run, timeout=30):
    """Epoch second of the newest successful fence (off or reboot) of the host under any of its names, or None."""
    newest = None
    for name in node_names(host_name):
        argv = [stonith_admin, '--history', name, '--verbose', '--output-as=xml']
        code, out, err = run(argv, timeout)
        if code != 0:
            raise FenceHistoryError('%s exited %d: %s' % (' '.join(argv), code, err.strip()[:300]))
        for event in parse_history(out):
            if event['target'] == name and event['status'] == 'success' and event['action'] in ('off', 'reboot') \
                    and event['completed'] is not None and (newest is None or event['completed'] > newest):
                newest = event['completed']
    return newest


def _utc(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def verdict(fenced_at, detected_at, window, earlier=None):
    """(confirmed, why) for the newest successful fence of a host that failed.

    `earlier` is (epoch, what) for the newest event that ended an earlier failure of this host: the finished
    recovery of its previous host-down notification (which the gate let through on a fence of its own), or the
    monitors' report that it was back in service. A fence before that belongs to the earlier failure. `window`
    bounds the rest: the fence can finish on either side of the detection, but not more than `window` seconds
    before it.
    """
    if fenced_at is None:
        return False, 'no successful fence of this host in the fencing history'
    if earlier is not None and fenced_at <= earlier[0]:
        return False, ('its newest successful fence (%s) is older than %s (%s): it belongs to an earlier failure'
                       % (_utc(fenced_at), earlier[1], _utc(earlier[0])))
    if fenced_at < detected_at - window:
        return False, ('its newest successful fence (%s) is more than %d s older than the failure (detected %s)'
                       % (_utc(fenced_at), window, _utc(detected_at)))
    return True, 'fenced at %s' % _utc(fenced_at)


def earlier_incident(this_uuid, detected_at, others):
    """The newest end of an earlier failure among the host's other notifications, as (epoch, what), or None.

    `others` are dicts with uuid, event (payload event), status, generated and updated (epoch seconds). Both kinds
    are needed: masakari-api drops a report equal to one from the last 180 s, so a STARTED can be missing.
    """
    newest = None
    for n in others:
        if n['uuid'] == this_uuid or n['generated'] is None or n['generated'] > detected_at:
            continue
        if n['event'] == 'STOPPED' and n['status'] == 'finished' and n['updated'] is not None:
            candidate = (n['updated'], 'the recovery of its previous failure, finished')
        elif n['event'] == 'STARTED':
            candidate = (n['generated'], 'its return to service, reported')
        else:
            continue
        if newest is None or candidate[0] > newest[0]:
            newest = candidate
    return newest


def last_recovery(this_uuid, detected_at, cooldown, others, gate_passed):
    """The newest recovery of the host that still holds a new evacuation back, as (epoch, uuid), or None.

    A recovery is an earlier host-down notification that finished after the gate let it through; its end
    (`updated`) counts. One the gate stopped, by this cooldown or anything else, evacuated nothing and does not
    count: a flapping host gets its next evacuation once the cooldown after the last real one is over, not never.
    `gate_passed(uuid)` says True (the gate let it through), False (the gate stopped it) or None (no gate ran:
    require-fencing was off then, and masakari's own flow evacuated). Asked newest first, only inside the cooldown.
    """
    if cooldown <= 0:
        return None
    candidates = sorted(
        (n for n in others
         if n['uuid'] != this_uuid and n['event'] == 'STOPPED' and n['status'] == 'finished'
         and n['updated'] is not None and n['updated'] <= detected_at and n['updated'] > detected_at - cooldown),
        key=lambda n: n['updated'], reverse=True)
    for n in candidates:
        if gate_passed(n['uuid']) is not False:
            return n['updated'], n['uuid']
    return None


def cooldown_reason(host_name, recovered, detected_at, cooldown):
    """Why this failure is not evacuated, or None when the host's last recovery is older than the cooldown."""
    if recovered is None or detected_at >= recovered[0] + cooldown:
        return None
    return ("recovery cooldown: host '%s' was recovered at %s (notification %s); it is not evacuated again before %s "
            "(recovery-cooldown %d s). Its instances are left where they are: look at the host, then evacuate them "
            "by hand (openstack server evacuate) if they must run elsewhere"
            % (host_name, _utc(recovered[0]), recovered[1], _utc(recovered[0] + cooldown), cooldown))
