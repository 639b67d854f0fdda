// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * softodp: rdma-core provider for the softodp kernel driver (RoCEv2 in
 * software with On-Demand Paging).
 *
 * This file holds device matching, contexts, device and port queries,
 * protection domains and the ops table; the other objects live in cq.c,
 * qp.c, srq.c, mr.c and ah.c, the rings in ring.h and queue.c, WQE/CQE
 * encoding in softodp-wqe.c.  Every verb not set in softodp_ctx_ops is
 * answered by libibverbs with EOPNOTSUPP.
 *
 * Nothing here prints: errors are reported through return values / errno
 * only, as the verbs API documents.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "softodp.h"
#include "softodp-util.h"

/* ------------------------------------------------------------------ */
/* Device level                                                        */
/* ------------------------------------------------------------------ */

/*
 * The kernel driver reports driver_id RDMA_DRIVER_UNKNOWN (an out-of-tree
 * driver cannot own a number), so devices are recognised by their
 * "hca_type" sysfs attribute; this also survives device renames.
 */
static bool softodp_match_device(struct verbs_sysfs_dev *sysfs_dev)
{
	char buf[64];
	int len;

	len = ibv_read_ibdev_sysfs_file(buf, sizeof(buf), sysfs_dev,
					"hca_type");
	return softodp_hca_type_matches(buf, len);
}

static struct verbs_device *
softodp_alloc_device(struct verbs_sysfs_dev *sysfs_dev)
{
	struct softodp_device *sdev;

	(void)sysfs_dev;
	sdev = calloc(1, sizeof(*sdev));
	if (!sdev)
		return NULL;
	/* libibverbs fills in the rest of ibv_dev. */
	return &sdev->ibv_dev;
}

static void softodp_uninit_device(struct verbs_device *vdev)
{
	free(to_sdev(&vdev->device));
}

/* ------------------------------------------------------------------ */
/* Device and port queries                                             */
/* ------------------------------------------------------------------ */

static int softodp_query_device_ex(struct ibv_context *ibctx,
				   const struct ibv_query_device_ex_input *input,
				   struct ibv_device_attr_ex *attr,
				   size_t attr_size)
{
	struct ib_uverbs_ex_query_device_resp resp;
	size_t resp_size = sizeof(resp);
	int ret;

	ret = ibv_cmd_query_device_any(ibctx, input, attr, attr_size, &resp,
				       &resp_size);
	if (ret)
		return ret;

	/* The kernel hands back a raw u64; libibverbs wants a string. */
	ret = softodp_format_fw_ver(resp.base.fw_ver, attr->orig_attr.fw_ver,
				    sizeof(attr->orig_attr.fw_ver));
	return ret ? EINVAL : 0;
}

static int softodp_query_port(struct ibv_context *ibctx, uint8_t port_num,
			      struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	memset(&cmd, 0, sizeof(cmd));
	return ibv_cmd_query_port(ibctx, port_num, attr, &cmd, sizeof(cmd));
}

/* ------------------------------------------------------------------ */
/* Protection domains                                                  */
/* ------------------------------------------------------------------ */

static struct ibv_pd *softodp_alloc_pd(struct ibv_context *ibctx)
{
	struct softodp_cmd_alloc_pd cmd;
	struct softodp_resp_alloc_pd resp;
	struct softodp_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		errno = ENOMEM;
		return NULL;
	}

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_alloc_pd(ibctx, &pd->ibv_pd, &cmd.ibv_cmd, sizeof(cmd),
			       softodp_core_resp(&resp, struct ib_uverbs_alloc_pd_resp),
			       sizeof(resp));
	if (ret) {
		free(pd);
		errno = ret;
		return NULL;
	}

	pd->pdn = resp.drv.pdn;
	return &pd->ibv_pd;
}

