/**
 * Where the notification pieces live on every member. The alert agent runs as the hacluster user (Pacemaker runs
 * alert agents unprivileged), the external/maas plugin and the charm's actions as root: the spool is writable by
 * both, the webhook list is readable by root and the haclient group only (its URLs may carry tokens).
 */
export const NOTIFY_AGENT = '/usr/lib/hacluster-ext/hacluster-notify';
/** `{"urls": [...], "format": "generic"|"slack", "cluster": "..."}`: root:haclient 0640, written atomically. */
export const NOTIFY_CONFIG = '/etc/hacluster-ext/notify.json';
/** One JSON file per event waiting to be delivered; the alert's recipient in the CIB (not a secret). */
export const NOTIFY_SPOOL = '/var/spool/hacluster-ext/notify';
