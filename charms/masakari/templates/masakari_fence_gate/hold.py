# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""Whether the cluster holds recovery: hacluster-ext's fence log in the CIB (crm_config property sets
fence-log-<seq>), where its fencing budget and its hold-recovery action record holds and releases.

While a hold stands the gate evacuates nothing, not even a host whose fence went through: a held cluster is one an
operator has to look at first. masakari-engine retries the notification, so the evacuation follows the release.

Standard library only, like history.py.
"""
import xml.etree.ElementTree as ElementTree

from masakari_fence_gate import history

CIBADMIN = '/usr/sbin/cibadmin'
PREFIX = 'fence-log-'
SCOPES = ('budget', 'operator')


class HoldError(Exception):
    """The CIB could not be read (pacemaker not running here, no permission, no answer in time)."""


def parse_holds(xml_text):
    """{scope: note} for every hold in force, from `cibadmin --query --scope crm_config`."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise HoldError('cibadmin printed no XML (%s)' % exc)
    records = []
    for s in root.iter('cluster_property_set'):
        ident = s.get('id') or ''
        if not ident.startswith(PREFIX) or not ident[len(PREFIX):].isdigit():
            continue
        pairs = dict((p.get('name'), p.get('value') or '') for p in s.iter('nvpair'))
        kind, scope = pairs.get(PREFIX + 'kind'), pairs.get(PREFIX + 'scope')
        if kind in ('hold', 'release') and scope in SCOPES:
            records.append((int(ident[len(PREFIX):]), kind, scope, pairs.get(PREFIX + 'note', '')))
    holds = {}
    for _seq, kind, scope, note in sorted(records):
        if kind == 'release':
            holds.pop(scope, None)
        elif scope not in holds:
            holds[scope] = note
    return holds


def _run(argv, timeout):
    return history.run_tool(argv, timeout, HoldError)


def holds(cibadmin=CIBADMIN, run=_run, timeout=30):
    """{scope: note} for every hold in force."""
    argv = [cibadmin, '--query', '--scope', 'crm_config']
    code, out, err = run(argv, timeout)
    if code != 0:
        raise HoldError('%s exited %d: %s' % (' '.join(argv), code, err.strip()[:300]))
    return parse_holds(out)


def describe(held):
    """Why nothing is evacuated, in words, or None when nothing is held."""
    if not held:
        return None
    parts = []
    if 'budget' in held:
        parts.append('the fencing budget is spent (%s); release it with hacluster-ext\'s release-fencing-hold'
                     % held['budget'])
    if 'operator' in held:
        parts.append('an operator holds recovery (%s); release it with hacluster-ext\'s release-recovery'
                     % (held['operator'] or 'no reason given'))
    return 'recovery is held: ' + '; '.join(parts)
