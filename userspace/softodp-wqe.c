// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Work request encoding and completion decoding: see softodp-wqe.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "softodp-wqe.h"

size_t softodp_send_slot_need(uint32_t max_sge, uint32_t max_inline)
{
	size_t sges = (size_t)max_sge * sizeof(struct softodp_sge);
	size_t body = sges > max_inline ? sges : max_inline;

	return sizeof(struct softodp_send_wqe) + body;
}

size_t softodp_recv_slot_need(uint32_t max_sge)
{
	return sizeof(struct softodp_recv_wqe) +
	       (size_t)max_sge * sizeof(struct softodp_sge);
}

static bool opcode_valid(enum ibv_qp_type qpt, enum ibv_wr_opcode op)
{
	switch (op) {
	case IBV_WR_SEND:
	case IBV_WR_SEND_WITH_IMM:
		return qpt == IBV_QPT_RC || qpt == IBV_QPT_UD;
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
	case IBV_WR_RDMA_READ:
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		return qpt == IBV_QPT_RC;
	default:
		return false;
	}
}

static bool opcode_carries_data_out(enum ibv_wr_opcode op)
{
	return op == IBV_WR_SEND || op == IBV_WR_SEND_WITH_IMM ||
	       op == IBV_WR_RDMA_WRITE || op == IBV_WR_RDMA_WRITE_WITH_IMM;
}

static uint64_t sge_total(const struct ibv_send_wr *wr)
{
	uint64_t total = 0;

	for (int i = 0; i < wr->num_sge; i++)
		total += wr->sg_list[i].length;
	return total;
}

int softodp_check_send_wr(const struct ibv_send_wr *wr,
			  const struct softodp_sq_limits *lim)
{
	if (!opcode_valid(lim->qp_type, wr->opcode))
		return EINVAL;
	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > lim->max_sge)
		return EINVAL;
	if (wr->num_sge > 0 && !wr->sg_list)
		return EINVAL;
	if (wr->send_flags & ~(unsigned int)SOFTODP_SEND_FLAGS_SUPPORTED)
		return EINVAL;
	if (wr->send_flags & IBV_SEND_INLINE) {
		if (!opcode_carries_data_out(wr->opcode))
			return EINVAL;
		if (sge_total(wr) > lim->max_inline)
			return EINVAL;
	}
	if (lim->qp_type == IBV_QPT_UD && !wr->wr.ud.ah)
		return EINVAL;
	return 0;
}

int softodp_encode_send_wqe(void *slot, size_t slot_size,
			    const struct ibv_send_wr *wr,
			    const struct softodp_sq_limits *lim)
{
	struct softodp_send_wqe wqe;
	bool inl = wr->send_flags & IBV_SEND_INLINE;
	char *body = (char *)slot + sizeof(wqe);
	size_t body_len;
	int ret;

	ret = softodp_check_send_wr(wr, lim);
	if (ret)
		return ret;

	/* Checked above: num_sge >= 0 and the total fits max_inline. */
	body_len = inl ? (size_t)sge_total(wr) :
			 (size_t)wr->num_sge * sizeof(struct softodp_sge);
	if (slot_size < sizeof(wqe) || body_len > slot_size - sizeof(wqe))
		return ENOSPC;

	memset(&wqe, 0, sizeof(wqe));
	wqe.wr_id = wr->wr_id;
	wqe.opcode = wr->opcode;
	wqe.send_flags = wr->send_flags;

	switch (wr->opcode) {
	case IBV_WR_SEND_WITH_IMM:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		wqe.imm_data = wr->imm_data;	/* stays big-endian */
		break;
	default:
		break;
	}

	switch (wr->opcode) {
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
	case IBV_WR_RDMA_READ:
		wqe.wr.rdma.remote_addr = wr->wr.rdma.remote_addr;
		wqe.wr.rdma.rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		wqe.wr.atomic.remote_addr = wr->wr.atomic.remote_addr;
		wqe.wr.atomic.compare_add = wr->wr.atomic.compare_add;
		wqe.wr.atomic.swap = wr->wr.atomic.swap;
		wqe.wr.atomic.rkey = wr->wr.atomic.rkey;
		break;
	default:	/* SEND, SEND_WITH_IMM */
		if (lim->qp_type == IBV_QPT_UD) {
			wqe.wr.ud.ah_num = to_sah(wr->wr.ud.ah)->ah_num;
			wqe.wr.ud.remote_qpn = wr->wr.ud.remote_qpn;
			wqe.wr.ud.remote_qkey = wr->wr.ud.remote_qkey;
		}
		break;
	}

	if (inl) {
		size_t off = 0;

		wqe.num_sge = 0;
		wqe.inline_len = (uint32_t)body_len;
		for (int i = 0; i < wr->num_sge; i++) {
			const struct ibv_sge *s = &wr->sg_list[i];

			if (s->length)
				memcpy(body + off,
				       (const void *)(uintptr_t)s->addr,
				       s->length);
			off += s->length;
		}
	} else {
		wqe.num_sge = (uint32_t)wr->num_sge;
		wqe.inline_len = 0;
		for (int i = 0; i < wr->num_sge; i++) {
			struct softodp_sge sge = {
				.addr = wr->sg_list[i].addr,
				.length = wr->sg_list[i].length,
				.lkey = wr->sg_list[i].lkey,
			};

			memcpy(body + (size_t)i * sizeof(sge), &sge,
			       sizeof(sge));
		}
	}

	memcpy(slot, &wqe, sizeof(wqe));
	return 0;
}

