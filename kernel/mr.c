// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: memory regions.
 *
 * An MR's key is its index in sod_dev.mr_xa shifted left by 8, ORed with
 * an 8-bit generation tag, so a stale key rarely finds a new MR of the
 * same index.  lkey == rkey.  The data path finds an MR with sod_mr_get()
 * (RCU lookup plus a reference), checks it with sod_mr_check() and moves
 * data with sod_mr_copy() / sod_mr_atomic() from the QP's work item.
 * dereg_mr unpublishes the MR, waits for the in-flight references to
 * drain and frees it after an RCU grace period.
 *
 * DMA MRs (get_dma_mr, kernel consumers only) cover every address: the
 * device has no DMA device (ib_uses_virt_dma()), so the addresses kernel
 * consumers post are kernel virtual addresses.  User MRs are pinned with
 * ib_umem_get() and reached page by page through mr->pages, unless they
 * are registered with IB_ACCESS_ON_DEMAND: then nothing is pinned and
 * odp.c maps pages on demand (docs/odp.md).
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <rdma/ib_umem.h>

#include "softodp.h"

/* Access rights a user MR may carry (anything else is refused). */
#define SOD_MR_ACCESS_ALLOWED	IB_ACCESS_SUPPORTED

/*
 * sod_mr_alloc - a zeroed MR of @pd, not yet published.  Process context,
 * may sleep.
 */
static struct sod_mr *sod_mr_alloc(struct ib_pd *pd, int access)
{
	struct sod_mr *mr;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return NULL;
	mr->sdev = to_sod_dev(pd->device);
	mr->pdn = to_sod_pd(pd)->pdn;
	mr->access = access;
	init_completion(&mr->done);
	return mr;
}

/*
 * sod_mr_publish - give @mr its key and make it findable by sod_mr_get().
 * The index is reserved first and the fully initialised MR stored after,
 * so a lookup never sees a half-built MR.  Process context, may sleep.
 */
static int sod_mr_publish(struct sod_mr *mr)
{
	struct sod_dev *sdev = mr->sdev;
	void *old;
	u32 index;
	u32 key;
	int err;

	err = xa_alloc(&sdev->mr_xa, &index, NULL, XA_LIMIT(1, SOD_MAX_MR),
		       GFP_KERNEL);
	if (err) {
		sod_dbg(sdev, "no MR index left (%d)\n", err);
		return err == -EBUSY ? -ENOMEM : err;
	}
	key = index << 8 | (u8)atomic_inc_return(&sdev->mr_tag);
	mr->ibmr.lkey = key;
	mr->ibmr.rkey = key;
	refcount_set(&mr->ref, 1);
	/* Replaces the reservation: needs no memory, cannot fail. */
	old = xa_store(&sdev->mr_xa, index, mr, GFP_KERNEL);
	if (xa_is_err(old)) {
		xa_erase(&sdev->mr_xa, index);
		return xa_err(old);
	}
	return 0;
}

/*
 * sod_mr_free - release what a (no longer findable, unused) MR holds.
 * @published: sod_mr_get() may still be looking at it: free after an RCU
 * grace period.  Process context, may sleep.
 */
static void sod_mr_free(struct sod_mr *mr, bool published)
{
	if (mr->type == SOD_MR_ODP)
		sod_odp_fini(mr);
	if (mr->umem)
		ib_umem_release(mr->umem);
	kvfree(mr->pages);
	if (published)
		kfree_rcu(mr, rcu);
	else
		kfree(mr);
}

/*
 * sod_mr_get - look up the MR whose lkey/rkey is @key and take a reference
 * on it; NULL if there is none (or it is being deregistered).  Any
 * context; pair with sod_mr_put().
 */
struct sod_mr *sod_mr_get(struct sod_dev *sdev, u32 key)
{
	struct sod_mr *mr;

	rcu_read_lock();
	mr = xa_load(&sdev->mr_xa, key >> 8);
	if (mr && (mr->ibmr.lkey != key || !refcount_inc_not_zero(&mr->ref)))
		mr = NULL;
	rcu_read_unlock();
	return mr;
}

