# Written by the masakari charm (Juju). Local changes are overwritten on the next hook.
"""Fence gate for masakari-engine: no recovery of a failed host before Pacemaker has confirmed its fence."""
