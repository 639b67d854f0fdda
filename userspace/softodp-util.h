/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pure helpers of the softodp provider: no libibverbs calls, no global
 * state, so host unit tests can link them directly.
 */
#ifndef SOFTODP_UTIL_H
#define SOFTODP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest string softodp_format_fw_ver() can produce, with its NUL. */
#define SOFTODP_FW_VER_MAX sizeof("4294967295.65535.65535")

/*
 * Format the kernel's raw firmware version (major << 32 | minor << 16 |
 * sub_minor) as "major.minor.sub_minor" into buf.
 *
 * Returns 0, or ERANGE if buf cannot hold the whole string (buf then holds
 * a truncated, NUL-terminated prefix; nothing is written if len == 0), or
 * EINVAL if buf is NULL.
 */
int softodp_format_fw_ver(uint64_t raw_fw_ver, char *buf, size_t len);

/*
 * Decide whether the content of a device's sysfs "hca_type" attribute names
 * a softodp device.  buf/len are what the sysfs read returned (len < 0 means
 * the read failed).  A single trailing newline is ignored; anything else must
 * match SOFTODP_HCA_TYPE exactly.
 */
bool softodp_hca_type_matches(const char *buf, long len);

#endif /* SOFTODP_UTIL_H */
