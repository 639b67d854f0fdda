/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softodp: a software RoCEv2 RDMA device with On-Demand Paging.
 *
 * Every object the driver keeps is declared here.  Each embeds the core's
 * object as its first member and has a to_sod_*() container_of helper.
 * The locking rule of every field is written next to it; docs/locking.md
 * collects them.
 */
#ifndef SOFTODP_H
#define SOFTODP_H

#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/softodp-abi.h>

#include "cwnd.h"
#include "hdr.h"

#define SOD_DRV_NAME		"softodp"

/* RoCEv2 well-known UDP destination port. */
#define SOD_ROCE_V2_PORT	4791

/* Limits the device advertises (query_device) and enforces. */
#define SOD_MAX_PD		(1U << 16)
#define SOD_GID_TBL_LEN		128
#define SOD_MAX_MSG_SIZE	(1U << 31)
#define SOD_MAX_QP		(1U << 16)
#define SOD_MAX_QP_WR		(1U << 14)
#define SOD_MAX_SGE		32
#define SOD_MAX_INLINE		512
#define SOD_MAX_CQ		(1U << 16)
#define SOD_MAX_CQE		(1U << 16)
#define SOD_MAX_MR		(1U << 20)
#define SOD_MAX_MR_SIZE		(1ULL << 40)
#define SOD_MAX_SRQ		(1U << 14)
#define SOD_MAX_SRQ_WR		(1U << 14)
#define SOD_MAX_AH		(1U << 16)
#define SOD_MAX_RD_ATOMIC	16	/* max_qp_rd_atom and max_qp_init_rd_atom */

/* QPNs: 0 (SMI) is never used, 1 is the GSI QP, the rest are allocated. */
#define SOD_GSI_QPN		1
#define SOD_MIN_QPN		16
#define SOD_MAX_QPN		SOD_QPN_MASK

#define SOD_HW_VER		1
#define SOD_FW_MAJOR		0
#define SOD_FW_MINOR		1
#define SOD_FW_SUBMINOR		0

/*
 * Packets the receive softirq queues on one QP for its worker at most;
 * beyond, they are dropped (SOD_STAT_RX_DROP_BUSY) like on a full link:
 * the requester retransmits.  Far above what a requester's window puts in
 * flight.
 */
#define SOD_RXQ_MAX		8192

/*
 * Device counters (exposed through the core's hw_stats later).  Bumped
 * with sod_stat_inc() from any context.
 */
enum sod_stat {
	SOD_STAT_TX_PACKETS,
	SOD_STAT_TX_BYTES,
	SOD_STAT_RX_PACKETS,
	SOD_STAT_RX_BYTES,
	SOD_STAT_RX_DROP_MALFORMED,	/* lengths, pad, UDP/IP headers */
	SOD_STAT_RX_DROP_ICRC,		/* ICRC mismatch */
	SOD_STAT_RX_DROP_NO_QP,		/* no such QP on this device */
	SOD_STAT_TX_DROP,		/* routing or allocation failure */
	SOD_STAT_RETRANSMITS,
	SOD_STAT_RNR_NAK_SENT,
	SOD_STAT_RNR_NAK_RCVD,
	SOD_STAT_SEQ_ERR,
	SOD_STAT_DUP_REQ,
	SOD_STAT_RETRY_EXCEEDED,
	SOD_STAT_RNR_RETRY_EXCEEDED,
	SOD_STAT_ODP_FAULTS,		/* ODP fault passes (hmm_range_fault) */
	SOD_STAT_ODP_FAULT_PAGES,	/* pages newly mapped by them */
	SOD_STAT_ODP_FAULT_ERRORS,	/* faults that failed (access error) */
	SOD_STAT_ODP_INVALIDATIONS,	/* notifier calls on ODP MRs */
	SOD_STAT_ODP_INVAL_PAGES,	/* device mappings they dropped */
	SOD_STAT_RX_DROP_OPCODE,	/* unknown opcode or BTH version */
	SOD_STAT_RX_DROP_QP_TYPE,	/* opcode of another QP type */
	SOD_STAT_RX_DROP_PKEY,		/* P_Key not the default one */
	SOD_STAT_RX_DROP_QP_STATE,	/* QP not in a receiving state */
	SOD_STAT_RX_DROP_QKEY,		/* UD: Q_Key mismatch */
	SOD_STAT_RX_DROP_NO_RWQE,	/* UD: no receive WQE */
	SOD_STAT_RX_DROP_BUSY,		/* QP's receive queue full */
	SOD_STAT_NAK_INVALID_REQ,	/* NAKs sent, by code */
	SOD_STAT_NAK_REM_ACCESS,
	SOD_STAT_NAK_REM_OP,
	SOD_STAT_NAK_SEQ_ERR,
	SOD_STAT_TX_LOCAL,		/* sent to a device of this host directly */
	SOD_STAT_RUN_PASSES,		/* QP passes run by the delivering thread */
	SOD_STAT_CWND_CUTS,		/* congestion window halvings */
	SOD_STAT_TX_PACED,		/* requester waits for the local TX queue */
	SOD_STAT_RX_SOFTIRQ,		/* requests executed in the receive softirq */
	SOD_STAT_RX_SOFTIRQ_ACK,	/* ACKs taken in the receive softirq */
	SOD_STAT_RX_SOFTIRQ_READ,	/* READ responses taken there */
	SOD_NUM_STATS
};

