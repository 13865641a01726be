/*
 * version.h — forkd's version, in one place: `forkd -v`, the status
 * documents and the status page show it.  A build may pass its own with
 * -DFORKD_VERSION=...
 */
#ifndef FORKD_VERSION_H
#define FORKD_VERSION_H

#ifndef FORKD_VERSION
#define FORKD_VERSION "0.1.0"
#endif

#endif
