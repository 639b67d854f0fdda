// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * WQE encoding and CQE decoding (userspace/softodp-wqe.c): every opcode's
 * fields land where struct softodp_send_wqe puts them, the validation
 * refuses what the QP type or limits do not allow and then writes nothing,
 * inline data is copied after the header, and CQEs become ibv_wc with the
 * flags translated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>

#include "softodp-wqe.h"
#include "sod_test.h"

enum { SLOT = 256 };

static unsigned char slot[SLOT];

static const struct softodp_sq_limits rc_lim = {
	.qp_type = IBV_QPT_RC, .max_sge = 4, .max_inline = 64,
};
static const struct softodp_sq_limits ud_lim = {
	.qp_type = IBV_QPT_UD, .max_sge = 2, .max_inline = 32,
};

static struct softodp_send_wqe *hdr(void)
{
	return (struct softodp_send_wqe *)(void *)slot;
}

static struct softodp_sge *sges(void)
{
	return (struct softodp_sge *)(void *)(slot + sizeof(struct softodp_send_wqe));
}

static int enc(const struct ibv_send_wr *wr, const struct softodp_sq_limits *lim)
{
	memset(slot, 0xa5, sizeof(slot));
	return softodp_encode_send_wqe(slot, sizeof(slot), wr, lim);
}

static bool slot_untouched(void)
{
	for (size_t i = 0; i < sizeof(slot); i++)
		if (slot[i] != 0xa5)
			return false;
	return true;
}

static void check_sizes(void)
{
	CHECK_EQ_U64(softodp_send_slot_need(0, 0), 64);
	CHECK_EQ_U64(softodp_send_slot_need(4, 0), 64 + 64);
	CHECK_EQ_U64(softodp_send_slot_need(1, 100), 64 + 100);
	CHECK_EQ_U64(softodp_send_slot_need(12, 100), 64 + 192);
	CHECK_EQ_U64(softodp_recv_slot_need(0), 16);
	CHECK_EQ_U64(softodp_recv_slot_need(3), 16 + 48);
}

static void check_rc_opcodes(void)
{
	struct ibv_sge sg[2] = {
		{ .addr = 0x1000, .length = 100, .lkey = 0x1234 },
		{ .addr = 0x2000, .length = 28, .lkey = 0x5678 },
	};
	struct ibv_send_wr wr;

	/* SEND with two SGEs. */
	memset(&wr, 0, sizeof(wr));
	wr.wr_id = 0x1122334455667788ull;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED | IBV_SEND_SOLICITED;
	wr.sg_list = sg;
	wr.num_sge = 2;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->wr_id, 0x1122334455667788ull);
	CHECK_EQ_U64(hdr()->opcode, IBV_WR_SEND);
	CHECK_EQ_U64(hdr()->send_flags, IBV_SEND_SIGNALED | IBV_SEND_SOLICITED);
	CHECK_EQ_U64(hdr()->num_sge, 2);
	CHECK_EQ_U64(hdr()->inline_len, 0);
	CHECK_EQ_U64(hdr()->imm_data, 0);
	CHECK_EQ_U64(hdr()->reserved0, 0);
	CHECK_EQ_U64(hdr()->wr.raw[0], 0);
	CHECK_EQ_U64(sges()[0].addr, 0x1000);
	CHECK_EQ_U64(sges()[0].length, 100);
	CHECK_EQ_U64(sges()[0].lkey, 0x1234);
	CHECK_EQ_U64(sges()[1].addr, 0x2000);
	CHECK_EQ_U64(sges()[1].length, 28);
	CHECK_EQ_U64(sges()[1].lkey, 0x5678);

	/* SEND_WITH_IMM: imm_data stays in network order. */
	wr.opcode = IBV_WR_SEND_WITH_IMM;
	wr.imm_data = htonl(0xdeadbeef);
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->imm_data, htonl(0xdeadbeef));

	/* RDMA WRITE WITH IMM. */
	wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
	wr.wr.rdma.remote_addr = 0xabcdef0123ull;
	wr.wr.rdma.rkey = 0x77;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->wr.rdma.remote_addr, 0xabcdef0123ull);
	CHECK_EQ_U64(hdr()->wr.rdma.rkey, 0x77);
	CHECK_EQ_U64(hdr()->wr.rdma.reserved, 0);
	CHECK_EQ_U64(hdr()->imm_data, htonl(0xdeadbeef));

	/* RDMA WRITE and READ: no immediate. */
	wr.opcode = IBV_WR_RDMA_WRITE;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->imm_data, 0);
	wr.opcode = IBV_WR_RDMA_READ;
	wr.send_flags = IBV_SEND_FENCE;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->opcode, IBV_WR_RDMA_READ);
	CHECK_EQ_U64(hdr()->send_flags, IBV_SEND_FENCE);
	CHECK_EQ_U64(hdr()->wr.rdma.remote_addr, 0xabcdef0123ull);

	/* Atomics. */
	memset(&wr, 0, sizeof(wr));
	wr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	wr.sg_list = sg;
	wr.num_sge = 1;
	wr.wr.atomic.remote_addr = 0x8000;
	wr.wr.atomic.compare_add = 11;
	wr.wr.atomic.swap = 22;
	wr.wr.atomic.rkey = 0x99;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->wr.atomic.remote_addr, 0x8000);
	CHECK_EQ_U64(hdr()->wr.atomic.compare_add, 11);
	CHECK_EQ_U64(hdr()->wr.atomic.swap, 22);
	CHECK_EQ_U64(hdr()->wr.atomic.rkey, 0x99);
	CHECK_EQ_U64(hdr()->wr.atomic.reserved, 0);
	wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->opcode, IBV_WR_ATOMIC_FETCH_AND_ADD);

	/* Zero SGEs is a valid zero-length message. */
	memset(&wr, 0, sizeof(wr));
	wr.opcode = IBV_WR_SEND;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->num_sge, 0);
}