/**
 * struct sod_dev - one softodp RDMA device, bound to one Ethernet netdev
 * @ibdev: the core's device; must stay first (ib_alloc_device)
 * @list: entry in the driver's device list; under sod_devs_lock
 * @ndev: the bound netdev, referenced (@ndev_tracker) from newlink until
 *	sod_dev_dealloc(), i.e. for as long as any verb or sysfs read can run
 *	on the device.  Its unregistration therefore waits for ours.
 * @ndev_tracker: reference tracker of @ndev
 * @net: network namespace whose UDP tunnel this device uses (fixed)
 * @registered: ib_register_device() succeeded; under sod_devs_lock
 * @ndev_gone: the netdev was unregistered before @registered was set;
 *	under sod_devs_lock.  newlink then unregisters the device itself.
 * @tunnel_held: this device holds a reference on @net's UDP tunnel
 *	(set and cleared only by the device's creator and dealloc_driver)
 * @port_state: IB_PORT_ACTIVE or IB_PORT_DOWN, derived from the netdev.
 *	Written under sod_devs_lock (netdev notifier, newlink); read
 *	locklessly with READ_ONCE by query_port.
 * @pd_xa: allocated PD numbers; the xarray's own lock
 * @qp_xa: QPN → struct sod_qp; the xarray's own lock.  Looked up under
 *	RCU from the receive softirq (sod_qp_get_rcu()).
 * @mr_xa: MR index (key >> 8) → struct sod_mr; RCU lookups
 * @ah_xa: AH number → struct sod_ah_entry; RCU lookups
 * @cq_xa, @srq_xa: numbers of CQs and SRQs (for limits and debugging)
 * @mr_tag: 8-bit generation for the next MR key; atomic
 * @stats: device-wide counters, atomic64, any context
 * @net_node: entry in the namespace's RCU list of devices (net.c), used
 *	by the receive softirq to find the device of a packet
 */
struct sod_dev {
	struct ib_device ibdev;
	struct list_head list;
	struct net_device *ndev;
	netdevice_tracker ndev_tracker;
	struct net *net;
	bool registered;
	bool ndev_gone;
	bool tunnel_held;
	enum ib_port_state port_state;
	struct xarray pd_xa;
	struct xarray qp_xa;
	struct xarray mr_xa;
	struct xarray ah_xa;
	struct xarray cq_xa;
	struct xarray srq_xa;
	atomic_t mr_tag;
	atomic64_t stats[SOD_NUM_STATS];
	struct list_head net_node;
};

/**
 * struct sod_ucontext - one user context (one open of the uverbs device)
 * @ibuc: the core's context; must stay first
 */
struct sod_ucontext {
	struct ib_ucontext ibuc;
};

/**
 * struct sod_pd - protection domain
 * @ibpd: the core's PD; must stay first
 * @pdn: device-wide number, allocated in sod_dev.pd_xa (1..SOD_MAX_PD)
 */
struct sod_pd {
	struct ib_pd ibpd;
	u32 pdn;
};

/**
 * struct sod_mmap_entry - a kernel buffer that userspace may mmap()
 * @rdma_entry: the core's entry (offset, length, refcount)
 * @buf: vmalloc_user() memory; owned by the entry and freed by
 *	sod_mmap_free() once the entry is removed and no VMA maps it
 *
 * Rings shared with the provider are published through these entries.
 */
struct sod_mmap_entry {
	struct rdma_user_mmap_entry rdma_entry;
	void *buf;
};


/* ------------------------------------------------------------------ */
/* Rings (queue.c)                                                      */
/* ------------------------------------------------------------------ */

