/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * softodp provider: object structs and command buffers.
 *
 * Every object embeds the libibverbs struct it stands for; the to_*()
 * helpers get back from the libibverbs pointer to the provider object.
 */
#ifndef SOFTODP_H
#define SOFTODP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/softodp-abi.h>

#include "ibverbs-private.h"
#include "ring.h"
#include "softodp-wqe.h"

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

/*
 * A CQ: the kernel produces CQEs into q, any number of threads poll under
 * lock.  cur is the CQE the extended polling API (start_poll / next_poll /
 * end_poll) is looking at; it is held in the ring until end_poll or
 * next_poll consume it.
 */
struct softodp_cq {
	struct verbs_cq vcq;
	pthread_spinlock_t lock;
	struct softodp_queue q;		/* q.index: our consumer index */
	struct softodp_cqe cur;		/* copy of the current CQE (ex API) */
	bool cur_valid;
};

/*
 * A QP: the SQ and (without an SRQ) the RQ are rings this side produces
 * into, each under its own lock.  state caches the last state a
 * modify_qp/query_qp returned, for post-time checks.
 */
struct softodp_qp {
	struct verbs_qp vqp;
	pthread_spinlock_t sq_lock;
	pthread_spinlock_t rq_lock;
	struct softodp_queue sq;	/* sq.index: our producer index */
	struct softodp_queue rq;	/* rq.ring NULL on an SRQ */
	struct softodp_sq_limits sq_lim;
	uint32_t max_recv_sge;
	atomic_int state;		/* enum ibv_qp_state */
};

struct softodp_srq {
	struct verbs_srq vsrq;
	pthread_spinlock_t lock;
	struct softodp_queue q;		/* q.index: our producer index */
	uint32_t max_sge;
	uint32_t srq_num;
};

static inline struct softodp_cq *to_scq(struct ibv_cq *ibcq)
{
	return softodp_container_of(ibcq, struct softodp_cq, vcq.cq);
}

static inline struct softodp_cq *to_scq_ex(struct ibv_cq_ex *ibcq)
{
	return softodp_container_of(ibcq, struct softodp_cq, vcq.cq_ex);
}

static inline struct softodp_qp *to_sqp(struct ibv_qp *ibqp)
{
	return softodp_container_of(ibqp, struct softodp_qp, vqp.qp);
}

static inline struct softodp_srq *to_ssrq(struct ibv_srq *ibsrq)
{
	return softodp_container_of(ibsrq, struct softodp_srq, vsrq.srq);
}

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

/* CREATE_CQ / CREATE_CQ_EX / RESIZE_CQ responses. */
struct softodp_resp_create_cq {
	/* struct ib_uverbs_create_cq_resp */
	__u32 cq_handle;
	__u32 cqe;
	struct softodp_create_cq_resp drv;
};

struct softodp_resp_create_cq_ex {
	/* struct ib_uverbs_ex_create_cq_resp */
	__u32 cq_handle;
	__u32 cqe;
	__u32 comp_mask;
	__u32 response_length;
	struct softodp_create_cq_resp drv;
};

struct softodp_resp_resize_cq {
	/* struct ib_uverbs_resize_cq_resp */
	__u32 cqe;
	__u32 reserved;
	struct softodp_resize_cq_resp drv;
};

/* CREATE_QP response. */
struct softodp_resp_create_qp {
	/* struct ib_uverbs_create_qp_resp */
	__u32 qp_handle;
	__u32 qpn;
	__u32 max_send_wr;
	__u32 max_recv_wr;
	__u32 max_send_sge;
	__u32 max_recv_sge;
	__u32 max_inline_data;
	__u32 reserved;
	struct softodp_create_qp_resp drv;
};

/* CREATE_SRQ response. */
struct softodp_resp_create_srq {
	/* struct ib_uverbs_create_srq_resp */
	__u32 srq_handle;
	__u32 max_wr;
	__u32 max_sge;
	__u32 srqn;
	struct softodp_create_srq_resp drv;
};