/*
 * sod_mr_put - drop a reference taken by sod_mr_get().  The last one
 * wakes dereg_mr.  Any context.
 */
void sod_mr_put(struct sod_mr *mr)
{
	if (refcount_dec_and_test(&mr->ref))
		complete(&mr->done);
}

/*
 * sod_mr_in_range - [@iova, @iova + @len) lies inside the MR.  Written so
 * that no sum can wrap.  Pure.
 */
static bool sod_mr_in_range(const struct sod_mr *mr, u64 iova, u64 len)
{
	u64 off;

	if (iova < mr->iova)
		return false;
	off = iova - mr->iova;
	return off <= mr->length && len <= mr->length - off;
}

/*
 * sod_mr_check - may an access of @len bytes at @iova, needing the
 * IB_ACCESS_* rights @access (0: local read, always granted), be made
 * through @mr by a QP of PD number @pdn?  Returns 0, -EPERM (other PD),
 * -EACCES (missing rights) or -ERANGE (outside the MR).  A zero-length
 * access is in range anywhere.  Any context.
 */
int sod_mr_check(struct sod_mr *mr, u32 pdn, u64 iova, u64 len, int access)
{
	if (mr->pdn != pdn)
		return -EPERM;
	if ((mr->access & access) != access)
		return -EACCES;
	if (len && !sod_mr_in_range(mr, iova, len))
		return -ERANGE;
	return 0;
}

/*
 * sod_mr_page - the page of a user MR that holds @iova (already known to
 * be inside the MR) and the offset of @iova in it; NULL if the page table
 * does not reach it.  Pure.
 */
static struct page *sod_mr_page(const struct sod_mr *mr, u64 iova,
				unsigned int *poff)
{
	u64 off = iova - mr->iova + mr->page_off;
	u64 idx = off >> PAGE_SHIFT;

	if (idx >= mr->npages)
		return NULL;
	*poff = off & ~PAGE_MASK;
	return mr->pages[idx];
}

/*
 * sod_mr_copy - copy @len bytes between @buf and the MR at @iova, in the
 * direction @dir.  The caller checked the range and rights with
 * sod_mr_check() and holds a reference.  Returns 0, -ERANGE or -EFAULT.
 * A QP pass, process context: may sleep (an ODP MR faults pages in
 * here); or, for a pinned or DMA MR only, the receive softirq's fast path
 * (sod_resp_fast()), which never sleeps here.
 */
int sod_mr_copy(struct sod_mr *mr, u64 iova, void *buf, u64 len,
		enum sod_copy_dir dir)
{
	unsigned int poff;
	struct page *page;
	size_t chunk;
	void *va;

	if (!len)
		return 0;
	if (!sod_mr_in_range(mr, iova, len))
		return -ERANGE;

	if (mr->type == SOD_MR_DMA) {
		va = (void *)(uintptr_t)iova;
		if (dir == SOD_COPY_TO_MR)
			memcpy(va, buf, len);
		else
			memcpy(buf, va, len);
		return 0;
	}
	if (mr->type == SOD_MR_ODP) {
		/*
		 * The receive softirq checks for ODP before it copies; a key
		 * re-registered as ODP in between is refused, not faulted.
		 */
		if (!in_task())
			return -EFAULT;
		might_sleep();
		return sod_odp_copy(mr, iova, buf, len, dir);
	}