static void check_rejects(void)
{
	struct ibv_sge sg[5] = { { .addr = 0x1000, .length = 8 } };
	struct softodp_ah ah = { .ah_num = 3 };
	static const enum ibv_wr_opcode rc_bad[] = {
		IBV_WR_LOCAL_INV, IBV_WR_BIND_MW, IBV_WR_SEND_WITH_INV,
		IBV_WR_TSO, IBV_WR_DRIVER1, (enum ibv_wr_opcode)99,
	};
	static const enum ibv_wr_opcode ud_bad[] = {
		IBV_WR_RDMA_WRITE, IBV_WR_RDMA_WRITE_WITH_IMM, IBV_WR_RDMA_READ,
		IBV_WR_ATOMIC_CMP_AND_SWP, IBV_WR_ATOMIC_FETCH_AND_ADD,
	};
	struct ibv_send_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.sg_list = sg;
	wr.num_sge = 1;
	for (size_t i = 0; i < sizeof(rc_bad) / sizeof(rc_bad[0]); i++) {
		wr.opcode = rc_bad[i];
		CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
		CHECK(slot_untouched());
	}
	wr.wr.ud.ah = &ah.ibv_ah;
	for (size_t i = 0; i < sizeof(ud_bad) / sizeof(ud_bad[0]); i++) {
		wr.opcode = ud_bad[i];
		CHECK_EQ_U64(enc(&wr, &ud_lim), EINVAL);
		CHECK(slot_untouched());
	}

	/* num_sge above max_send_sge, negative, or without a list. */
	wr.opcode = IBV_WR_SEND;
	wr.num_sge = 5;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	wr.num_sge = 4;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	wr.num_sge = 3;
	CHECK_EQ_U64(enc(&wr, &ud_lim), EINVAL);
	wr.num_sge = -1;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	wr.num_sge = 1;
	wr.sg_list = NULL;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	wr.sg_list = sg;

	/* Unknown send flags. */
	wr.send_flags = IBV_SEND_IP_CSUM;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	wr.send_flags = 0;

	/* UD without an AH. */
	wr.wr.ud.ah = NULL;
	CHECK_EQ_U64(enc(&wr, &ud_lim), EINVAL);
	CHECK(slot_untouched());

	/* A slot too small for the SGEs. */
	wr.num_sge = 4;
	CHECK_EQ_U64(softodp_encode_send_wqe(slot, 64 + 48, &wr, &rc_lim),
		     ENOSPC);
	CHECK_EQ_U64(softodp_check_send_wr(&wr, &rc_lim), 0);
}