int softodp_encode_recv_wqe(void *slot, size_t slot_size,
			    const struct ibv_recv_wr *wr, uint32_t max_sge)
{
	struct softodp_recv_wqe wqe;
	char *body = (char *)slot + sizeof(wqe);

	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > max_sge)
		return EINVAL;
	if (wr->num_sge > 0 && !wr->sg_list)
		return EINVAL;
	if (softodp_recv_slot_need((uint32_t)wr->num_sge) > slot_size)
		return ENOSPC;

	memset(&wqe, 0, sizeof(wqe));
	wqe.wr_id = wr->wr_id;
	wqe.num_sge = (uint32_t)wr->num_sge;
	for (int i = 0; i < wr->num_sge; i++) {
		struct softodp_sge sge = {
			.addr = wr->sg_list[i].addr,
			.length = wr->sg_list[i].length,
			.lkey = wr->sg_list[i].lkey,
		};

		memcpy(body + (size_t)i * sizeof(sge), &sge, sizeof(sge));
	}
	memcpy(slot, &wqe, sizeof(wqe));
	return 0;
}

unsigned int softodp_wc_flags_to_ibv(uint32_t cqe_flags)
{
	unsigned int f = 0;

	if (cqe_flags & SOFTODP_WC_F_GRH)
		f |= IBV_WC_GRH;
	if (cqe_flags & SOFTODP_WC_F_WITH_IMM)
		f |= IBV_WC_WITH_IMM;
	if (cqe_flags & SOFTODP_WC_F_WITH_INV)
		f |= IBV_WC_WITH_INV;
	return f;
}

void softodp_cqe_to_wc(const struct softodp_cqe *cqe, struct ibv_wc *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = cqe->wr_id;
	wc->status = (enum ibv_wc_status)cqe->status;
	wc->opcode = (enum ibv_wc_opcode)cqe->opcode;
	wc->vendor_err = cqe->vendor_err;
	wc->byte_len = cqe->byte_len;
	/*
	 * One 32-bit field: the immediate (big-endian) with WITH_IMM, the
	 * invalidated rkey (host order) with WITH_INV; copied as is.
	 */
	wc->imm_data = cqe->imm_data;
	wc->qp_num = cqe->qp_num;
	wc->src_qp = cqe->src_qp;
	wc->wc_flags = softodp_wc_flags_to_ibv(cqe->wc_flags);
	wc->pkey_index = cqe->pkey_index;
	wc->slid = 0;		/* RoCE: no LIDs */
	wc->sl = cqe->sl;
	wc->dlid_path_bits = 0;
}
