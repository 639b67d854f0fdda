// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rdma/softodp-abi.h>

#include "softodp-util.h"

int softodp_format_fw_ver(uint64_t raw_fw_ver, char *buf, size_t len)
{
	unsigned int major = SOFTODP_FW_VER_MAJOR(raw_fw_ver);
	unsigned int minor = SOFTODP_FW_VER_MINOR(raw_fw_ver);
	unsigned int sub_minor = SOFTODP_FW_VER_SUB(raw_fw_ver);
	int n;

	if (!buf)
		return EINVAL;
	if (len == 0)
		return ERANGE;

	n = snprintf(buf, len, "%u.%u.%u", major, minor, sub_minor);
	if (n < 0) {
		buf[0] = '\0';
		return EINVAL;
	}
	return (size_t)n < len ? 0 : ERANGE;
}

bool softodp_hca_type_matches(const char *buf, long len)
{
	const size_t want = sizeof(SOFTODP_HCA_TYPE) - 1;
	size_t n;

	if (!buf || len <= 0)
		return false;

	/* Stop at an embedded NUL: sysfs reads are NUL-terminated strings. */
	n = strnlen(buf, (size_t)len);
	if (n > 0 && buf[n - 1] == '\n')
		n--;

	return n == want && memcmp(buf, SOFTODP_HCA_TYPE, want) == 0;
}
