/* systemd readiness notification (Type=notify) without libsystemd: sends
 * "READY=1", "STOPPING=1" or "STATUS=..." to $NOTIFY_SOCKET when set.
 * Does nothing otherwise. Safe to call from any thread, not from a signal
 * handler. */
#ifndef RUGLAB_NOTIFY_H
#define RUGLAB_NOTIFY_H

/* Returns 0 when sent or when not under systemd; -1 when sending failed. */
int rl_notify(const char *state);

#endif
