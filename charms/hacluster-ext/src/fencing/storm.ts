/**
 * What keeps a refused fence from turning into a fence storm. A fence the budget refuses fails; the fencer tries
 * the device again up to pcmk_off_retries times within the operation (each attempt is refused at once, before MAAS
 * is called), and the controller schedules the fence again until the target has failed stonith-max-attempts times,
 * then gives up on that target until a fence of it succeeds or the DC changes. Pacemaker's default is 10 attempts;
 * 3 still rides out a transient MAAS error, and bounds a refused host to 3 operations of pcmk_off_retries (default
 * 2) quick plugin calls each per DC.
 */
export const STONITH_MAX_ATTEMPTS = 3;
