/*
 * runas.h — the account a generation's workers run as, resolved by the
 * master (still root) before it forks them, and the log files it hands
 * over to that account.
 */
#ifndef FORKD_RUNAS_H
#define FORKD_RUNAS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct runas {
	uid_t uid;
	gid_t gid;
	bool drop; /* false: not root, or no user set; workers keep ours */
};

/*
 * Look up cf's user and group.  Only a root master drops privileges.
 * -1 with err ("FILE: user \"x\" does not exist") when either is unknown.
 */
int runas_resolve(const struct config *cf, struct runas *as, char *err,
		  size_t errlen);

/*
 * Create the error log and each access log file and give them to the
 * account, so that workers can reopen them themselves after a rotation.
 * Failures are logged and not fatal: the worker reports its own.
 */
void runas_prepare_logs(const struct config *cf, const struct runas *as);

#endif
