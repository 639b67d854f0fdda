// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* softodp_format_fw_ver(): raw major<<32 | minor<<16 | sub_minor -> "a.b.c" */
#include <errno.h>
#include <stdint.h>

#include "softodp-util.h"
#include "sod_test.h"

static uint64_t fw(uint64_t major, uint64_t minor, uint64_t sub_minor)
{
	return major << 32 | minor << 16 | sub_minor;
}

int main(void)
{
	char buf[64];
	char small[6];

	CHECK_EQ_U64(softodp_format_fw_ver(0, buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "0.0.0");

	CHECK_EQ_U64(softodp_format_fw_ver(fw(1, 2, 3), buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "1.2.3");

	/* Each field is taken from its own bits only. */
	CHECK_EQ_U64(softodp_format_fw_ver(fw(0, 0, 0xffff), buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "0.0.65535");
	CHECK_EQ_U64(softodp_format_fw_ver(fw(0, 0xffff, 0), buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "0.65535.0");
	CHECK_EQ_U64(softodp_format_fw_ver(fw(7, 0, 0), buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "7.0.0");

	CHECK_EQ_U64(softodp_format_fw_ver(UINT64_MAX, buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "4294967295.65535.65535");
	CHECK_EQ_U64(sizeof("4294967295.65535.65535"), SOFTODP_FW_VER_MAX);

	/* The longest string fits a buffer of exactly SOFTODP_FW_VER_MAX... */
	CHECK_EQ_U64(softodp_format_fw_ver(UINT64_MAX, buf, SOFTODP_FW_VER_MAX), 0);
	/* ...and must not fit one byte less. */
	CHECK_EQ_U64(softodp_format_fw_ver(UINT64_MAX, buf, SOFTODP_FW_VER_MAX - 1),
		     ERANGE);

	/* Truncation is reported and the result stays NUL-terminated. */
	memset(small, 'x', sizeof(small));
	CHECK_EQ_U64(softodp_format_fw_ver(fw(10, 20, 30), small, sizeof(small)),
		     ERANGE);
	CHECK_STREQ(small, "10.20");

	/* A string that exactly fills the buffer, and one byte more. */
	CHECK_EQ_U64(softodp_format_fw_ver(fw(1, 2, 34), buf, 7), 0);
	CHECK_STREQ(buf, "1.2.34");
	CHECK_EQ_U64(softodp_format_fw_ver(fw(1, 2, 34), buf, 6), ERANGE);
	CHECK_STREQ(buf, "1.2.3");

	CHECK_EQ_U64(softodp_format_fw_ver(fw(1, 2, 3), buf, 0), ERANGE);
	CHECK_EQ_U64(softodp_format_fw_ver(fw(1, 2, 3), NULL, 8), EINVAL);

	return sod_test_done("test_fw_ver");
}