/* CREATE_AH response. */
struct softodp_resp_create_ah {
	/* struct ib_uverbs_create_ah_resp */
	__u32 ah_handle;
	struct softodp_create_ah_resp drv;
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

SOFTODP_ASSERT_OFF(struct softodp_resp_create_cq, cqe,
		   offsetof(struct ib_uverbs_create_cq_resp, cqe));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_cq, drv,
		   sizeof(struct ib_uverbs_create_cq_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_create_cq, 8 + 24);

SOFTODP_ASSERT_OFF(struct softodp_resp_create_cq_ex, comp_mask,
		   offsetof(struct ib_uverbs_ex_create_cq_resp, comp_mask));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_cq_ex, response_length,
		   offsetof(struct ib_uverbs_ex_create_cq_resp,
			    response_length));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_cq_ex, drv,
		   sizeof(struct ib_uverbs_ex_create_cq_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_create_cq_ex, 16 + 24);

SOFTODP_ASSERT_OFF(struct softodp_resp_resize_cq, drv,
		   sizeof(struct ib_uverbs_resize_cq_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_resize_cq, 8 + 24);

SOFTODP_ASSERT_OFF(struct softodp_resp_create_qp, qpn,
		   offsetof(struct ib_uverbs_create_qp_resp, qpn));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_qp, max_inline_data,
		   offsetof(struct ib_uverbs_create_qp_resp, max_inline_data));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_qp, drv,
		   sizeof(struct ib_uverbs_create_qp_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_create_qp, 32 + 72);

SOFTODP_ASSERT_OFF(struct softodp_resp_create_srq, srqn,
		   offsetof(struct ib_uverbs_create_srq_resp, srqn));
SOFTODP_ASSERT_OFF(struct softodp_resp_create_srq, drv,
		   sizeof(struct ib_uverbs_create_srq_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_create_srq, 16 + 40);

SOFTODP_ASSERT_OFF(struct softodp_resp_create_ah, drv,
		   sizeof(struct ib_uverbs_create_ah_resp));
SOFTODP_ASSERT_SIZE(struct softodp_resp_create_ah, 4 + 8);

/* ------------------------------------------------------------------ */
/* Verbs implemented outside softodp.c (all hidden in the plugin)      */
/* ------------------------------------------------------------------ */

/* queue.c: mapping the kernel's rings */
int softodp_queue_map(struct ibv_context *ibctx, struct softodp_queue *q,
		      const struct softodp_queue_info *qi,
		      uint32_t min_slot_size, uint32_t cap);
void softodp_queue_unmap(struct softodp_queue *q);

/* cq.c */
struct ibv_cq *softodp_create_cq(struct ibv_context *ibctx, int cqe,
				 struct ibv_comp_channel *channel,
				 int comp_vector);
struct ibv_cq_ex *softodp_create_cq_ex(struct ibv_context *ibctx,
				       struct ibv_cq_init_attr_ex *attr);
int softodp_destroy_cq(struct ibv_cq *ibcq);
int softodp_resize_cq(struct ibv_cq *ibcq, int cqe);
int softodp_poll_cq(struct ibv_cq *ibcq, int ne, struct ibv_wc *wc);
int softodp_req_notify_cq(struct ibv_cq *ibcq, int solicited_only);

/* qp.c */
struct ibv_qp *softodp_create_qp(struct ibv_pd *pd,
				 struct ibv_qp_init_attr *attr);
struct ibv_qp *softodp_create_qp_ex(struct ibv_context *ibctx,
				    struct ibv_qp_init_attr_ex *attr);
int softodp_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		      int attr_mask);
int softodp_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		     int attr_mask, struct ibv_qp_init_attr *init_attr);
int softodp_destroy_qp(struct ibv_qp *ibqp);
int softodp_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		      struct ibv_send_wr **bad_wr);
int softodp_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);
int softodp_post_recv_ring(struct softodp_queue *q, uint32_t max_sge,
			   struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr,
			   bool *doorbell);

/* srq.c */
struct ibv_srq *softodp_create_srq(struct ibv_pd *pd,
				   struct ibv_srq_init_attr *attr);
struct ibv_srq *softodp_create_srq_ex(struct ibv_context *ibctx,
				      struct ibv_srq_init_attr_ex *attr);
int softodp_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr,
		       int attr_mask);
int softodp_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr);
int softodp_destroy_srq(struct ibv_srq *ibsrq);
int softodp_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
			  struct ibv_recv_wr **bad_wr);

/* mr.c */
struct ibv_mr *softodp_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			      uint64_t hca_va, int access);
int softodp_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
		     void *addr, size_t length, int access);
int softodp_dereg_mr(struct verbs_mr *vmr);

/* ah.c */
struct ibv_ah *softodp_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr);
int softodp_destroy_ah(struct ibv_ah *ibah);

#endif /* SOFTODP_H */
