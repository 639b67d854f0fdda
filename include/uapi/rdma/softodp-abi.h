/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * softodp user/kernel ABI: the driver-private parts of the uverbs commands
 * exchanged between softodp.ko and the rdma-core provider libsoftodp.
 *
 * Rules: fixed-width __u types only, every struct padded explicitly to a
 * multiple of 8 bytes, never reorder or reuse a field.  Any incompatible
 * change bumps SOFTODP_ABI_VERSION; the kernel reports it as uverbs_abi_ver
 * and the provider only binds to a device with exactly this version.
 */
#ifndef SOFTODP_ABI_USER_H
#define SOFTODP_ABI_USER_H

#include <linux/types.h>

#define SOFTODP_ABI_VERSION 2

/* Content of the device's sysfs attribute "hca_type"; the provider matches on it. */
#define SOFTODP_HCA_TYPE "softodp"

/* Identity in query_device: no IEEE OUI is claimed (like rxe). */
#define SOFTODP_VENDOR_ID	0xffffff
#define SOFTODP_VENDOR_PART_ID	0x50d0

/* query_device's 64-bit fw_ver packs major.minor.sub_minor like this. */
#define SOFTODP_FW_VER(major, minor, sub) \
	(((__u64)(major) << 32) | ((__u64)(minor) << 16) | (__u64)(sub))
#define SOFTODP_FW_VER_MAJOR(v)	((__u32)((v) >> 32))
#define SOFTODP_FW_VER_MINOR(v)	((__u32)(((v) >> 16) & 0xffff))
#define SOFTODP_FW_VER_SUB(v)	((__u32)((v) & 0xffff))

/* Bits of softodp_alloc_ucontext_resp.features (none defined yet). */
enum softodp_ucontext_features {
	SOFTODP_UCTX_FEATURE_NONE = 0,
};

/* Driver part of the GET_CONTEXT command (the provider sends it empty). */
struct softodp_alloc_ucontext_cmd {
	__aligned_u64 comp_mask;	/* must be 0 */
};

/* Driver part of the GET_CONTEXT response. */
struct softodp_alloc_ucontext_resp {
	__aligned_u64 features;		/* enum softodp_ucontext_features */
	__u32 mmap_page_size;		/* rings are mapped in units of this */
	__u32 reserved;
};

/* Driver part of the ALLOC_PD response. */
struct softodp_alloc_pd_resp {
	__u32 pdn;			/* device-wide PD number */
	__u32 reserved;
};

/*
 * ---------------------------------------------------------------------
 * Data path: rings shared between the kernel and the provider.
 *
 * Every queue (SQ, RQ, SRQ, CQ) is one mapping of the uverbs fd at
 * softodp_queue_info.mmap_offset, mmap_size bytes: a 256-byte header
 * (struct softodp_ring) followed by num_slots slots of slot_size bytes.
 * num_slots is a power of two; prod and cons are free-running 32-bit
 * indices (slot = index & (num_slots - 1)); the ring is empty when
 * prod == cons and full when prod - cons == num_slots.
 *
 * Who writes what:
 *   SQ, RQ, SRQ: the provider writes slots and prod (store-release after
 *                the slot); the kernel writes cons.
 *   CQ:          the kernel writes slots and prod (store-release after
 *                the slot); the provider writes cons.
 * The kernel never trusts an index written by userspace: it keeps its own
 * copy of the index it owns, and a prod that claims more than num_slots
 * entries moves the QP to the error state.
 *
 * SQ doorbell: the kernel sets SOFTODP_RING_F_DOORBELL in the SQ's flags
 * when its worker stops looking at the SQ (store, full barrier, re-read of
 * prod).  The provider, after publishing prod, issues a full barrier and
 * reads flags: only if the bit is set does it send the doorbell (a
 * POST_SEND command with no work requests).  The kernel clears the bit
 * when it starts working on the SQ.
 * ---------------------------------------------------------------------
 */

#define SOFTODP_RING_HDR_SIZE	256
#define SOFTODP_RING_F_DOORBELL	(1U << 0)

struct softodp_ring {
	__u32 prod;
	__u32 pad0[15];
	__u32 cons;
	__u32 pad1[15];
	__u32 flags;		/* SOFTODP_RING_F_*, written by the kernel */
	__u32 pad2[31];
};

/* Where a ring is and how it is laid out (in create responses). */
struct softodp_queue_info {
	__aligned_u64 mmap_offset;
	__u32 mmap_size;	/* header + num_slots * slot_size, page aligned */
	__u32 num_slots;	/* power of two */
	__u32 slot_size;	/* bytes, multiple of 64 */
	__u32 reserved;
};

