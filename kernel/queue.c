// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: rings shared between the kernel and the provider (SQ, RQ, SRQ,
 * CQ).  Layout and ownership rules: include/uapi/rdma/softodp-abi.h and
 * docs/datapath.md.
 *
 * The index the kernel owns lives in sod_queue.index, out of userspace's
 * reach; the ring header only mirrors it.  The other index is written by
 * the provider (or, for kernel objects, by the kernel's own posting or
 * polling verb) and is never trusted: every helper here that reads it
 * tolerates any value.
 */
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <rdma/uverbs_ioctl.h>

#include "softodp.h"

/* Slot sizes are multiples of a cache line so slots never share one. */
#define SOD_SLOT_ALIGN		64
/* Largest ring we ever build; the verbs' own limits are far below it. */
#define SOD_QUEUE_MAX_SLOTS	(1U << 20)

/*
 * sod_queue_init - allocate an empty ring of at least @min_slots slots of
 * at least @slot_size bytes.  With @udata (an object created through
 * uverbs) the ring is user-mappable memory published in the caller's
 * ucontext and @q->info says where; without it, plain vzalloc() memory.
 * Process context, may sleep.  Returns 0 or a negative errno.
 */
int sod_queue_init(struct sod_dev *sdev, struct sod_queue *q,
		   struct ib_udata *udata, u32 min_slots, u32 slot_size)
{
	struct sod_ucontext *uc;
	u32 num_slots;
	size_t size;
	void *buf;
	u64 offset;

	memset(q, 0, sizeof(*q));
	min_slots = max(min_slots, 1U);
	if (min_slots > SOD_QUEUE_MAX_SLOTS || !slot_size ||
	    slot_size > SZ_64K) {
		sod_dbg(sdev, "bad ring geometry %u x %u\n", min_slots,
			slot_size);
		return -EINVAL;
	}
	num_slots = roundup_pow_of_two(min_slots);
	slot_size = ALIGN(slot_size, SOD_SLOT_ALIGN);
	size = PAGE_ALIGN(SOFTODP_RING_HDR_SIZE + (size_t)num_slots * slot_size);
	if (size > U32_MAX)
		return -EINVAL;

	if (udata) {
		uc = rdma_udata_to_drv_context(udata, struct sod_ucontext,
					       ibuc);
		if (!uc)
			return -EINVAL;
		q->mmap_entry = sod_mmap_entry_insert(uc, size, &buf, &offset);
		if (IS_ERR(q->mmap_entry)) {
			int err = PTR_ERR(q->mmap_entry);

			q->mmap_entry = NULL;
			return err;
		}
		q->info.mmap_offset = offset;
		q->info.mmap_size = size;
	} else {
		buf = vzalloc(size);
		if (!buf)
			return -ENOMEM;
	}

	q->ring = buf;
	q->slots = buf + SOFTODP_RING_HDR_SIZE;
	q->mask = num_slots - 1;
	q->slot_size = slot_size;
	q->index = 0;
	q->info.num_slots = num_slots;
	q->info.slot_size = slot_size;
	return 0;
}

/*
 * sod_queue_cleanup - release the ring.  A user ring's mmap entry is
 * removed; its memory stays until the provider unmaps it (sod_mmap_free).
 * Safe on a zeroed or already cleaned queue.  Process context, may sleep.
 */
void sod_queue_cleanup(struct sod_queue *q)
{
	if (q->mmap_entry)
		rdma_user_mmap_entry_remove(q->mmap_entry);
	else
		vfree(q->ring);
	memset(q, 0, sizeof(*q));
}

/*
 * sod_queue_slot - address of the slot that free-running index @index
 * designates.  Pure; any context.
 */
void *sod_queue_slot(struct sod_queue *q, u32 index)
{
	return q->slots + (size_t)(index & q->mask) * q->slot_size;
}

/*
 * sod_queue_consumer_avail - entries the other side has produced and the
 * kernel has not consumed yet (SQ, RQ, SRQ).  The acquire pairs with the
 * producer's release of prod, so the slots are visible once counted.  A
 * result above the number of slots means a broken producer; the caller
 * decides what that costs.  Any context; the caller serialises the
 * consumer side.
 */
u32 sod_queue_consumer_avail(struct sod_queue *q)
{
	/* pairs with the producer's release of prod: slots visible */
	return smp_load_acquire(&q->ring->prod) - q->index;
}

/*
 * sod_queue_consume - the kernel is done with the oldest entry: advance
 * its consumer index and publish it (release: every read of the slot
 * happens before the producer may reuse it).  Any context; the caller
 * serialises the consumer side.
 */
void sod_queue_consume(struct sod_queue *q)
{
	q->index++;
	/* our reads of the slot happen before the producer reuses it */
	smp_store_release(&q->ring->cons, q->index);
}

/*
 * sod_queue_producer_space - free slots the kernel may fill (CQ).  The
 * consumer index comes from the other side: a value that claims more
 * entries in use than the ring has yields 0.  The acquire orders the read
 * of cons before the caller's writes into the freed slot.  Any context;
 * the caller serialises the producer side.
 */
u32 sod_queue_producer_space(struct sod_queue *q)
{
	u32 num_slots = q->mask + 1;
	/* orders the read of cons before the caller's slot writes */
	u32 used = q->index - smp_load_acquire(&q->ring->cons);

	return used > num_slots ? 0 : num_slots - used;
}

/*
 * sod_queue_produce - publish the slot just written: advance the
 * kernel's producer index and store it with release semantics so that the
 * consumer sees the slot's contents first.  Any context; the caller
 * serialises the producer side.
 */
void sod_queue_produce(struct sod_queue *q)
{
	q->index++;
	/* the slot's contents are visible before the new prod */
	smp_store_release(&q->ring->prod, q->index);
}