/**
 * struct sod_queue - one ring: a struct softodp_ring header and slots
 * @ring: the buffer; vmalloc_user() memory published through @mmap_entry
 *	for user objects, vzalloc() memory for kernel objects
 * @slots: first slot (@ring + SOFTODP_RING_HDR_SIZE)
 * @mask: num_slots - 1
 * @slot_size: bytes per slot
 * @index: the index the kernel owns, kept here so that userspace cannot
 *	change it: the consumer index of an SQ/RQ/SRQ, the producer index of
 *	a CQ.  Written only by the queue's single kernel-side owner.
 * @mmap_entry: user objects only; removed by sod_queue_cleanup(), the
 *	buffer is freed by the last munmap()
 * @info: what the create response tells the provider
 */
struct sod_queue {
	struct softodp_ring *ring;
	void *slots;
	u32 mask;
	u32 slot_size;
	u32 index;
	struct rdma_user_mmap_entry *mmap_entry;
	struct softodp_queue_info info;
};

/* ------------------------------------------------------------------ */
/* Completion queues (cq.c)                                             */
/* ------------------------------------------------------------------ */

/**
 * struct sod_cq - completion queue
 * @ibcq: the core's CQ; first
 * @q: the CQE ring (struct softodp_cqe slots)
 * @lock: spinlock (irqsave) serialising producers (QP workers), kernel
 *	pollers, req_notify and resize
 * @comp_lock: held while calling ibcq.comp_handler, so that a CQ has one
 *	event handler running at a time; never taken with @lock held
 * @notify: armed flags: 0, IB_CQ_SOLICITED or IB_CQ_NEXT_COMP; under @lock
 * @overflow: the ring overflowed (async event sent); under @lock
 * @is_user: created through uverbs
 * @cqn: number in sod_dev.cq_xa
 */
struct sod_cq {
	struct ib_cq ibcq;
	struct sod_queue q;
	spinlock_t lock;
	spinlock_t comp_lock;
	u8 notify;
	bool overflow;
	bool is_user;
	u32 cqn;
};

/* ------------------------------------------------------------------ */
/* Shared receive queues (srq.c)                                        */
/* ------------------------------------------------------------------ */

/**
 * struct sod_srq - shared receive queue
 * @ibsrq: first
 * @q: ring of struct softodp_recv_wqe slots
 * @lock: spinlock (irqsave) serialising consumers (workers of the QPs
 *	that share it) and kernel producers (post_srq_recv, any context),
 *	limit updates
 * @limit: armed SRQ limit (0: not armed); under @lock
 * @max_wr, @max_sge: granted capacities
 * @srqn: number in sod_dev.srq_xa
 */
struct sod_srq {
	struct ib_srq ibsrq;
	struct sod_queue q;
	spinlock_t lock;
	u32 limit;
	u32 max_wr;
	u32 max_sge;
	u32 srqn;
	bool is_user;
};

/* ------------------------------------------------------------------ */
/* Memory regions (mr.c)                                                */
/* ------------------------------------------------------------------ */

enum sod_mr_type {
	SOD_MR_DMA,	/* get_dma_mr: iova is a kernel virtual address */
	SOD_MR_USER,	/* pinned user memory (ib_umem_get) */
	SOD_MR_ODP,	/* on-demand paging: nothing pinned (odp.c) */
};

/**
 * struct sod_odp - the device page table of an ODP MR (docs/odp.md)
 * @notifier: interval notifier over the MR's pages in the owner's mm
 * @lock: the table's lock: entries change and pages are touched only
 *	under it; nothing under it allocates or takes an mm lock
 * @leaves: virtual page number >> 9 → array of 512 entries (pfn and
 *	valid/write/dirty bits); leaves are only added while the MR lives
 * @hint_lidx, @hint_leaf: the leaf last looked up under @lock (a packet's
 *	window check and copy, and the next packet's, mostly hit the same
 *	2 MiB: one xarray lookup instead of one per step); valid while the MR
 *	lives since leaves are freed only with it
 * @start: user virtual address of the MR's first byte
 * @active: the notifier is inserted
 * @faults: pages newly mapped by faults
 * @fault_calls: successful fault passes
 * @invalidations: notifier calls
 * @inval_pages: mappings dropped by them
 */
struct sod_odp {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	struct xarray leaves;
	unsigned long hint_lidx;
	unsigned long *hint_leaf;
	unsigned long start;
	bool active;
	atomic64_t faults;
	atomic64_t fault_calls;
	atomic64_t invalidations;
	atomic64_t inval_pages;
};

