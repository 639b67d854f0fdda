// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Mapping the rings the kernel describes in create responses
 * (struct softodp_queue_info) into this process.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "softodp.h"

/*
 * Map the ring qi describes on the context's uverbs fd, after checking
 * that the description is consistent and that slots of at least
 * min_slot_size bytes can hold cap (<= num_slots) entries.  Returns 0 or
 * an errno: EPROTO for a description that breaks the ABI, or mmap's.
 */
int softodp_queue_map(struct ibv_context *ibctx, struct softodp_queue *q,
		      const struct softodp_queue_info *qi,
		      uint32_t min_slot_size, uint32_t cap)
{
	void *p;

	memset(q, 0, sizeof(*q));
	if (!softodp_queue_info_valid(qi, min_slot_size) || cap > qi->num_slots)
		return EPROTO;

	p = mmap(NULL, qi->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 ibctx->cmd_fd, (off_t)qi->mmap_offset);
	if (p == MAP_FAILED)
		return errno ? errno : ENOMEM;

	q->ring = p;
	q->map_len = qi->mmap_size;
	q->num_slots = qi->num_slots;
	q->slot_size = qi->slot_size;
	q->cap = cap;
	return 0;
}

void softodp_queue_unmap(struct softodp_queue *q)
{
	if (q->ring)
		munmap(q->ring, q->map_len);
	q->ring = NULL;
	q->map_len = 0;
}
