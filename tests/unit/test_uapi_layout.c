// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Layout of the softodp user/kernel ABI (include/uapi/rdma/softodp-abi.h).
 * The header is included first to prove it is self-contained.  Sizes and
 * offsets are pinned: changing one is an ABI break that must come with a
 * SOFTODP_ABI_VERSION bump and an update here.
 */
#include <rdma/softodp-abi.h>

#include <stdalign.h>
#include <stddef.h>

#include "sod_test.h"

#define CHECK_SIZE(type, size)                  \
	do {                                    \
		CHECK_EQ_U64(sizeof(type), size); \
		CHECK_EQ_U64(sizeof(type) % 8, 0); \
	} while (0)
#define CHECK_OFF(type, member, off) CHECK_EQ_U64(offsetof(type, member), off)

int main(void)
{
	CHECK(SOFTODP_ABI_VERSION >= 1);

	/* The hca_type string: fits the provider's 64-byte read buffer,
	 * and has no whitespace for sysfs to mangle. */
	CHECK(sizeof(SOFTODP_HCA_TYPE) > 1);
	CHECK(sizeof(SOFTODP_HCA_TYPE) < 64);
	CHECK(strpbrk(SOFTODP_HCA_TYPE, " \t\r\n") == NULL);

	CHECK_EQ_U64(SOFTODP_UCTX_FEATURE_NONE, 0);

	CHECK_SIZE(struct softodp_alloc_ucontext_cmd, 8);
	CHECK_OFF(struct softodp_alloc_ucontext_cmd, comp_mask, 0);
	CHECK_EQ_U64(alignof(struct softodp_alloc_ucontext_cmd), 8);

	CHECK_SIZE(struct softodp_alloc_ucontext_resp, 16);
	CHECK_OFF(struct softodp_alloc_ucontext_resp, features, 0);
	CHECK_OFF(struct softodp_alloc_ucontext_resp, mmap_page_size, 8);
	CHECK_OFF(struct softodp_alloc_ucontext_resp, reserved, 12);
	CHECK_EQ_U64(alignof(struct softodp_alloc_ucontext_resp), 8);

	CHECK_SIZE(struct softodp_alloc_pd_resp, 8);
	CHECK_OFF(struct softodp_alloc_pd_resp, pdn, 0);
	CHECK_OFF(struct softodp_alloc_pd_resp, reserved, 4);

	return sod_test_done("test_uapi_layout");
}