/* Scatter/gather element, as in struct ibv_sge. */
struct softodp_sge {
	__aligned_u64 addr;
	__u32 length;
	__u32 lkey;
};

/*
 * Send WQE.  opcode: enum ib_uverbs_wr_opcode (== ibv_wr_opcode);
 * send_flags: IB_SEND_* (== IBV_SEND_*).  With IBV_SEND_INLINE, the
 * inline data (inline_len bytes) follows the header in place of the SGE
 * array; otherwise num_sge softodp_sge follow.  imm_data is in network
 * byte order as in ibv_send_wr (invalidate_rkey for SEND_WITH_INV).
 */
struct softodp_send_wqe {
	__aligned_u64 wr_id;
	__u32 opcode;
	__u32 send_flags;
	__u32 num_sge;
	__u32 inline_len;
	__u32 imm_data;
	__u32 reserved0;
	union {
		struct {
			__aligned_u64 remote_addr;
			__u32 rkey;
			__u32 reserved;
		} rdma;
		struct {
			__aligned_u64 remote_addr;
			__aligned_u64 compare_add;
			__aligned_u64 swap;
			__u32 rkey;
			__u32 reserved;
		} atomic;
		struct {
			__u32 ah_num;	/* from softodp_create_ah_resp */
			__u32 remote_qpn;
			__u32 remote_qkey;
			__u32 reserved;
		} ud;
		__aligned_u64 raw[4];
	} wr;
	/* followed by struct softodp_sge sge[num_sge] or inline data */
};

/* Receive WQE (RQ and SRQ): num_sge softodp_sge follow. */
struct softodp_recv_wqe {
	__aligned_u64 wr_id;
	__u32 num_sge;
	__u32 reserved;
	/* followed by struct softodp_sge sge[num_sge] */
};

/* Bits of softodp_cqe.wc_flags (the provider maps them to IBV_WC_*). */
enum softodp_wc_flags {
	SOFTODP_WC_F_GRH = 1 << 0,
	SOFTODP_WC_F_WITH_IMM = 1 << 1,
	SOFTODP_WC_F_WITH_INV = 1 << 2,
};

/* Values of softodp_cqe.network_hdr_type. */
enum softodp_network_type {
	SOFTODP_NETWORK_NONE = 0,	/* not a UD receive */
	SOFTODP_NETWORK_IPV4 = 1,	/* RoCEv2 over IPv4 */
	SOFTODP_NETWORK_IPV6 = 2,	/* RoCEv2 over IPv6 */
};

/*
 * Completion.  status: enum ib_wc_status (== ibv_wc_status); opcode:
 * enum ib_uverbs_wc_opcode (== ibv_wc_opcode); imm_data in network byte
 * order (the invalidated rkey, host order, with SOFTODP_WC_F_WITH_INV).
 * network_hdr_type: enum softodp_network_type (UD receives only).
 */
struct softodp_cqe {
	__aligned_u64 wr_id;
	__u32 status;
	__u32 opcode;
	__u32 vendor_err;
	__u32 byte_len;
	__u32 imm_data;
	__u32 qp_num;
	__u32 src_qp;
	__u32 wc_flags;		/* enum softodp_wc_flags */
	__u16 pkey_index;
	__u8 sl;
	__u8 network_hdr_type;
	__u8 smac[6];
	__u8 reserved[14];
};

/* CREATE_CQ / CREATE_CQ_EX and RESIZE_CQ responses: the CQ ring. */
struct softodp_create_cq_resp {
	struct softodp_queue_info cq;
};

struct softodp_resize_cq_resp {
	struct softodp_queue_info cq;
};

/*
 * CREATE_QP response.  rq is all zero for a QP on an SRQ.  The capacities
 * are what the kernel granted (>= what was asked).
 */
struct softodp_create_qp_resp {
	struct softodp_queue_info sq;
	struct softodp_queue_info rq;
	__u32 qpn;
	__u32 max_send_wr;
	__u32 max_send_sge;
	__u32 max_inline_data;
	__u32 max_recv_wr;
	__u32 max_recv_sge;
};

/* CREATE_SRQ response. */
struct softodp_create_srq_resp {
	struct softodp_queue_info rq;
	__u32 srq_num;
	__u32 max_wr;
	__u32 max_sge;
	__u32 reserved;
};

/* MODIFY_SRQ: a resize is not supported; this carries nothing yet. */

/* CREATE_AH response: the number that UD send WQEs carry. */
struct softodp_create_ah_resp {
	__u32 ah_num;
	__u32 reserved;
};

#endif /* SOFTODP_ABI_USER_H */