	while (len) {
		page = sod_mr_page(mr, iova, &poff);
		if (!page)
			return -EFAULT;
		chunk = min_t(u64, len, PAGE_SIZE - poff);
		va = kmap_local_page(page);
		if (dir == SOD_COPY_TO_MR)
			memcpy(va + poff, buf, chunk);
		else
			memcpy(buf, va + poff, chunk);
		kunmap_local(va);
		buf += chunk;
		iova += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * sod_atomic64 - compare-and-swap or fetch-and-add on @p, atomic with
 * respect to every other CPU (and so to user threads using the same
 * memory); returns the previous value.  @p is 8-byte aligned.  Any context.
 */
static u64 sod_atomic64(u64 *p, bool cmp_swap, u64 cmp, u64 swap_add)
{
	u64 old, cur;

	if (cmp_swap)
		return cmpxchg64(p, cmp, swap_add);

	cur = READ_ONCE(*p);
	do {
		old = cur;
		cur = cmpxchg64(p, old, old + swap_add);
	} while (cur != old);
	return old;
}

/*
 * sod_mr_atomic - execute an IB atomic on the 8 bytes at @iova:
 * compare-and-swap (@cmp_swap: if equal to @cmp, store @swap_add) or
 * fetch-and-add (add @swap_add).  *@orig gets the previous value.  The
 * caller checked the rights and holds a reference.  Returns 0, -EINVAL
 * (not 8-byte aligned), -ERANGE or -EFAULT.  Process context (the QP
 * worker); may sleep.
 */
int sod_mr_atomic(struct sod_mr *mr, u64 iova, bool cmp_swap, u64 cmp,
		  u64 swap_add, u64 *orig)
{
	unsigned int poff;
	struct page *page;
	void *va;

	might_sleep();
	if (iova & 7)
		return -EINVAL;
	if (!sod_mr_in_range(mr, iova, 8))
		return -ERANGE;

	if (mr->type == SOD_MR_DMA) {
		*orig = sod_atomic64((u64 *)(uintptr_t)iova, cmp_swap, cmp,
				     swap_add);
		return 0;
	}
	if (mr->type == SOD_MR_ODP)
		return sod_odp_atomic(mr, iova, sod_atomic64, cmp_swap, cmp,
				      swap_add, orig);

	page = sod_mr_page(mr, iova, &poff);
	if (!page)
		return -EFAULT;
	/* The MR's iova and user address may differ in their low bits. */
	if (poff & 7)
		return -EINVAL;
	va = kmap_local_page(page);
	*orig = sod_atomic64(va + poff, cmp_swap, cmp, swap_add);
	kunmap_local(va);
	return 0;
}

/*
 * sod_mr_key_pinned - does @key (an lkey or rkey) name a pinned or DMA
 * MR, whose memory any context may touch?  No for an ODP MR (its pages
 * are under a mutex and may need a fault) and for an unknown key (the
 * pass reports that).  The receive fast paths ask it.  Any context.
 */
bool sod_mr_key_pinned(struct sod_dev *sdev, u32 key)
{
	struct sod_mr *mr = sod_mr_get(sdev, key);
	bool ok = mr && mr->type != SOD_MR_ODP;

	if (mr)
		sod_mr_put(mr);
	return ok;
}

/*
 * sod_mr_prefetch - an operation is about to access [@iova, @iova + @len)
 * of @mr (writing if @write): for an ODP MR, map up to SOD_ODP_PREFETCH
 * bytes of it now, in batches, faulting what is missing.  Best effort:
 * a failure shows up in the access itself.  The caller checked rights and
 * range and holds a reference.  Process context (QP worker), may sleep;
 * outside it (the receive fast path's softirq) it does nothing.
 */
void sod_mr_prefetch(struct sod_mr *mr, u64 iova, u64 len, bool write)
{
	if (mr->type != SOD_MR_ODP || !len || !sod_mr_in_range(mr, iova, len) ||
	    !in_task())
		return;
	sod_odp_prefetch(mr, iova, min_t(u64, len, SOD_ODP_PREFETCH), write,
			 true);
}

/*
 * sod_advise_mr - ops.advise_mr (ibv_advise_mr): prefetch the SGEs' ranges
 * of ODP MRs, for reading, for writing (the MR needs LOCAL_WRITE), or
 * mapping only what is present (NO_FAULT).  Done synchronously, so
 * IB_UVERBS_ADVISE_MR_FLAG_FLUSH needs nothing more.  Returns 0,
 * -EOPNOTSUPP (unknown advice or flag), -EINVAL (unknown lkey, other PD,
 * not an ODP MR, outside the MR, no LOCAL_WRITE for PREFETCH_WRITE) or
 * -EFAULT (a page could not be faulted).  Process context, may sleep.
 */
static int sod_advise_mr(struct ib_pd *pd,
			 enum ib_uverbs_advise_mr_advice advice, u32 flags,
			 struct ib_sge *sg_list, u32 num_sge,
			 struct uverbs_attr_bundle *attrs)
{
	struct sod_dev *sdev = to_sod_dev(pd->device);
	bool write = false, fault = true;
	struct sod_mr *mr;
	u32 i;
	int err;

	switch (advice) {
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH:
		break;
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_WRITE:
		write = true;
		break;
	case IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT:
		fault = false;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (flags & ~IB_UVERBS_ADVISE_MR_FLAG_FLUSH)
		return -EOPNOTSUPP;

	for (i = 0; i < num_sge; i++) {
		mr = sod_mr_get(sdev, sg_list[i].lkey);
		if (!mr)
			return -EINVAL;
		err = -EINVAL;
		if (mr->type == SOD_MR_ODP &&
		    !sod_mr_check(mr, to_sod_pd(pd)->pdn, sg_list[i].addr,
				  sg_list[i].length,
				  write ? IB_ACCESS_LOCAL_WRITE : 0))
			err = sod_odp_prefetch(mr, sg_list[i].addr,
					       sg_list[i].length, write, fault);
		sod_mr_put(mr);
		if (err)
			return err == -EINVAL ? err : -EFAULT;
	}
	return 0;
}

/*
 * sod_get_dma_mr - ops.get_dma_mr: an MR over all kernel memory, for
 * kernel consumers (the core uses it for pd->local_dma_lkey).  Process
 * context, may sleep.
 */
static struct ib_mr *sod_get_dma_mr(struct ib_pd *pd, int access)
{
	struct sod_mr *mr;
	int err;

	mr = sod_mr_alloc(pd, access);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	mr->type = SOD_MR_DMA;
	mr->iova = 0;
	mr->length = U64_MAX;
	mr->ibmr.iova = 0;
	mr->ibmr.length = U64_MAX;

	err = sod_mr_publish(mr);
	if (err) {
		sod_mr_free(mr, false);
		return ERR_PTR(err);
	}
	return &mr->ibmr;
}

/*
 * sod_mr_user_create - pin [@start, @start + @length) of the calling
 * process (or, with IB_ACCESS_ON_DEMAND, watch it with an MMU notifier)
 * and build a published MR of @pd addressed from @iova.  Process context,
 * may sleep.
 */
static struct sod_mr *sod_mr_user_create(struct ib_pd *pd, u64 start,
					 u64 length, u64 iova, int access)
{
	struct sod_dev *sdev = to_sod_dev(pd->device);
	struct sg_page_iter piter;
	struct ib_umem *umem;
	unsigned long i = 0;
	struct sod_mr *mr;
	int err;

	if (access & ~SOD_MR_ACCESS_ALLOWED) {
		sod_dbg(sdev, "unknown access flags %#x\n", access);
		return ERR_PTR(-EINVAL);
	}
	if ((access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC)) &&
	    !(access & IB_ACCESS_LOCAL_WRITE)) {
		sod_dbg(sdev, "remote write/atomic without local write\n");
		return ERR_PTR(-EINVAL);
	}
	/*
	 * Implicit ODP (addr NULL, length SIZE_MAX): one MR for the whole
	 * user address space, iova == virtual address.
	 */
	if ((access & IB_ACCESS_ON_DEMAND) && !start && !iova &&
	    length == U64_MAX)
		length = TASK_SIZE;
	else if (!length || length > SOD_MAX_MR_SIZE ||
		 iova > U64_MAX - length) {
		sod_dbg(sdev, "bad length %#llx at iova %#llx\n", length, iova);
		return ERR_PTR(-EINVAL);
	}

	mr = sod_mr_alloc(pd, access);
	if (!mr)
		return ERR_PTR(-ENOMEM);

	if (access & IB_ACCESS_ON_DEMAND) {
		err = sod_odp_init(mr, start, length);
		if (err) {
			sod_dbg(sdev, "ODP registration failed (%d)\n", err);
			goto err_free;
		}
		mr->type = SOD_MR_ODP;
		goto publish;
	}

	umem = ib_umem_get(pd->device, start, length, access);
	if (IS_ERR(umem)) {
		err = PTR_ERR(umem);
		sod_dbg(sdev, "ib_umem_get failed (%d)\n", err);
		goto err_free;
	}
	mr->umem = umem;
	mr->npages = ib_umem_num_pages(umem);
	mr->pages = kvcalloc(mr->npages, sizeof(*mr->pages), GFP_KERNEL);
	if (!mr->pages) {
		err = -ENOMEM;
		goto err_free;
	}
	for_each_sgtable_page(&umem->sgt_append.sgt, &piter, 0) {
		if (i == mr->npages)
			break;
		mr->pages[i++] = sg_page_iter_page(&piter);
	}
	if (i != mr->npages) {
		err = -EFAULT;
		goto err_free;
	}

	mr->type = SOD_MR_USER;
	mr->page_off = ib_umem_offset(umem);
publish:
	mr->iova = iova;
	mr->length = length;
	mr->ibmr.iova = iova;
	mr->ibmr.length = length;

	err = sod_mr_publish(mr);
	if (err)
		goto err_free;
	return mr;

err_free:
	sod_mr_free(mr, false);
	return ERR_PTR(err);
}

/*
 * sod_reg_user_mr - ops.reg_user_mr: a pinned or ODP user MR.  Process
 * context, may sleep.
 */
static struct ib_mr *sod_reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
				     u64 iova, int access,
				     struct ib_udata *udata)
{
	struct sod_mr *mr;