/**
 * struct sod_mr - memory region
 * @ibmr: first; lkey == rkey == @key
 * @sdev: device
 * @pdn: PD number of ibmr.pd, for the PD check on every access
 * @type: enum sod_mr_type
 * @access: IB_ACCESS_* rights
 * @iova: first valid address (ibmr.iova)
 * @length: bytes
 * @umem: SOD_MR_USER: the pinned memory
 * @pages: SOD_MR_USER: one entry per page of @umem, in order
 * @npages: entries in @pages
 * @page_off: offset of @iova within @pages[0]
 * @odp: SOD_MR_ODP: the device page table
 * @ref: users: the table's reference plus one per in-flight access
 *	(sod_mr_get/sod_mr_put); dereg waits for zero on @done
 * @done: completed when @ref drops to zero
 * @rcu: the MR is freed with kfree_rcu() (sod_mr_get() runs under RCU)
 */
struct sod_mr {
	struct ib_mr ibmr;
	struct sod_dev *sdev;
	u32 pdn;
	enum sod_mr_type type;
	int access;
	u64 iova;
	u64 length;
	struct ib_umem *umem;
	struct page **pages;
	unsigned long npages;
	unsigned int page_off;
	struct sod_odp odp;
	refcount_t ref;
	struct completion done;
	struct rcu_head rcu;
};

/* Direction of sod_mr_copy(). */
enum sod_copy_dir {
	SOD_COPY_TO_MR,		/* buf → MR */
	SOD_COPY_FROM_MR,	/* MR → buf */
};

/* ------------------------------------------------------------------ */
/* Address handles (ah.c)                                               */
/* ------------------------------------------------------------------ */

/**
 * struct sod_av - where packets of a UD WQE or an RC/UD QP go
 * @sgid_index: source GID table index
 * @ipv6: RoCEv2 over IPv6 (else IPv4)
 * @saddr, @daddr: IP addresses (IPv4-mapped for IPv4)
 * @dmac: destination MAC (the core resolved it)
 * @hop_limit, @traffic_class, @flow_label: from the GRH attributes
 * @sl: service level
 * @dst_memo: sod_pkt_xmit()'s memo of whether @daddr is an address of
 *	this host, and of this device's netdev (IPv4; see sod_dst_kind()).
 *	Written with WRITE_ONCE() from any pass or softirq that sends with
 *	this AV; zero (nothing known) in a new AV
 */
struct sod_av {
	u32 sgid_index;
	bool ipv6;
	struct in6_addr saddr;
	struct in6_addr daddr;
	u8 dmac[ETH_ALEN];
	u8 hop_limit;
	u8 traffic_class;
	u32 flow_label;
	u8 sl;
	unsigned long dst_memo;
};

/**
 * struct sod_ah_entry - what a UD WQE's ah_num refers to
 * @av: address
 * @pdn: PD of the AH (must equal the QP's)
 * @rcu: freed with kfree_rcu() after destroy_ah
 */
struct sod_ah_entry {
	struct sod_av av;
	u32 pdn;
	struct rcu_head rcu;
};

/**
 * struct sod_ah - address handle
 * @ibah: first
 * @entry: the looked-up part, RCU-freed
 * @ah_num: number in sod_dev.ah_xa (1..SOD_MAX_AH)
 */
struct sod_ah {
	struct ib_ah ibah;
	struct sod_ah_entry *entry;
	u32 ah_num;
};

/* ------------------------------------------------------------------ */
/* Queue pairs (qp.c, req.c, resp.c, comp.c)                            */
/* ------------------------------------------------------------------ */

struct sod_qp;
struct sod_run;

/* Kernel-side state of one SQ slot, set when the requester first fetches it. */
enum sod_swqe_state {
	SOD_SWQE_NEW,		/* not started */
	SOD_SWQE_SENDING,	/* some packets sent */
	SOD_SWQE_SENT,		/* every request packet sent; awaiting ACK/data */
	SOD_SWQE_DONE,		/* acknowledged (or failed): complete in order */
};

/**
 * struct sod_swqe - the requester's private copy of one send WQE
 * @hdr: the WQE header as fetched (validated once; the SGE list or inline
 *	data is re-read from the ring on every (re)transmission)
 * @state: enum sod_swqe_state
 * @status: completion status once DONE (IB_WC_*)
 * @length: message length in bytes, fixed at fetch
 * @first_psn, @last_psn: PSNs the message uses (READ: of its responses)
 * @sent: request bytes sent so far (SEND/WRITE), for segmentation
 * @npkts: packets of the message (READ: response packets)
 * @av: UD: destination, resolved from ah_num at fetch
 * @dest_qpn, @qkey: UD: from the WQE
 */
