/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Encoding of work requests into ring slots and decoding of completions,
 * as pure functions (no system calls, no libibverbs calls, no shared
 * state) so the host unit tests can drive them with plain memory.
 */
#ifndef SOFTODP_WQE_H
#define SOFTODP_WQE_H

#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <rdma/softodp-abi.h>

/* The provider's address handle: UD send WQEs carry its ah_num. */
struct softodp_ah {
	struct ibv_ah ibv_ah;
	uint32_t ah_num;		/* from softodp_create_ah_resp */
};

static inline struct softodp_ah *to_sah(struct ibv_ah *ibah)
{
	return (struct softodp_ah *)(void *)((char *)ibah -
					     offsetof(struct softodp_ah, ibv_ah));
}

/* What a send queue accepts (the capacities the kernel granted). */
struct softodp_sq_limits {
	enum ibv_qp_type qp_type;	/* IBV_QPT_RC or IBV_QPT_UD */
	uint32_t max_sge;
	uint32_t max_inline;
};

/* The send_flags a WQE may carry. */
#define SOFTODP_SEND_FLAGS_SUPPORTED                                   \
	(IBV_SEND_FENCE | IBV_SEND_SIGNALED | IBV_SEND_SOLICITED |     \
	 IBV_SEND_INLINE)

/* Bytes a send slot needs for the given limits. */
size_t softodp_send_slot_need(uint32_t max_sge, uint32_t max_inline);

/* Bytes a receive slot needs for max_sge SGEs. */
size_t softodp_recv_slot_need(uint32_t max_sge);

/*
 * Check one send work request against the QP type and limits.  Returns 0
 * or EINVAL: opcode not valid for the QP type, num_sge out of range,
 * unknown send_flags, inline on a READ/atomic, inline data longer than
 * max_inline, UD without an AH.
 */
int softodp_check_send_wr(const struct ibv_send_wr *wr,
			  const struct softodp_sq_limits *lim);

/*
 * Validate wr (as softodp_check_send_wr()) and, only if valid, write it
 * into the slot at 'slot' (slot_size bytes): a struct softodp_send_wqe,
 * then the SGE array, or with IBV_SEND_INLINE the data copied from the
 * SGEs' addresses (num_sge is then 0 in the WQE and inline_len the total).
 * For UD the AH is read through to_sah(wr->wr.ud.ah).  Returns 0, EINVAL,
 * or ENOSPC if the WQE would not fit in slot_size.
 */
int softodp_encode_send_wqe(void *slot, size_t slot_size,
			    const struct ibv_send_wr *wr,
			    const struct softodp_sq_limits *lim);

/*
 * Write a receive WQE (RQ or SRQ).  Returns 0, or EINVAL if num_sge is
 * negative or above max_sge, or ENOSPC if it does not fit in slot_size.
 */
int softodp_encode_recv_wqe(void *slot, size_t slot_size,
			    const struct ibv_recv_wr *wr, uint32_t max_sge);

/* SOFTODP_WC_F_* to IBV_WC_* (unknown bits are dropped). */
unsigned int softodp_wc_flags_to_ibv(uint32_t cqe_flags);

/* A completion as struct ibv_wc. */
void softodp_cqe_to_wc(const struct softodp_cqe *cqe, struct ibv_wc *wc);

#endif /* SOFTODP_WQE_H */
