/*
 * runas.c — resolving the workers' account and preparing their log files
 * (see runas.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "runas.h"

int runas_resolve(const struct config *cf, struct runas *as, char *err,
		  size_t errlen)
{
	struct passwd *pw;

	as->drop = false;
	if (getuid() != 0 || cf->user == NULL)
		return 0;
	errno = 0;
	if ((pw = getpwnam(cf->user)) == NULL) {
		snprintf(err, errlen, "%s: user \"%s\" does not exist",
			 cf->path, cf->user);
		return -1;
	}
	as->uid = pw->pw_uid;
	as->gid = pw->pw_gid;
	if (cf->group != NULL) {
		struct group *gr = getgrnam(cf->group);
		if (gr == NULL) {
			snprintf(err, errlen, "%s: group \"%s\" does not exist",
				 cf->path, cf->group);
			return -1;
		}
		as->gid = gr->gr_gid;
	}
	as->drop = true;
	return 0;
}

static void prepare_log(const char *path, const struct runas *as)
{
	int fd;

	if (path == NULL || strcmp(path, "stderr") == 0)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_errno(LOG_LVL_ERR, "opening %s", path);
		return;
	}
	if (as->drop && fchown(fd, as->uid, as->gid) == -1)
		log_errno(LOG_LVL_WARN, "chown %s", path);
	close(fd);
}

void runas_prepare_logs(const struct config *cf, const struct runas *as)
{
	prepare_log(cf->error_log, as);
	for (size_t i = 0; i < cf->nservers; i++)
		prepare_log(cf->servers[i].access_log, as);
}
