// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Layout of the softodp user/kernel ABI (include/uapi/rdma/softodp-abi.h).
 * The header is included first to prove it is self-contained.  The
 * data-path structs are shared memory as well as command payload: their
 * offsets are what the kernel and the provider both index.  Sizes and
 * offsets are pinned: changing one is an ABI break that must come with a
 * SOFTODP_ABI_VERSION bump and an update here.
 */
#include <rdma/softodp-abi.h>

#include <stdalign.h>
#include <stddef.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>

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
	CHECK_EQ_U64(SOFTODP_NETWORK_NONE, 0);
	CHECK_EQ_U64(SOFTODP_NETWORK_IPV4, 1);
	CHECK_EQ_U64(SOFTODP_NETWORK_IPV6, 2);

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

	/* ---- data path (ABI 2) ---- */
	CHECK(SOFTODP_ABI_VERSION >= 2);
	CHECK_EQ_U64(SOFTODP_RING_HDR_SIZE, 256);
	CHECK_EQ_U64(SOFTODP_RING_F_DOORBELL, 1);

	CHECK_SIZE(struct softodp_ring, 256);
	CHECK_EQ_U64(sizeof(struct softodp_ring), SOFTODP_RING_HDR_SIZE);
	CHECK_OFF(struct softodp_ring, prod, 0);
	CHECK_OFF(struct softodp_ring, cons, 64);
	CHECK_OFF(struct softodp_ring, flags, 128);

	CHECK_SIZE(struct softodp_queue_info, 24);
	CHECK_OFF(struct softodp_queue_info, mmap_offset, 0);
	CHECK_OFF(struct softodp_queue_info, mmap_size, 8);
	CHECK_OFF(struct softodp_queue_info, num_slots, 12);
	CHECK_OFF(struct softodp_queue_info, slot_size, 16);
	CHECK_OFF(struct softodp_queue_info, reserved, 20);
	CHECK_EQ_U64(alignof(struct softodp_queue_info), 8);

	CHECK_SIZE(struct softodp_sge, 16);
	CHECK_OFF(struct softodp_sge, addr, 0);
	CHECK_OFF(struct softodp_sge, length, 8);
	CHECK_OFF(struct softodp_sge, lkey, 12);

	CHECK_SIZE(struct softodp_send_wqe, 64);
	CHECK_OFF(struct softodp_send_wqe, wr_id, 0);
	CHECK_OFF(struct softodp_send_wqe, opcode, 8);
	CHECK_OFF(struct softodp_send_wqe, send_flags, 12);
	CHECK_OFF(struct softodp_send_wqe, num_sge, 16);
	CHECK_OFF(struct softodp_send_wqe, inline_len, 20);
	CHECK_OFF(struct softodp_send_wqe, imm_data, 24);
	CHECK_OFF(struct softodp_send_wqe, reserved0, 28);
	CHECK_OFF(struct softodp_send_wqe, wr, 32);
	CHECK_OFF(struct softodp_send_wqe, wr.rdma.remote_addr, 32);
	CHECK_OFF(struct softodp_send_wqe, wr.rdma.rkey, 40);
	CHECK_OFF(struct softodp_send_wqe, wr.atomic.remote_addr, 32);
	CHECK_OFF(struct softodp_send_wqe, wr.atomic.compare_add, 40);
	CHECK_OFF(struct softodp_send_wqe, wr.atomic.swap, 48);
	CHECK_OFF(struct softodp_send_wqe, wr.atomic.rkey, 56);
	CHECK_OFF(struct softodp_send_wqe, wr.ud.ah_num, 32);
	CHECK_OFF(struct softodp_send_wqe, wr.ud.remote_qpn, 36);
	CHECK_OFF(struct softodp_send_wqe, wr.ud.remote_qkey, 40);
	CHECK_OFF(struct softodp_send_wqe, wr.raw, 32);
	CHECK_EQ_U64(sizeof(((struct softodp_send_wqe *)0)->wr), 32);

	CHECK_SIZE(struct softodp_recv_wqe, 16);
	CHECK_OFF(struct softodp_recv_wqe, wr_id, 0);
	CHECK_OFF(struct softodp_recv_wqe, num_sge, 8);
	CHECK_OFF(struct softodp_recv_wqe, reserved, 12);

	CHECK_SIZE(struct softodp_cqe, 64);
	CHECK_OFF(struct softodp_cqe, wr_id, 0);
	CHECK_OFF(struct softodp_cqe, status, 8);
	CHECK_OFF(struct softodp_cqe, opcode, 12);
	CHECK_OFF(struct softodp_cqe, vendor_err, 16);
	CHECK_OFF(struct softodp_cqe, byte_len, 20);
	CHECK_OFF(struct softodp_cqe, imm_data, 24);
	CHECK_OFF(struct softodp_cqe, qp_num, 28);
	CHECK_OFF(struct softodp_cqe, src_qp, 32);
	CHECK_OFF(struct softodp_cqe, wc_flags, 36);
	CHECK_OFF(struct softodp_cqe, pkey_index, 40);
	CHECK_OFF(struct softodp_cqe, sl, 42);
	CHECK_OFF(struct softodp_cqe, network_hdr_type, 43);
	CHECK_OFF(struct softodp_cqe, smac, 44);
	CHECK_OFF(struct softodp_cqe, reserved, 50);
	CHECK_EQ_U64(SOFTODP_WC_F_GRH, 1);
	CHECK_EQ_U64(SOFTODP_WC_F_WITH_IMM, 2);
	CHECK_EQ_U64(SOFTODP_WC_F_WITH_INV, 4);

	CHECK_SIZE(struct softodp_create_cq_resp, 24);
	CHECK_OFF(struct softodp_create_cq_resp, cq, 0);
	CHECK_SIZE(struct softodp_resize_cq_resp, 24);
	CHECK_OFF(struct softodp_resize_cq_resp, cq, 0);

	CHECK_SIZE(struct softodp_create_qp_resp, 72);
	CHECK_OFF(struct softodp_create_qp_resp, sq, 0);
	CHECK_OFF(struct softodp_create_qp_resp, rq, 24);
	CHECK_OFF(struct softodp_create_qp_resp, qpn, 48);
	CHECK_OFF(struct softodp_create_qp_resp, max_send_wr, 52);
	CHECK_OFF(struct softodp_create_qp_resp, max_send_sge, 56);
	CHECK_OFF(struct softodp_create_qp_resp, max_inline_data, 60);
	CHECK_OFF(struct softodp_create_qp_resp, max_recv_wr, 64);
	CHECK_OFF(struct softodp_create_qp_resp, max_recv_sge, 68);

	CHECK_SIZE(struct softodp_create_srq_resp, 40);
	CHECK_OFF(struct softodp_create_srq_resp, rq, 0);
	CHECK_OFF(struct softodp_create_srq_resp, srq_num, 24);
	CHECK_OFF(struct softodp_create_srq_resp, max_wr, 28);
	CHECK_OFF(struct softodp_create_srq_resp, max_sge, 32);
	CHECK_OFF(struct softodp_create_srq_resp, reserved, 36);

	CHECK_SIZE(struct softodp_create_ah_resp, 8);
	CHECK_OFF(struct softodp_create_ah_resp, ah_num, 0);
	CHECK_OFF(struct softodp_create_ah_resp, reserved, 4);

	/*
	 * The WQE and CQE carry the verbs enums unchanged: the values of
	 * libibverbs' and the kernel uAPI's enums must agree.
	 */
	CHECK_EQ_U64(IBV_WR_RDMA_WRITE, IB_UVERBS_WR_RDMA_WRITE);
	CHECK_EQ_U64(IBV_WR_RDMA_WRITE_WITH_IMM, IB_UVERBS_WR_RDMA_WRITE_WITH_IMM);
	CHECK_EQ_U64(IBV_WR_SEND, IB_UVERBS_WR_SEND);
	CHECK_EQ_U64(IBV_WR_SEND_WITH_IMM, IB_UVERBS_WR_SEND_WITH_IMM);
	CHECK_EQ_U64(IBV_WR_RDMA_READ, IB_UVERBS_WR_RDMA_READ);
	CHECK_EQ_U64(IBV_WR_ATOMIC_CMP_AND_SWP, IB_UVERBS_WR_ATOMIC_CMP_AND_SWP);
	CHECK_EQ_U64(IBV_WR_ATOMIC_FETCH_AND_ADD, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD);
	CHECK_EQ_U64(IBV_WC_SEND, IB_UVERBS_WC_SEND);
	CHECK_EQ_U64(IBV_WC_RDMA_WRITE, IB_UVERBS_WC_RDMA_WRITE);
	CHECK_EQ_U64(IBV_WC_RDMA_READ, IB_UVERBS_WC_RDMA_READ);
	CHECK_EQ_U64(IBV_WC_COMP_SWAP, IB_UVERBS_WC_COMP_SWAP);
	CHECK_EQ_U64(IBV_WC_FETCH_ADD, IB_UVERBS_WC_FETCH_ADD);
	CHECK_EQ_U64(IBV_SEND_FENCE, 1);
	CHECK_EQ_U64(IBV_SEND_SIGNALED, 2);
	CHECK_EQ_U64(IBV_SEND_SOLICITED, 4);
	CHECK_EQ_U64(IBV_SEND_INLINE, 8);
	/* ib_wc_opcode / ib_wc_status are kernel-internal: pin the values. */
	CHECK_EQ_U64(IBV_WC_RECV, 128);
	CHECK_EQ_U64(IBV_WC_RECV_RDMA_WITH_IMM, 129);
	CHECK_EQ_U64(IBV_WC_SUCCESS, 0);
	CHECK_EQ_U64(IBV_WC_LOC_LEN_ERR, 1);
	CHECK_EQ_U64(IBV_WC_WR_FLUSH_ERR, 5);
	CHECK_EQ_U64(IBV_WC_REM_ACCESS_ERR, 10);
	CHECK_EQ_U64(IBV_WC_RETRY_EXC_ERR, 12);
	CHECK_EQ_U64(IBV_WC_RNR_RETRY_EXC_ERR, 13);

	return sod_test_done("test_uapi_layout");
}