struct sod_swqe {
	struct softodp_send_wqe hdr;
	u8 state;
	u8 status;
	u32 length;
	u32 first_psn;
	u32 last_psn;
	u32 sent;
	u32 npkts;
	struct sod_av av;
	u32 dest_qpn;
	u32 qkey;
};

/**
 * struct sod_rd_entry - responder's record of one READ or ATOMIC request,
 * kept for duplicate requests (max_dest_rd_atomic entries, oldest reused)
 * @valid: holds a request
 * @atomic: ATOMIC (else READ)
 * @psn, @last_psn: request PSN and last PSN of its response(s)
 * @va, @rkey, @len: READ: what to read
 * @orig: ATOMIC: the value returned (replayed for duplicates)
 */
struct sod_rd_entry {
	bool valid;
	bool atomic;
	u32 psn;
	u32 last_psn;
	u64 va;
	u32 rkey;
	u32 len;
	u64 orig;
};

/*
 * The two halves of a QP's protocol engine, each run in passes under its
 * own mutex (docs/locking.md, "Two pass units per QP"): the requester with
 * the completer (SQ, requests out, responses in, send completions) and the
 * responder (requests in, ACKs and READ responses out, RQ/SRQ, receive
 * completions).  The two run at the same time in different threads.
 */
enum sod_unit_id {
	SOD_UNIT_REQ,
	SOD_UNIT_RESP,
	SOD_UNITS
};

/**
 * struct sod_unit - one pass unit of a QP
 * @mutex: held by the unit's pass, and by modify_qp, query_qp, destroy;
 *	whoever holds it also takes the unit's owner bit (SOD_QP_EV_OWNED +
 *	@id in qp->events, qp.h), which guards the unit's state against the
 *	receive softirq's fast path (that only tries the bit, never waits)
 * @work: the unit's work item on sod_wq (runs a pass with @mutex held)
 * @rxq: packets for this unit (responses for the requester, requests for
 *	the responder), queued by the receive path
 * @run: under @mutex: the running pass's run list (struct sod_run)
 * @qp: the QP it belongs to
 * @id: SOD_UNIT_REQ or SOD_UNIT_RESP
 */
struct sod_unit {
	struct mutex mutex;
	struct work_struct work;
	struct sk_buff_head rxq;
	struct sod_run *run;
	struct sod_qp *qp;
	enum sod_unit_id id;
};

/*
 * sod_pkt_unit - the unit that takes a received packet: responses go to
 * the requester (its completer), requests to the responder.  Any context.
 */
static inline enum sod_unit_id sod_pkt_unit(struct sk_buff *skb)
{
	return SOD_PKT(skb)->flags & SOD_F_RESP ? SOD_UNIT_REQ : SOD_UNIT_RESP;
}

/**
 * struct sod_qp - queue pair
 * @ibqp: first
 * @sdev: device
 * @ref: lookups from the receive path hold a reference
 *	(sod_qp_get_rcu/sod_qp_put); destroy waits for zero on @ref_done
 * @qpn: ibqp.qp_num
 * @type: IB_QPT_RC, IB_QPT_UD or IB_QPT_GSI
 * @pd, @scq, @rcq, @srq: objects it uses (the core holds references)
 * @is_user: created through uverbs (rings are mapped)
 * @unit: the two pass units, requester+completer and responder, each
 *	with its own mutex, work item and receive queue (docs/locking.md,
 *	"Two pass units per QP"); modify_qp, query_qp and destroy take both
 *	mutexes, the requester's first
 * @state: QP state; written under @state_lock (and both unit mutexes,
 *	except sod_qp_error() from a pass, which holds one), read with
 *	READ_ONCE anywhere (post_send/post_recv check it without locks)
 * @state_lock: spinlock for @state changes seen by the posting verbs
 * @sq, @rq: rings (rq unused with an SRQ)
 * @sq_lock, @rq_lock: kernel consumers' post_send / post_recv producers
 * @swqe: requester's per-slot state, @sq num_slots entries
 * @attr: attributes set by modify_qp (under both unit mutexes; a pass
 *	holds one of them, so it reads them freely)
 * @retrans_timer, @rnr_timer: kick the requester unit when they fire
 * @tx_out: packets of this QP handed to the IP layer and not yet freed by
 *	it (queued in a qdisc, a driver's TX ring, a neighbour's queue);
 *	each holds a QP reference (sod_qp_tx_hold())
 */
