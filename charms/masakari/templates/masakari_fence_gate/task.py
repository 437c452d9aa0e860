# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""The first task of the host-failure recovery flows when the charm's require-fencing is on.

It replaces masakari's disable_compute_service_task: it waits until Pacemaker reports a successful fence of the
failed host that is newer than the end of the host's previous failure (history.earlier_incident), then disables the host's nova-compute service and marks it forced down, so Nova accepts the
evacuations at once instead of after a fixed sleep. Without a confirmed fence within [fence_gate] timeout it
fails the recovery; masakari-engine retries notifications in error, so a fence that succeeds later still leads
to the evacuation.

Before all that it applies the charm's recovery-cooldown ([fence_gate] cooldown): a host whose previous failure was
recovered less than that long ago is not evacuated again. The record is masakari's own, shared by every unit: the
host's notifications in masakari's database and the recovery flows taskflow persisted there (whether this gate let
each one through). The notification then ends finished, its progress details and the engine log saying why.
"""
import contextlib
import calendar
import time

import eventlet
from oslo_config import cfg
from oslo_log import log as logging
from taskflow import states
from taskflow.persistence import backends

import masakari.conf
from masakari.compute import nova
from masakari.engine.drivers.taskflow import base
from masakari import exception
from masakari import objects

from masakari_fence_gate import history
from masakari_fence_gate import hold

CONF = masakari.conf.CONF
LOG = logging.getLogger(__name__)

CONF.register_opts([
    cfg.IntOpt('timeout', default=300, min=1,
               help='Seconds to wait for a confirmed fence of the failed host before the recovery fails.'),
    cfg.IntOpt('window', default=300, min=1,
               help='How long before the failure was detected a fence may have completed and still count.'),
    cfg.IntOpt('poll_interval', default=2, min=1, help='Seconds between two looks at the fencing history.'),
    cfg.StrOpt('stonith_admin', default=history.STONITH_ADMIN, help="Pacemaker's stonith_admin."),
    cfg.StrOpt('cibadmin', default=hold.CIBADMIN, help="Pacemaker's cibadmin, to read hacluster-ext's holds."),
    cfg.IntOpt('cooldown', default=0, min=0,
               help='Seconds after a recovery of a host during which a new failure of it is not evacuated; 0 = off.'),
], group='fence_gate')


def _epoch(value):
    return calendar.timegm(value.utctimetuple()) if value is not None else None


class FencedHostDisableTask(base.MasakariTask):
    def __init__(self, context, novaclient, **kwargs):
        kwargs['requires'] = ['host_name', 'notification_uuid']
        super(FencedHostDisableTask, self).__init__(context, novaclient, **kwargs)

    def _failure_times(self, notification_uuid):
        """(detected, earlier, recovered): when this failure was reported, the end of the host's previous one, and
        its last recovery inside the cooldown, (epoch, uuid) or None."""
        try:
            this = objects.Notification.get_by_uuid(self.context, notification_uuid)
        except Exception as exc:  # the gate still works from the time it started, on the window alone
            LOG.warning('fence gate: notification %s not readable (%s); counting from now', notification_uuid, exc)
            return time.time(), None, None
        detected = _epoch(this.generated_time)
        others = objects.NotificationList.get_all(
            self.context, filters={'source_host_uuid': this.source_host_uuid, 'type': this.type},
            sort_keys=['generated_time'], sort_dirs=['desc'], limit=100)
        rows = [{
            'uuid': n.notification_uuid, 'event': str((n.payload or {}).get('event', '')).upper(), 'status': n.status,
            'generated': _epoch(n.generated_time), 'updated': _epoch(n.updated_at),
        } for n in others]
        recovered = history.last_recovery(notification_uuid, detected, CONF.fence_gate.cooldown, rows,
                                          self._gate_passed)
        return detected, history.earlier_incident(notification_uuid, detected, rows), recovered

    def _gate_passed(self, notification_uuid):
        """Whether this gate let a notification's recovery through (True), stopped it (False), or never ran (None),
        from the flows taskflow persisted for it in masakari's database ([taskflow] connection)."""
        connection = CONF.taskflow.connection
        if not connection:
            return None
        seen = False
        try:
            with contextlib.closing(backends.fetch(connection)) as backend, \
                    contextlib.closing(backend.get_connection()) as conn:
                for flow in conn.get_flows_for_book(notification_uuid):
                    for atom in conn.get_atoms_for_flow(flow.uuid):
                        if atom.name == self.name:
                            seen = True
                            if atom.state == states.SUCCESS:
                                return True
        except Exception as exc:  # unreadable: count it as a recovery, the cautious side for a flapping host
            LOG.warning('fence gate: recovery flows of notification %s not readable (%s)', notification_uuid, exc)
            return None
        return False if seen else None

    def _await_fence(self, host_name, detected_at, earlier):
        opts = CONF.fence_gate
        deadline = time.time() + opts.timeout
        while True:
            try:
                fenced_at = history.last_fenced(host_name, opts.stonith_admin)
                confirmed, why = history.verdict(fenced_at, detected_at, opts.window, earlier)
                held = hold.describe(hold.holds(opts.cibadmin))
                if held is not None:
                    confirmed, why = False, held
            except (history.FenceHistoryError, hold.HoldError) as exc:
                confirmed, why = False, str(exc)
            if confirmed:
                return why
            if time.time() >= deadline:
                msg = ("Host '%s' is not confirmed fenced after %d s (%s); its instances are left where they are. "
                       "Check the cluster's fencing (crm status, stonith_admin --history '*'); masakari retries "
                       "this notification." % (host_name, opts.timeout, why))
                self.update_details(msg, 1.0)
                LOG.error(msg)
                raise exception.HostRecoveryFailureException(message=msg)
            eventlet.sleep(opts.poll_interval)

    def execute(self, host_name, notification_uuid):
        detected_at, earlier, recovered = self._failure_times(notification_uuid)
        cooldown = history.cooldown_reason(host_name, recovered, detected_at, CONF.fence_gate.cooldown)
        if cooldown is not None:
            # SkipHostRecoveryException: masakari ends the notification finished, without a retry and without the
            # traceback, and keeps the host on maintenance, as after a recovery with nothing to evacuate.
            self.update_details(cooldown, 1.0)
            LOG.warning('fence gate: %s', cooldown)
            raise exception.SkipHostRecoveryException(message=cooldown)
        self.update_details("Waiting for Pacemaker to confirm that host '%s' is fenced" % host_name)
        why = self._await_fence(host_name, detected_at, earlier)
        self.update_details("Fence of host '%s' confirmed: %s" % (host_name, why), 0.4)
        LOG.info("fence gate: host '%s' %s", host_name, why)
        self.novaclient.enable_disable_service(self.context, host_name,
                                               reason=CONF.host_failure.service_disable_reason)
        client = nova.novaclient(self.context)
        service = client.services.list(host=host_name, binary='nova-compute')[0]
        client.services.force_down(service.id, True)
        self.update_details("Disabled and forced down the compute service on host '%s'" % host_name, 1.0)
