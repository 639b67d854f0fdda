// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* softodp_hca_type_matches(): does a sysfs "hca_type" read name softodp? */
#include <rdma/softodp-abi.h>

#include "softodp-util.h"
#include "sod_test.h"

static bool match_str(const char *s)
{
	return softodp_hca_type_matches(s, (long)strlen(s));
}

int main(void)
{
	char buf[64];

	/* What ibv_read_ibdev_sysfs_file() hands over: newline stripped. */
	CHECK(match_str(SOFTODP_HCA_TYPE));
	/* A raw sysfs read still carries the newline. */
	CHECK(match_str(SOFTODP_HCA_TYPE "\n"));

	/* Exact match only. */
	CHECK(!match_str(""));
	CHECK(!match_str("\n"));
	CHECK(!match_str(SOFTODP_HCA_TYPE "\n\n"));
	CHECK(!match_str(SOFTODP_HCA_TYPE "x"));
	CHECK(!match_str(SOFTODP_HCA_TYPE " "));
	CHECK(!match_str(" " SOFTODP_HCA_TYPE));
	CHECK(!match_str("x" SOFTODP_HCA_TYPE));
	CHECK(!match_str("MT4119"));
	CHECK(!match_str("rxe"));

	/* Prefix of the name is not a match. */
	memcpy(buf, SOFTODP_HCA_TYPE, sizeof(SOFTODP_HCA_TYPE));
	CHECK(!softodp_hca_type_matches(buf, (long)strlen(buf) - 1));
	CHECK(softodp_hca_type_matches(buf, (long)strlen(buf)));

	/* The length bounds the read: bytes beyond it are ignored... */
	snprintf(buf, sizeof(buf), "%sGARBAGE", SOFTODP_HCA_TYPE);
	CHECK(softodp_hca_type_matches(buf, (long)strlen(SOFTODP_HCA_TYPE)));
	/* ...and an embedded NUL ends the string. */
	snprintf(buf, sizeof(buf), "%s", SOFTODP_HCA_TYPE);
	buf[1] = '\0';
	CHECK(!softodp_hca_type_matches(buf, (long)strlen(SOFTODP_HCA_TYPE)));

	/* Failed reads never match. */
	CHECK(!softodp_hca_type_matches(SOFTODP_HCA_TYPE, -1));
	CHECK(!softodp_hca_type_matches(SOFTODP_HCA_TYPE, 0));
	CHECK(!softodp_hca_type_matches(NULL, 8));

	return sod_test_done("test_hca_type");
}