	mr = sod_mr_user_create(pd, start, length, iova, access);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	return &mr->ibmr;
}

/*
 * sod_rereg_user_mr - ops.rereg_user_mr.  Process context, may sleep.
 * Always builds a new MR (with new keys) from the old one's attributes and
 * the changed ones; the core then destroys the old MR (dereg_mr) and
 * hands the new keys to the caller.  On failure the old MR is untouched.
 */
static struct ib_mr *sod_rereg_user_mr(struct ib_mr *ibmr, int flags,
				       u64 start, u64 length, u64 iova,
				       int access, struct ib_pd *pd,
				       struct ib_udata *udata)
{
	struct sod_mr *old = to_sod_mr(ibmr);
	struct sod_mr *mr;

	if (old->type != SOD_MR_USER && old->type != SOD_MR_ODP)
		return ERR_PTR(-EINVAL);
	if (flags & ~IB_MR_REREG_SUPPORTED)
		return ERR_PTR(-EOPNOTSUPP);

	if (!(flags & IB_MR_REREG_TRANS)) {
		if (old->type == SOD_MR_ODP) {
			start = old->odp.start;
			length = old->length;
		} else {
			start = old->umem->address;
			length = old->umem->length;
		}
		iova = old->iova;
	}
	if (!(flags & IB_MR_REREG_PD) || !pd)
		pd = ibmr->pd;
	if (!(flags & IB_MR_REREG_ACCESS))
		access = old->access;

	mr = sod_mr_user_create(pd, start, length, iova, access);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	return &mr->ibmr;
}

/*
 * sod_dereg_mr - ops.dereg_mr.  Process context, may sleep: unpublishes
 * the MR, then waits until every in-flight access (sod_mr_get reference)
 * is over before unpinning the memory.
 */
static int sod_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct sod_mr *mr = to_sod_mr(ibmr);

	xa_erase(&mr->sdev->mr_xa, mr->ibmr.lkey >> 8);
	sod_mr_put(mr);
	wait_for_completion(&mr->done);
	sod_mr_free(mr, true);
	return 0;
}

const struct ib_device_ops sod_mr_ops = {
	.advise_mr = sod_advise_mr,
	.dereg_mr = sod_dereg_mr,
	.fill_stat_mr_entry = sod_fill_stat_mr_entry,
	.get_dma_mr = sod_get_dma_mr,
	.reg_user_mr = sod_reg_user_mr,
	.rereg_user_mr = sod_rereg_user_mr,
};
