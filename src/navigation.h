/*
 * navigation.h — is a request a browser navigation (a person opening a
 * page) rather than a script, style sheet, image or fetch()?  A fallback
 * page answers navigations only: a missing asset must get a real 404, not
 * the HTML shell of a single-page app.  Pure functions.
 */
#ifndef FORKD_NAVIGATION_H
#define FORKD_NAVIGATION_H

#include <stdbool.h>
#include <stddef.h>

/*
 * With Sec-Fetch-Dest (dest[0..dlen), has_dest): a navigation when it is
 * "document", "iframe" or "frame".  Without it, when Accept
 * (accept[0..alen), has_accept) names text/html with a q at least as high
 * as any other media range's: browsers send
 * "text/html,...,*\/\*;q=0.8" to navigate and "*\/\*" or an image or
 * script type otherwise; no Accept at all is no navigation.
 */
bool navigation_is_page(const char *dest, size_t dlen, bool has_dest,
			const char *accept, size_t alen, bool has_accept);

#endif