struct sod_qp {
	struct ib_qp ibqp;
	struct sod_dev *sdev;
	refcount_t ref;
	struct completion ref_done;
	u32 qpn;
	enum ib_qp_type type;
	struct sod_pd *pd;
	struct sod_cq *scq;
	struct sod_cq *rcq;
	struct sod_srq *srq;
	bool is_user;
	bool sq_sig_all;

	struct sod_unit unit[SOD_UNITS];
	spinlock_t state_lock;
	enum ib_qp_state state;

	struct sod_queue sq;
	struct sod_queue rq;
	spinlock_t sq_lock;
	spinlock_t rq_lock;
	u32 max_send_wr;
	u32 max_send_sge;
	u32 max_inline;
	u32 max_recv_wr;
	u32 max_recv_sge;
	struct sod_swqe *swqe;

	struct {
		struct sod_av av;
		bool av_valid;
		u32 dest_qpn;
		u32 qkey;
		u16 pkey_index;
		enum ib_mtu path_mtu;
		u32 mtu;		/* bytes */
		int access;		/* IB_ACCESS_REMOTE_* allowed */
		u8 timeout;
		u8 retry_cnt;
		u8 rnr_retry;
		u8 min_rnr_timer;
		u8 max_rd_atomic;
		u8 max_dest_rd_atomic;
		u32 sq_psn;
		u32 rq_psn;
		u16 src_port;
		bool sq_draining;
	} attr;

	struct timer_list retrans_timer;
	struct timer_list rnr_timer;
	unsigned long events;		/* SOD_QP_EV_* bits, atomic bitops */
	atomic_t tx_out;
	bool destroyed;			/* under both unit mutexes */
	bool comm_est;			/* COMM_EST sent (responder) */
	bool last_wqe_sent;		/* LAST_WQE_REACHED sent; @state_lock */

	/* requester + completer: SOD_UNIT_REQ's pass only */
	struct {
		u32 fetch;		/* next SQ index to fetch from the ring */
		u32 cur;		/* SQ index being transmitted */
		u32 psn;		/* next PSN to send */
		u32 rd_atomic;		/* READ/ATOMIC outstanding */
		u32 last_psn_acked;	/* highest PSN acknowledged */
		struct sod_cwnd cwnd;	/* packets that may be in flight */
		u8 retry_left;
		u8 rnr_left;
		bool rnr_wait;		/* waiting for the RNR timer */
		bool need_rewind;	/* timer fired or NAK: go back */
		bool gap_rewound;	/* rewound for a lost response */
		u32 rewind_psn;
		unsigned long retrans_deadline;	/* jiffies */
	} req;

	/* responder: SOD_UNIT_RESP's pass only */
	struct {
		u32 epsn;		/* expected PSN */
		u32 msn;
		bool nak_sent;		/* PSN sequence NAK sent for epsn */
		u32 cur_op;		/* SOD_F_SEND or SOD_F_WRITE in progress */
		bool in_msg;		/* a multi-packet SEND/WRITE is in progress */
		bool have_rwqe;
		struct softodp_recv_wqe rwqe;
		struct softodp_sge rsge[SOD_MAX_SGE];
		u32 recv_off;		/* bytes received into rwqe */
		u32 recv_pf;		/* ODP: rwqe prefetched up to here */
		u32 wrkey;		/* rkey of the WRITE in progress */
		u64 wva;
		u32 wleft;
		u32 wlen;
		u64 wpf;		/* ODP: prefetched up to this address */
		struct sod_rd_entry *rd;	/* max_dest_rd_atomic entries */
		u32 rd_next;
		bool rd_streaming;	/* READ responses still to send */
		bool rd_first;		/* the next one opens the stream */
		u32 rd_psn;		/* PSN of the next READ response */
		u32 rd_last_psn;
		u64 rd_va;
		u32 rd_left;
		u32 rd_rkey;
		u32 rd_msn;		/* MSN that the last response carries */
		bool ack_pending;
		u32 ack_psn;
		u32 unacked;	/* requests executed since the last ACK/NAK */
	} resp;
};

static inline struct sod_dev *to_sod_dev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct sod_dev, ibdev);
}

static inline struct sod_ucontext *to_sod_uc(struct ib_ucontext *ibuc)
{
	return container_of(ibuc, struct sod_ucontext, ibuc);
}

