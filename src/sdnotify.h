/*
 * sdnotify.h — the systemd notification protocol (sd_notify(3)), without
 * libsystemd: one datagram to $NOTIFY_SOCKET per call.
 */
#ifndef FORKD_SDNOTIFY_H
#define FORKD_SDNOTIFY_H

/* Read and unset NOTIFY_SOCKET (so workers and children never see it). */
void sdnotify_init(void);
int sdnotify_enabled(void);
/* Send "fmt" (newline-separated assignments); a no-op without systemd. */
int sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sdnotify_close(void);
/* Put NOTIFY_SOCKET back in the environment, for an exec'd new master. */
int sdnotify_export(void);

#endif