static void check_ud(void)
{
	struct softodp_ah ah = { .ah_num = 0x4242 };
	struct ibv_sge sg = { .addr = 0x3000, .length = 256, .lkey = 9 };
	struct ibv_send_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.opcode = IBV_WR_SEND_WITH_IMM;
	wr.imm_data = htonl(7);
	wr.sg_list = &sg;
	wr.num_sge = 1;
	wr.wr.ud.ah = &ah.ibv_ah;
	wr.wr.ud.remote_qpn = 0x123456;
	wr.wr.ud.remote_qkey = 0x80010000;
	CHECK_EQ_U64(enc(&wr, &ud_lim), 0);
	CHECK_EQ_U64(hdr()->wr.ud.ah_num, 0x4242);
	CHECK_EQ_U64(hdr()->wr.ud.remote_qpn, 0x123456);
	CHECK_EQ_U64(hdr()->wr.ud.remote_qkey, 0x80010000);
	CHECK_EQ_U64(hdr()->wr.ud.reserved, 0);
	CHECK_EQ_U64(hdr()->imm_data, htonl(7));
	CHECK_EQ_U64(hdr()->wr.raw[2], 0);
	CHECK_EQ_U64(hdr()->wr.raw[3], 0);
	CHECK_EQ_U64(sges()[0].addr, 0x3000);
	CHECK_EQ_U64(sges()[0].lkey, 9);
}

static void check_inline(void)
{
	char a[40], b[24];
	struct ibv_sge sg[3] = {
		{ .addr = (uintptr_t)a, .length = sizeof(a), .lkey = 1 },
		{ .addr = 0, .length = 0, .lkey = 0 },
		{ .addr = (uintptr_t)b, .length = sizeof(b), .lkey = 2 },
	};
	const unsigned char *body = slot + sizeof(struct softodp_send_wqe);
	struct ibv_send_wr wr;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (char)i;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (char)(100 + i);

	memset(&wr, 0, sizeof(wr));
	wr.opcode = IBV_WR_RDMA_WRITE;
	wr.send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED;
	wr.sg_list = sg;
	wr.num_sge = 3;
	wr.wr.rdma.remote_addr = 0x10;
	wr.wr.rdma.rkey = 5;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);	/* 64 bytes == max_inline */
	CHECK_EQ_U64(hdr()->inline_len, 64);
	CHECK_EQ_U64(hdr()->num_sge, 0);
	CHECK_EQ_U64(hdr()->send_flags, IBV_SEND_INLINE | IBV_SEND_SIGNALED);
	CHECK(memcmp(body, a, sizeof(a)) == 0);
	CHECK(memcmp(body + sizeof(a), b, sizeof(b)) == 0);
	CHECK_EQ_U64(body[64], 0xa5);		/* nothing beyond */

	/* One byte more than max_inline. */
	sg[1].addr = (uintptr_t)a;
	sg[1].length = 1;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	CHECK(slot_untouched());

	/* Inline makes no sense for READ and atomics. */
	sg[1].length = 0;
	wr.opcode = IBV_WR_RDMA_READ;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);
	wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	wr.num_sge = 1;
	CHECK_EQ_U64(enc(&wr, &rc_lim), EINVAL);

	/* Inline SEND with no data. */
	wr.opcode = IBV_WR_SEND;
	wr.num_sge = 0;
	CHECK_EQ_U64(enc(&wr, &rc_lim), 0);
	CHECK_EQ_U64(hdr()->inline_len, 0);
}

static void check_recv(void)
{
	struct ibv_sge sg[3] = {
		{ .addr = 1, .length = 2, .lkey = 3 },
		{ .addr = 4, .length = 5, .lkey = 6 },
		{ .addr = 7, .length = 8, .lkey = 9 },
	};
	struct ibv_recv_wr wr = { .wr_id = 42, .sg_list = sg, .num_sge = 2 };
	const struct softodp_recv_wqe *r = (const void *)slot;
	const struct softodp_sge *s = (const void *)(slot + sizeof(*r));

	memset(slot, 0xa5, sizeof(slot));
	CHECK_EQ_U64(softodp_encode_recv_wqe(slot, sizeof(slot), &wr, 2), 0);
	CHECK_EQ_U64(r->wr_id, 42);
	CHECK_EQ_U64(r->num_sge, 2);
	CHECK_EQ_U64(r->reserved, 0);
	CHECK_EQ_U64(s[1].addr, 4);
	CHECK_EQ_U64(s[1].length, 5);
	CHECK_EQ_U64(s[1].lkey, 6);
	CHECK_EQ_U64(slot[16 + 32], 0xa5);

	wr.num_sge = 3;
	CHECK_EQ_U64(softodp_encode_recv_wqe(slot, sizeof(slot), &wr, 2), EINVAL);
	wr.num_sge = -1;
	CHECK_EQ_U64(softodp_encode_recv_wqe(slot, sizeof(slot), &wr, 2), EINVAL);
	wr.num_sge = 3;
	CHECK_EQ_U64(softodp_encode_recv_wqe(slot, 16 + 32, &wr, 3), ENOSPC);
	wr.num_sge = 0;
	CHECK_EQ_U64(softodp_encode_recv_wqe(slot, 16, &wr, 0), 0);
}