static inline struct sod_pd *to_sod_pd(struct ib_pd *ibpd)
{
	return container_of(ibpd, struct sod_pd, ibpd);
}

static inline struct sod_cq *to_sod_cq(struct ib_cq *ibcq)
{
	return container_of(ibcq, struct sod_cq, ibcq);
}

static inline struct sod_srq *to_sod_srq(struct ib_srq *ibsrq)
{
	return container_of(ibsrq, struct sod_srq, ibsrq);
}

static inline struct sod_mr *to_sod_mr(struct ib_mr *ibmr)
{
	return container_of(ibmr, struct sod_mr, ibmr);
}

static inline struct sod_ah *to_sod_ah(struct ib_ah *ibah)
{
	return container_of(ibah, struct sod_ah, ibah);
}

static inline struct sod_qp *to_sod_qp(struct ib_qp *ibqp)
{
	return container_of(ibqp, struct sod_qp, ibqp);
}

static inline void sod_stat_inc(struct sod_dev *sdev, enum sod_stat s)
{
	atomic64_inc(&sdev->stats[s]);
}

static inline void sod_stat_add(struct sod_dev *sdev, enum sod_stat s, u64 n)
{
	atomic64_add(n, &sdev->stats[s]);
}

static inline struct sod_mmap_entry *
to_sod_mmap_entry(struct rdma_user_mmap_entry *e)
{
	return container_of(e, struct sod_mmap_entry, rdma_entry);
}

/*
 * sod_active_mtu - the largest IB MTU whose RoCEv2 packets fit in a netdev
 * MTU of @netdev_mtu bytes, at least 256 and at most 4096.  Pure; any
 * context.
 */
static inline enum ib_mtu sod_active_mtu(int netdev_mtu)
{
	enum ib_mtu mtu = iboe_get_mtu(netdev_mtu);

	return mtu ? min(mtu, IB_MTU_4096) : IB_MTU_256;
}

/*
 * sod_eth_speed_to_ib - express an Ethernet speed of @mbps Mb/s as the IB
 * link width and per-lane speed whose product is closest from above (the
 * usual RoCE convention), so that tools show a sensible rate.  Pure.
 */
static inline void sod_eth_speed_to_ib(u32 mbps, u16 *speed, u8 *width)
{
	static const struct {
		u32 max_mbps;
		u16 speed;
		u8 width;
	} map[] = {
		{ 2500, IB_SPEED_SDR, IB_WIDTH_1X },	/* 2.5 Gb/s */
		{ 5000, IB_SPEED_DDR, IB_WIDTH_1X },	/* 5 */
		{ 10000, IB_SPEED_FDR10, IB_WIDTH_1X },	/* 10 */
		{ 20000, IB_SPEED_DDR, IB_WIDTH_4X },	/* 20 */
		{ 25000, IB_SPEED_EDR, IB_WIDTH_1X },	/* 25 */
		{ 40000, IB_SPEED_FDR10, IB_WIDTH_4X },	/* 40 */
		{ 50000, IB_SPEED_HDR, IB_WIDTH_1X },	/* 50 */
		{ 100000, IB_SPEED_EDR, IB_WIDTH_4X },	/* 100 */
		{ 200000, IB_SPEED_HDR, IB_WIDTH_4X },	/* 200 */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (mbps <= map[i].max_mbps) {
			*speed = map[i].speed;
			*width = map[i].width;
			return;
		}
	}
	*speed = IB_SPEED_NDR;				/* 400 */
	*width = IB_WIDTH_4X;
}

