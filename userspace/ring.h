/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rings shared with the kernel (struct softodp_ring and its slots, see
 * <rdma/softodp-abi.h>): index arithmetic, slot addressing, validation of
 * the kernel's description, and the ordered accesses to the indices.
 *
 * Pure: no system calls, no libibverbs, no locks.  The caller serialises
 * the side of the ring it owns (one lock per queue in the provider), and
 * struct softodp_queue works the same over an mmap()ed ring or over plain
 * memory in the unit tests.
 *
 * Indices are free-running 32-bit counters: they wrap at 2^32, the slot is
 * index & (num_slots - 1), and prod - cons (mod 2^32) is the number of
 * entries in the ring, which is only meaningful because num_slots <= 2^31.
 */
#ifndef SOFTODP_RING_H
#define SOFTODP_RING_H

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/softodp-abi.h>

/* One mapped ring as this side of it sees it. */
struct softodp_queue {
	struct softodp_ring *ring;	/* header; slots follow; NULL: none */
	size_t map_len;			/* bytes mapped at ring */
	uint32_t num_slots;		/* power of two */
	uint32_t slot_size;		/* bytes, multiple of 64 */
	uint32_t cap;			/* most entries this side lets in */
	uint32_t index;			/* the index this side owns: prod for
					 * SQ/RQ/SRQ, cons for a CQ */
};

static inline bool softodp_is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Entries in a ring (mod 2^32). */
static inline uint32_t softodp_ring_used(uint32_t prod, uint32_t cons)
{
	return prod - cons;
}

static inline bool softodp_ring_empty(uint32_t prod, uint32_t cons)
{
	return prod == cons;
}

/* Full against a capacity (num_slots, or a smaller granted max_wr). */
static inline bool softodp_ring_full(uint32_t prod, uint32_t cons,
				     uint32_t cap)
{
	return softodp_ring_used(prod, cons) >= cap;
}

/* Free entries against a capacity; 0 if the indices claim more than cap. */
static inline uint32_t softodp_ring_room(uint32_t prod, uint32_t cons,
					 uint32_t cap)
{
	uint32_t used = softodp_ring_used(prod, cons);

	return used >= cap ? 0 : cap - used;
}

/* Byte offset of the slot that holds index idx, from the ring header. */
static inline size_t softodp_ring_slot_offset(uint32_t num_slots,
					      uint32_t slot_size, uint32_t idx)
{
	return SOFTODP_RING_HDR_SIZE +
	       (size_t)(idx & (num_slots - 1)) * slot_size;
}

static inline void *softodp_queue_slot(const struct softodp_queue *q,
				       uint32_t idx)
{
	return (char *)q->ring +
	       softodp_ring_slot_offset(q->num_slots, q->slot_size, idx);
}

/*
 * Is the kernel's description of a ring usable: num_slots a power of two
 * (at most 2^31), slot_size a multiple of 64 and at least min_slot_size,
 * the mapping large enough for the header and every slot.
 */
static inline bool softodp_queue_info_valid(const struct softodp_queue_info *qi,
					    uint32_t min_slot_size)
{
	uint64_t need;

	if (!softodp_is_pow2(qi->num_slots) || qi->num_slots > (1U << 31))
		return false;
	if (qi->slot_size == 0 || qi->slot_size % 64 ||
	    qi->slot_size < min_slot_size)
		return false;
	need = SOFTODP_RING_HDR_SIZE + (uint64_t)qi->num_slots * qi->slot_size;
	return qi->mmap_size >= need;
}

/* A queue_info of all zeros: the ring does not exist (RQ on an SRQ). */
static inline bool softodp_queue_info_absent(const struct softodp_queue_info *qi)
{
	return !qi->mmap_offset && !qi->mmap_size && !qi->num_slots &&
	       !qi->slot_size;
}

/*
 * Ordered accesses to the shared header.  The fields are plain __u32 in
 * the uAPI; they are naturally aligned, so an _Atomic uint32_t view of
 * them is lock-free and has the same representation.
 */
static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t),
	      "atomic view of a ring index");

#define SOFTODP_RING_ATOMIC(field) ((_Atomic uint32_t *)(void *)&(field))

/* Read the index the other side owns: pairs with its store-release. */
static inline uint32_t softodp_ring_load_acquire(uint32_t *field)
{
	return atomic_load_explicit(SOFTODP_RING_ATOMIC(*field),
				    memory_order_acquire);
}

/* Publish an index this side owns after the slots it covers. */
static inline void softodp_ring_store_release(uint32_t *field, uint32_t val)
{
	atomic_store_explicit(SOFTODP_RING_ATOMIC(*field), val,
			      memory_order_release);
}

static inline uint32_t softodp_ring_load_relaxed(uint32_t *field)
{
	return atomic_load_explicit(SOFTODP_RING_ATOMIC(*field),
				    memory_order_relaxed);
}

/*
 * Producer side of the SQ doorbell protocol: after prod is published, a
 * full barrier (pairs with the kernel's "set flag; smp_mb(); re-read
 * prod"), then is the kernel's worker idle?  Either the kernel sees the
 * new prod or we see the flag, never neither.
 */
static inline bool softodp_ring_publish_needs_doorbell(struct softodp_ring *r,
						       uint32_t prod)
{
	softodp_ring_store_release(&r->prod, prod);
	atomic_thread_fence(memory_order_seq_cst);
	return softodp_ring_load_relaxed(&r->flags) & SOFTODP_RING_F_DOORBELL;
}

#endif /* SOFTODP_RING_H */