static void check_cqe(void)
{
	struct softodp_cqe cqe;
	struct ibv_wc wc;

	CHECK_EQ_U64(softodp_wc_flags_to_ibv(0), 0);
	CHECK_EQ_U64(softodp_wc_flags_to_ibv(SOFTODP_WC_F_GRH), IBV_WC_GRH);
	CHECK_EQ_U64(softodp_wc_flags_to_ibv(SOFTODP_WC_F_WITH_IMM),
		     IBV_WC_WITH_IMM);
	CHECK_EQ_U64(softodp_wc_flags_to_ibv(SOFTODP_WC_F_WITH_INV),
		     IBV_WC_WITH_INV);
	CHECK_EQ_U64(softodp_wc_flags_to_ibv(SOFTODP_WC_F_GRH |
					     SOFTODP_WC_F_WITH_IMM | 0x80),
		     IBV_WC_GRH | IBV_WC_WITH_IMM);

	memset(&cqe, 0, sizeof(cqe));
	cqe.wr_id = 0xfeedfacecafebeefull;
	cqe.status = IBV_WC_SUCCESS;
	cqe.opcode = IBV_WC_RECV;
	cqe.byte_len = 1000;
	cqe.imm_data = htonl(0x01020304);
	cqe.qp_num = 17;
	cqe.src_qp = 0xabcdef;
	cqe.wc_flags = SOFTODP_WC_F_GRH | SOFTODP_WC_F_WITH_IMM;
	cqe.pkey_index = 3;
	cqe.sl = 5;
	cqe.network_hdr_type = 1;
	memset(&wc, 0x5a, sizeof(wc));
	softodp_cqe_to_wc(&cqe, &wc);
	CHECK_EQ_U64(wc.wr_id, 0xfeedfacecafebeefull);
	CHECK_EQ_U64(wc.status, IBV_WC_SUCCESS);
	CHECK_EQ_U64(wc.opcode, IBV_WC_RECV);
	CHECK_EQ_U64(wc.vendor_err, 0);
	CHECK_EQ_U64(wc.byte_len, 1000);
	CHECK_EQ_U64(wc.imm_data, htonl(0x01020304));
	CHECK_EQ_U64(wc.qp_num, 17);
	CHECK_EQ_U64(wc.src_qp, 0xabcdef);
	CHECK_EQ_U64(wc.wc_flags, IBV_WC_GRH | IBV_WC_WITH_IMM);
	CHECK_EQ_U64(wc.pkey_index, 3);
	CHECK_EQ_U64(wc.slid, 0);
	CHECK_EQ_U64(wc.sl, 5);
	CHECK_EQ_U64(wc.dlid_path_bits, 0);

	/* WITH_INV: the host-order rkey comes through invalidated_rkey. */
	cqe.opcode = IBV_WC_RECV;
	cqe.wc_flags = SOFTODP_WC_F_WITH_INV;
	cqe.imm_data = 0x00123400;
	softodp_cqe_to_wc(&cqe, &wc);
	CHECK_EQ_U64(wc.wc_flags, IBV_WC_WITH_INV);
	CHECK_EQ_U64(wc.invalidated_rkey, 0x00123400);

	/* An error completion keeps status and vendor_err. */
	cqe.status = IBV_WC_WR_FLUSH_ERR;
	cqe.vendor_err = 0x33;
	cqe.opcode = IBV_WC_RDMA_READ;
	softodp_cqe_to_wc(&cqe, &wc);
	CHECK_EQ_U64(wc.status, IBV_WC_WR_FLUSH_ERR);
	CHECK_EQ_U64(wc.vendor_err, 0x33);
	CHECK_EQ_U64(wc.opcode, IBV_WC_RDMA_READ);
}

int main(void)
{
	check_sizes();
	check_rc_opcodes();
	check_rejects();
	check_ud();
	check_inline();
	check_recv();
	check_cqe();
	return sod_test_done("test_wqe");
}