/* Debug logging: dynamic debug only, prefixed with the device name. */
#define sod_dbg(sdev, fmt, ...) \
	ibdev_dbg(&(sdev)->ibdev, "%s: " fmt, __func__, ##__VA_ARGS__)

/* main.c */
void sod_dev_dealloc(struct ib_device *ibdev);

/* device.c */
void sod_dev_setup(struct sod_dev *sdev);
int sod_dev_register(struct sod_dev *sdev, const char *name);
enum ib_port_state sod_ndev_port_state(struct net_device *ndev);

/* verbs.c */
extern const struct ib_device_ops sod_verbs_ops;
struct rdma_user_mmap_entry *sod_mmap_entry_insert(struct sod_ucontext *uc,
						   size_t size, void **buf,
						   u64 *offset);

/* queue.c: rings (see struct sod_queue) */
int sod_queue_init(struct sod_dev *sdev, struct sod_queue *q,
		   struct ib_udata *udata, u32 min_slots, u32 slot_size);
void sod_queue_cleanup(struct sod_queue *q);
void *sod_queue_slot(struct sod_queue *q, u32 index);
u32 sod_queue_consumer_avail(struct sod_queue *q);
void sod_queue_consume(struct sod_queue *q);
u32 sod_queue_producer_space(struct sod_queue *q);
void sod_queue_produce(struct sod_queue *q);

/* cq.c */
extern const struct ib_device_ops sod_cq_ops;
int sod_cq_post(struct sod_cq *cq, const struct softodp_cqe *cqe,
		bool solicited);

/* srq.c */
extern const struct ib_device_ops sod_srq_ops;
int sod_srq_pop(struct sod_srq *srq, struct softodp_recv_wqe *wqe,
		struct softodp_sge *sge);

/* mr.c */
extern const struct ib_device_ops sod_mr_ops;
struct sod_mr *sod_mr_get(struct sod_dev *sdev, u32 key);
void sod_mr_put(struct sod_mr *mr);
bool sod_mr_key_pinned(struct sod_dev *sdev, u32 key);
int sod_mr_check(struct sod_mr *mr, u32 pdn, u64 iova, u64 len, int access);
int sod_mr_copy(struct sod_mr *mr, u64 iova, void *buf, u64 len,
		enum sod_copy_dir dir);
int sod_mr_atomic(struct sod_mr *mr, u64 iova, bool cmp_swap, u64 cmp,
		  u64 swap_add, u64 *orig);
void sod_mr_prefetch(struct sod_mr *mr, u64 iova, u64 len, bool write);

/*
 * Bytes of an operation an ODP MR maps ahead of the packets that need
 * them (docs/odp.md, "Prefetch").
 */
#define SOD_ODP_PREFETCH	(1U << 20)

/* odp.c */
int sod_odp_init(struct sod_mr *mr, u64 start, u64 length);
void sod_odp_fini(struct sod_mr *mr);
int sod_odp_copy(struct sod_mr *mr, u64 iova, void *buf, u64 len,
		 enum sod_copy_dir dir);
int sod_fill_stat_mr_entry(struct sk_buff *msg, struct ib_mr *ibmr);
int sod_odp_prefetch(struct sod_mr *mr, u64 iova, u64 len, bool write,
		     bool fault);
int sod_odp_atomic(struct sod_mr *mr, u64 iova,
		   u64 (*op)(u64 *p, bool cmp_swap, u64 cmp, u64 swap_add),
		   bool cmp_swap, u64 cmp, u64 swap_add, u64 *orig);

/* ah.c */
extern const struct ib_device_ops sod_ah_ops;
int sod_av_from_attr(struct sod_dev *sdev, struct sod_av *av,
		     const struct rdma_ah_attr *attr);
int sod_ah_lookup(struct sod_dev *sdev, u32 ah_num, u32 pdn,
		  struct sod_av *av);

/*
 * Units of QPs of this host that packets were handed to directly
 * (sod_pkt_xmit() to a local destination) while a thread ran passes: that
 * thread runs their passes next, instead of waking their work items.  On
 * the stack of sod_qp_run(); each entry holds a reference on its unit's
 * QP.  See docs/datapath.md, "Local delivery".
 */
#define SOD_RUN_MAX		8
struct sod_run {
	struct sod_unit *u[SOD_RUN_MAX];
	unsigned int n;
};

/* qp.c */
extern const struct ib_device_ops sod_qp_ops;
struct sod_qp *sod_qp_get_rcu(struct sod_dev *sdev, u32 qpn);
void sod_qp_put(struct sod_qp *qp);
void sod_qp_rcv(struct sod_qp *qp, struct sk_buff *skb, struct sod_run *run);

/* txq.c */
void sod_qp_tx_hold(struct sod_qp *qp, struct sk_buff *skb);

/* net.c */
struct sk_buff *sod_pkt_alloc(struct sod_dev *sdev, const struct sod_av *av,
			      unsigned int len);
int sod_pkt_xmit(struct sod_dev *sdev, struct sod_av *av,
		 u16 src_port, struct sk_buff *skb, struct sod_qp *owner,
		 struct sod_run *run);
int sod_net_init(void);
void sod_net_exit(void);
int sod_tunnel_get(struct sod_dev *sdev);
void sod_tunnel_put(struct sod_dev *sdev);

/* main.c: device list, used by net.c on namespace exit */
void sod_unregister_devices(struct net *net);

#endif /* SOFTODP_H */