static int softodp_dealloc_pd(struct ibv_pd *ibpd)
{
	int ret;

	ret = ibv_cmd_dealloc_pd(ibpd);
	if (ret)
		return ret;

	free(to_spd(ibpd));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Contexts                                                            */
/* ------------------------------------------------------------------ */

static void softodp_free_context(struct ibv_context *ibctx)
{
	struct softodp_context *ctx = to_sctx(ibctx);

	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
}

/* Alphabetical, like struct verbs_context_ops. */
static const struct verbs_context_ops softodp_ctx_ops = {
	.advise_mr = ibv_cmd_advise_mr,
	.alloc_pd = softodp_alloc_pd,
	.create_ah = softodp_create_ah,
	.create_cq = softodp_create_cq,
	.create_cq_ex = softodp_create_cq_ex,
	.create_qp = softodp_create_qp,
	.create_qp_ex = softodp_create_qp_ex,
	.create_srq = softodp_create_srq,
	.create_srq_ex = softodp_create_srq_ex,
	.dealloc_pd = softodp_dealloc_pd,
	.dereg_mr = softodp_dereg_mr,
	.destroy_ah = softodp_destroy_ah,
	.destroy_cq = softodp_destroy_cq,
	.destroy_qp = softodp_destroy_qp,
	.destroy_srq = softodp_destroy_srq,
	.free_context = softodp_free_context,
	.modify_qp = softodp_modify_qp,
	.modify_srq = softodp_modify_srq,
	.poll_cq = softodp_poll_cq,
	.post_recv = softodp_post_recv,
	.post_send = softodp_post_send,
	.post_srq_recv = softodp_post_srq_recv,
	.query_device_ex = softodp_query_device_ex,
	.query_port = softodp_query_port,
	.query_qp = softodp_query_qp,
	.query_srq = softodp_query_srq,
	.reg_mr = softodp_reg_mr,
	.req_notify_cq = softodp_req_notify_cq,
	.rereg_mr = softodp_rereg_mr,
	.resize_cq = softodp_resize_cq,
};

static struct verbs_context *softodp_alloc_context(struct ibv_device *ibdev,
						   int cmd_fd,
						   void *private_data)
{
	struct softodp_cmd_get_context cmd;
	struct softodp_resp_get_context resp;
	struct softodp_context *ctx;
	int ret;

	(void)private_data;

	/* Closes cmd_fd itself if it fails. */
	ctx = _verbs_init_and_alloc_context(
		ibdev, cmd_fd, sizeof(*ctx),
		(struct verbs_context *)(uintptr_t)offsetof(struct softodp_context,
							    ibv_ctx),
		0 /* RDMA_DRIVER_UNKNOWN */);
	if (!ctx)
		return NULL;

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	cmd.drv.comp_mask = 0;
	ret = ibv_cmd_get_context(&ctx->ibv_ctx, &cmd.ibv_cmd, sizeof(cmd),
				  softodp_core_resp(&resp,
						    struct ib_uverbs_get_context_resp),
				  sizeof(resp));
	if (ret)
		goto err;

	ctx->features = resp.drv.features;
	ctx->mmap_page_size = resp.drv.mmap_page_size;

	verbs_set_ops(&ctx->ibv_ctx, &softodp_ctx_ops);
	return &ctx->ibv_ctx;

err:
	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
	errno = ret;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

/* No table entries: matching is done by softodp_match_device(). */
static const struct verbs_match_ent softodp_match_table[] = {
	{ .kind = VERBS_MATCH_SENTINEL },
};

static const struct verbs_device_ops softodp_dev_ops = {
	.name = "softodp",
	.match_min_abi_version = SOFTODP_ABI_VERSION,
	.match_max_abi_version = SOFTODP_ABI_VERSION,
	.match_table = softodp_match_table,
	.match_device = softodp_match_device,
	.alloc_device = softodp_alloc_device,
	.uninit_device = softodp_uninit_device,
	.alloc_context = softodp_alloc_context,
};

static void __attribute__((constructor)) softodp_register_driver(void)
{
	verbs_register_driver_34(&softodp_dev_ops);
}
