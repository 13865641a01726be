/*
 * human.h — numbers for people: byte counts in binary units and durations
 * in the two largest units that apply.  Pure functions.
 */
#ifndef FORKD_HUMAN_H
#define FORKD_HUMAN_H

#include <stddef.h>
#include <stdint.h>

#define HUMAN_MAX 24 /* room for any result, NUL included */

/*
 * n bytes as "512 B", "1.2 KiB", "12.3 MiB", "123 GiB": one decimal below
 * 100 of a unit, none from 100 on, the unit chosen after rounding (so
 * 1048575 bytes is "1.0 MiB", not "1024 KiB").  Returns the length.
 */
size_t human_bytes(uint64_t n, char *out, size_t outsz);

/* s seconds as "45s", "5m 10s", "4h 05m" or "3d 04h".  Returns the length. */
size_t human_duration(uint64_t s, char *out, size_t outsz);

#endif
