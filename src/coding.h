/*
 * coding.h — which precompressed sibling (FILE.br, FILE.gz) a client's
 * Accept-Encoding allows.
 */
#ifndef FORKD_CODING_H
#define FORKD_CODING_H

#include <stddef.h>

enum coding {
	CODING_BR,
	CODING_GZIP,
	CODING_COUNT_,
};

/* The content-coding name ("br", "gzip") and the sibling's suffix. */
const char *coding_name(enum coding c);
const char *coding_suffix(enum coding c);

/*
 * Read an Accept-Encoding field value (RFC 9110 §12.5.3): a list of
 * codings, each with an optional ";q=" weight; "*" stands for any coding
 * not named; "x-gzip" is gzip.  A coding is acceptable when its weight
 * (its own, else that of "*") is above 0; one not named at all, with no
 * "*", is not.  Fills order with the acceptable codings, the higher
 * weight first and br first on a tie, and returns how many (0..2).  A
 * malformed element is skipped.  Pure.
 */
size_t coding_accepted(const char *s, size_t len,
		       enum coding order[CODING_COUNT_]);

#endif
