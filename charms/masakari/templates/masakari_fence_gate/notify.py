# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""Evacuation notifications: two tasks around masakari's evacuate_instances_task in the host-failure flows.

They hand each event to hacluster-ext's notifier on the same unit (`hacluster-notify emit`), which queues it and
returns at once; its sender posts to the operator's webhooks. Nothing here sees a webhook URL, and a notifier
that is missing or fails never fails the recovery. The start task's revert is the failure report: taskflow
reverts it when the evacuation (or anything after it) fails.
"""
import json
import os
import subprocess
import time

from oslo_config import cfg
from oslo_log import log as logging

import masakari.conf
from masakari.engine.drivers.taskflow import base

CONF = masakari.conf.CONF
LOG = logging.getLogger(__name__)

CONF.register_opts([
    cfg.StrOpt('notify_agent', default='/usr/lib/hacluster-ext/hacluster-notify',
               help="hacluster-ext's notifier; evacuation events are not sent when it is missing."),
], group='fence_gate')

_MAX_ERROR = 300


def emit(event, host_name, details, agent=None):
    """Queues one event; True when the notifier took it. Never raises."""
    agent = agent or CONF.fence_gate.notify_agent
    if not os.path.exists(agent):
        return False
    payload = json.dumps({'event': event, 'host': host_name, 'at': int(time.time() * 1000), 'details': details})
    try:
        done = subprocess.run([agent, 'emit', payload], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        LOG.warning('evacuation notification %s for %s not queued: %s', event, host_name, exc)
        return False
    if done.returncode != 0:
        LOG.warning('evacuation notification %s for %s not queued (exit %d)', event, host_name, done.returncode)
    return done.returncode == 0


def _first_failure(flow_failures):
    for failure in (flow_failures or {}).values():
        text = ' '.join(str(getattr(failure, 'exception_str', '') or failure).split())
        return text[:_MAX_ERROR]
    return None


class EvacuationStartedTask(base.MasakariTask):
    def __init__(self, context, novaclient, **kwargs):
        kwargs['requires'] = ['host_name', 'instance_list']
        super(EvacuationStartedTask, self).__init__(context, novaclient, **kwargs)

    def execute(self, host_name, instance_list):
        emit('evacuation-started', host_name, {'instances': len(instance_list)})

    def revert(self, host_name, instance_list, *args, **kwargs):
        emit('evacuation-failed', host_name, {
            'instances': len(instance_list), 'error': _first_failure(kwargs.get('flow_failures'))})


class EvacuationFinishedTask(base.MasakariTask):
    def __init__(self, context, novaclient, **kwargs):
        kwargs['requires'] = ['host_name', 'instance_list']
        super(EvacuationFinishedTask, self).__init__(context, novaclient, **kwargs)

    def execute(self, host_name, instance_list):
        emit('evacuation-finished', host_name, {'instances': len(instance_list)})
