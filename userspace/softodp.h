/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * softodp provider: object structs and command buffers.
 *
 * Every object embeds the libibverbs struct it stands for; the to_*()
 * helpers get back from the libibverbs pointer to the provider object.
 */
#ifndef SOFTODP_H
#define SOFTODP_H

#include <stddef.h>
#include <stdint.h>

#include <rdma/softodp-abi.h>

#include "ibverbs-private.h"

#define softodp_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct softodp_device {
	struct verbs_device ibv_dev;
};

struct softodp_context {
	struct verbs_context ibv_ctx;
	uint64_t features;		/* enum softodp_ucontext_features */
	uint32_t mmap_page_size;	/* from the kernel at GET_CONTEXT */
};

struct softodp_pd {
	struct ibv_pd ibv_pd;
	uint32_t pdn;			/* device-wide PD number */
};

static inline struct softodp_device *to_sdev(struct ibv_device *ibdev)
{
	return softodp_container_of(ibdev, struct softodp_device, ibv_dev.device);
}

static inline struct softodp_context *to_sctx(struct ibv_context *ibctx)
{
	return softodp_container_of(ibctx, struct softodp_context,
				    ibv_ctx.context);
}

static inline struct softodp_pd *to_spd(struct ibv_pd *ibpd)
{
	return softodp_container_of(ibpd, struct softodp_pd, ibv_pd);
}

/*
 * Command and response buffers: libibverbs' header + core struct, then the
 * softodp driver bytes from <rdma/softodp-abi.h> (the kernel's udata).
 *
 * The kernel's core response structs end in a flexible array member, which
 * ISO C does not allow inside another struct, so the responses spell the
 * core fields out and are pinned to the kernel layout below; core_resp()
 * hands libibverbs the kernel-typed view.
 */
struct softodp_cmd_get_context {
	struct ibv_get_context ibv_cmd;
	struct softodp_alloc_ucontext_cmd drv;
};

struct softodp_resp_get_context {
	/* struct ib_uverbs_get_context_resp */
	__u32 async_fd;
	__u32 num_comp_vectors;
	struct softodp_alloc_ucontext_resp drv;
};

struct softodp_cmd_alloc_pd {
	struct ibv_alloc_pd ibv_cmd;
};

struct softodp_resp_alloc_pd {
	/* struct ib_uverbs_alloc_pd_resp */
	__u32 pd_handle;
	struct softodp_alloc_pd_resp drv;
};

#define softodp_core_resp(resp, core_type) ((core_type *)(void *)(resp))

SOFTODP_ASSERT_OFF(struct softodp_cmd_get_context, drv,
		   sizeof(struct ibv_get_context));
SOFTODP_ASSERT_SIZE(struct softodp_cmd_get_context, 24);

SOFTODP_ASSERT_OFF(struct softodp_resp_get_context, async_fd,
		   offsetof(struct ib_uverbs_get_context_resp, async_fd));
SOFTODP_ASSERT_OFF(struct softodp_resp_get_context, num_comp_vectors,
		   offsetof(struct ib_uverbs_get_context_resp, num_comp_vectors));
SOFTODP_ASSERT_OFF(struct softodp_resp_get_context, drv,
		   sizeof(struct ib_uverbs_get_context_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_get_context, 24);

SOFTODP_ASSERT_SIZE(struct softodp_cmd_alloc_pd, sizeof(struct ibv_alloc_pd));
SOFTODP_ASSERT_OFF(struct softodp_resp_alloc_pd, pd_handle,
		   offsetof(struct ib_uverbs_alloc_pd_resp, pd_handle));
SOFTODP_ASSERT_OFF(struct softodp_resp_alloc_pd, drv,
		   sizeof(struct ib_uverbs_alloc_pd_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_alloc_pd, 12);

#endif /* SOFTODP_H */
