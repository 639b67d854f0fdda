// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ring arithmetic of userspace/ring.h: free-running 32-bit indices
 * that wrap at 2^32, full/empty against a capacity, slot addressing, the
 * validation of the kernel's queue description, and a producer/consumer
 * pair running over one ring in plain memory.
 */
#include <stdlib.h>

#include "ring.h"
#include "sod_test.h"

static void check_arith(void)
{
	CHECK(softodp_ring_empty(0, 0));
	CHECK(softodp_ring_empty(0xffffffffu, 0xffffffffu));
	CHECK(!softodp_ring_empty(1, 0));
	CHECK_EQ_U64(softodp_ring_used(5, 0), 5);

	/* Across the 2^32 wrap. */
	CHECK_EQ_U64(softodp_ring_used(2, 0xfffffffeu), 4);
	CHECK_EQ_U64(softodp_ring_used(0, 0xffffffffu), 1);
	CHECK(softodp_ring_full(2, 0xfffffffeu, 4));
	CHECK(!softodp_ring_full(1, 0xfffffffeu, 4));
	CHECK_EQ_U64(softodp_ring_room(1, 0xfffffffeu, 4), 1);
	CHECK_EQ_U64(softodp_ring_room(0x80000000u, 0x7ffffff0u, 64), 48);

	/* Capacity below num_slots (a granted max_wr). */
	CHECK(softodp_ring_full(3, 0, 3));
	CHECK(!softodp_ring_full(2, 0, 3));
	CHECK(softodp_ring_full(0, 0, 0));

	/* Indices that claim more than the capacity: no room, still full. */
	CHECK_EQ_U64(softodp_ring_room(100, 0, 16), 0);
	CHECK(softodp_ring_full(100, 0, 16));

	CHECK(softodp_is_pow2(1));
	CHECK(softodp_is_pow2(1u << 31));
	CHECK(!softodp_is_pow2(0));
	CHECK(!softodp_is_pow2(3));
	CHECK(!softodp_is_pow2(0xffffffffu));
}

static void check_slots(void)
{
	CHECK_EQ_U64(softodp_ring_slot_offset(8, 64, 0), 256);
	CHECK_EQ_U64(softodp_ring_slot_offset(8, 64, 7), 256 + 7 * 64);
	CHECK_EQ_U64(softodp_ring_slot_offset(8, 64, 8), 256);
	CHECK_EQ_U64(softodp_ring_slot_offset(8, 128, 13), 256 + 5 * 128);
	CHECK_EQ_U64(softodp_ring_slot_offset(8, 64, 0xffffffffu), 256 + 7 * 64);
	/* Large rings: no 32-bit overflow of the offset. */
	CHECK_EQ_U64(softodp_ring_slot_offset(1u << 31, 4096, 0x7fffffffu),
		     256 + (uint64_t)0x7fffffff * 4096);
}

static void check_info(void)
{
	struct softodp_queue_info qi = {
		.mmap_offset = 4096,
		.mmap_size = 4096,
		.num_slots = 32,
		.slot_size = 64,
	};

	CHECK(softodp_queue_info_valid(&qi, 64));
	CHECK(!softodp_queue_info_valid(&qi, 65));	/* slot too small */
	qi.num_slots = 64;				/* 256 + 4096 > 4096 */
	CHECK(!softodp_queue_info_valid(&qi, 64));
	qi.mmap_size = 8192;
	CHECK(softodp_queue_info_valid(&qi, 64));
	qi.num_slots = 48;				/* not a power of two */
	CHECK(!softodp_queue_info_valid(&qi, 64));
	qi.num_slots = 0;
	CHECK(!softodp_queue_info_valid(&qi, 0));
	qi.num_slots = 16;
	qi.slot_size = 96;				/* not a multiple of 64 */
	CHECK(!softodp_queue_info_valid(&qi, 64));
	qi.slot_size = 0;
	CHECK(!softodp_queue_info_valid(&qi, 0));
	/* num_slots * slot_size overflowing 32 bits is caught. */
	qi.num_slots = 1u << 30;
	qi.slot_size = 64;
	qi.mmap_size = 0xfffff000u;
	CHECK(!softodp_queue_info_valid(&qi, 64));

	memset(&qi, 0, sizeof(qi));
	CHECK(softodp_queue_info_absent(&qi));
	qi.num_slots = 1;
	CHECK(!softodp_queue_info_absent(&qi));
}

/* A producer and a consumer over one ring, wrapping the indices. */
static void check_queue(void)
{
	enum { SLOTS = 8, SLOT = 64 };
	struct softodp_queue prod_side, cons_side;
	void *mem = aligned_alloc(64, SOFTODP_RING_HDR_SIZE + SLOTS * SLOT);
	struct softodp_ring *r = mem;
	uint32_t start = 0xfffffffau;	/* wraps after 6 entries */
	uint64_t next_put = 0, next_get = 0;

	CHECK(mem != NULL);
	if (!mem)
		return;
	memset(mem, 0, SOFTODP_RING_HDR_SIZE + SLOTS * SLOT);
	r->prod = start;
	r->cons = start;

	prod_side = (struct softodp_queue){ .ring = r, .num_slots = SLOTS,
					    .slot_size = SLOT, .cap = SLOTS,
					    .index = r->prod };
	cons_side = prod_side;
	cons_side.index = r->cons;

	for (int round = 0; round < 40; round++) {
		int puts = round % 11, gets = (round * 7) % 10;

		for (int i = 0; i < puts; i++) {
			uint32_t cons = softodp_ring_load_acquire(&r->cons);

			if (softodp_ring_full(prod_side.index, cons, prod_side.cap))
				break;
			memcpy(softodp_queue_slot(&prod_side, prod_side.index),
			       &next_put, sizeof(next_put));
			next_put++;
			prod_side.index++;
		}
		softodp_ring_store_release(&r->prod, prod_side.index);
		CHECK(softodp_ring_used(r->prod, r->cons) <= SLOTS);

		for (int i = 0; i < gets; i++) {
			uint32_t prod = softodp_ring_load_acquire(&r->prod);
			uint64_t v;

			if (softodp_ring_empty(prod, cons_side.index))
				break;
			memcpy(&v, softodp_queue_slot(&cons_side, cons_side.index),
			       sizeof(v));
			CHECK_EQ_U64(v, next_get);
			next_get++;
			cons_side.index++;
		}
		softodp_ring_store_release(&r->cons, cons_side.index);
	}
	CHECK(next_get > 16);
	CHECK(r->prod < start);		/* wrapped */

	/* The doorbell decision follows the kernel's flag. */
	r->flags = 0;
	CHECK(!softodp_ring_publish_needs_doorbell(r, r->prod + 0));
	r->flags = SOFTODP_RING_F_DOORBELL;
	CHECK(softodp_ring_publish_needs_doorbell(r, r->prod));
	free(mem);
}

int main(void)
{
	check_arith();
	check_slots();
	check_info();
	check_queue();
	return sod_test_done("test_ring");
}
