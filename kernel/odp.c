// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: On-Demand Paging memory regions (docs/odp.md).
 *
 * An ODP MR pins nothing.  Its device page table is a sparse set of
 * leaves (one per 2 MiB of virtual address space that was ever faulted),
 * filled by hmm_range_fault() from the QP's worker and emptied by an
 * mmu_interval_notifier whenever the kernel changes the process's page
 * tables in the MR's range.  odp->lock is the device page table's lock:
 * a page is touched only while it is held and the page's entry is valid,
 * and the notifier clears entries under the same lock, so no page is
 * touched after the kernel was told it may change.  Nothing under
 * odp->lock allocates memory or takes an mm lock (the notifier is called
 * from reclaim and with mm locks held).
 */
#include <linux/hmm.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <rdma/restrack.h>

#include "softodp.h"

/*
 * Leaf entry bits; the pfn is stored above them.  DIRTY: the device wrote
 * to the page since it was mapped (see sod_odp_dirty()).
 */
#define SOD_ODP_VALID		BIT(0)
#define SOD_ODP_WRITE		BIT(1)
#define SOD_ODP_DIRTY		BIT(2)
#define SOD_ODP_PFN_SHIFT	3

#define SOD_ODP_LEAF_SHIFT	9
#define SOD_ODP_LEAF_ENTRIES	(1UL << SOD_ODP_LEAF_SHIFT)
#define SOD_ODP_LEAF_MASK	(SOD_ODP_LEAF_ENTRIES - 1)

/* Pages faulted (and copied under one hold of the lock) at most at once. */
#define SOD_ODP_WINDOW		64

/* How long a fault retries while invalidations keep racing with it. */
#define SOD_ODP_FAULT_TIMEOUT_MS	HMM_RANGE_DEFAULT_TIMEOUT

/*
 * sod_odp_entry - the leaf slot of virtual page @vpn, or NULL if its leaf
 * was never allocated.  Caller holds odp->lock (or only reads the slot
 * pointer, which never changes while the MR lives).  Any context.
 */
static unsigned long *sod_odp_entry(struct sod_odp *odp, unsigned long vpn)
{
	unsigned long *leaf = xa_load(&odp->leaves, vpn >> SOD_ODP_LEAF_SHIFT);

	return leaf ? &leaf[vpn & SOD_ODP_LEAF_MASK] : NULL;
}

/*
 * struct sod_odp_cursor - the leaf last looked up, so that a walk over
 * consecutive pages costs one xarray lookup per 2 MiB, not per page.
 */
struct sod_odp_cursor {
	unsigned long lidx;
	unsigned long *leaf;
};

/*
 * sod_odp_slot - sod_odp_entry() through @c.  Caller holds odp->lock (or
 * only reads the slot pointer, which never changes while the MR lives).
 */
static unsigned long *sod_odp_slot(struct sod_odp *odp,
				   struct sod_odp_cursor *c, unsigned long vpn)
{
	unsigned long lidx = vpn >> SOD_ODP_LEAF_SHIFT;

	if (!c->leaf || c->lidx != lidx) {
		c->leaf = xa_load(&odp->leaves, lidx);
		c->lidx = lidx;
	}
	return c->leaf ? &c->leaf[vpn & SOD_ODP_LEAF_MASK] : NULL;
}

/*
 * sod_odp_hint - a cursor that starts at the leaf last looked up under
 * odp->lock (odp->hint_*); sod_odp_hint_save() stores where it ended.
 * Caller holds odp->lock.
 */
static struct sod_odp_cursor sod_odp_hint(struct sod_odp *odp)
{
	return (struct sod_odp_cursor){ .lidx = odp->hint_lidx,
					.leaf = odp->hint_leaf };
}

static void sod_odp_hint_save(struct sod_odp *odp, struct sod_odp_cursor *c)
{
	odp->hint_lidx = c->lidx;
	odp->hint_leaf = c->leaf;
}

/*
 * sod_odp_mapped - are virtual pages [@vpn, @vpn + @n) all mapped in the
 * device table, writable if @write?  Caller holds odp->lock.
 */
static bool sod_odp_mapped(struct sod_odp *odp, unsigned long vpn,
			   unsigned long n, bool write)
{
	unsigned long need = SOD_ODP_VALID | (write ? SOD_ODP_WRITE : 0);
	struct sod_odp_cursor c = sod_odp_hint(odp);
	unsigned long *e;
	bool ok = true;

	for (; n; n--, vpn++) {
		e = sod_odp_slot(odp, &c, vpn);
		if (!e || (*e & need) != need) {
			ok = false;
			break;
		}
	}
	sod_odp_hint_save(odp, &c);
	return ok;
}

/*
 * sod_odp_leaves - make sure leaves exist for [@vpn, @vpn + @n).
 * Process context, may sleep (GFP_KERNEL); odp->lock must NOT be held.
 */
static int sod_odp_leaves(struct sod_odp *odp, unsigned long vpn,
			  unsigned long n)
{
	unsigned long first = vpn >> SOD_ODP_LEAF_SHIFT;
	unsigned long last = (vpn + n - 1) >> SOD_ODP_LEAF_SHIFT;
	unsigned long idx;
	void *leaf;
	int err;

	for (idx = first; idx <= last; idx++) {
		if (xa_load(&odp->leaves, idx))
			continue;
		leaf = kcalloc(SOD_ODP_LEAF_ENTRIES, sizeof(unsigned long),
			       GFP_KERNEL);
		if (!leaf)
			return -ENOMEM;
		err = xa_insert(&odp->leaves, idx, leaf, GFP_KERNEL);
		if (err) {
			kfree(leaf);
			/* -EBUSY: another fault put one there first. */
			if (err != -EBUSY)
				return err;
		}
	}
	return 0;
}

/*
 * sod_odp_map - install virtual pages [@vpn, @vpn + @n) (n at most
 * SOD_ODP_WINDOW) of the MR's process in the device table.
 *
 * With @fault, fault every page in (writable if @write) and map them all.
 * Returns 0 with odp->lock HELD and every page of the window mapped, or
 * an error without the lock: -EFAULT (no mapping, no permission, or the
 * process is gone), -ENOMEM, -EAGAIN (invalidations kept racing for a
 * second).  Counts a fault pass, and a failure in the error counter.
 *
 * Without @fault (@write is then ignored), map only the pages that the
 * CPU page tables map now, faulting none (the leaves are still allocated).
 * Returns 0 with odp->lock HELD (some entries may still be invalid), or
 * an error without it: -EFAULT (the process is gone), -ENOMEM, or what
 * hmm_range_fault() returned (-EBUSY at once: no retry, no deadline).
 *
 * Process context, may sleep; the caller holds no odp->lock.
 */
static int sod_odp_map(struct sod_mr *mr, unsigned long vpn,
		       unsigned long n, bool write, bool fault)
{
	struct sod_odp *odp = &mr->odp;
	unsigned long deadline, i, v, newly = 0;
	unsigned long pfns[SOD_ODP_WINDOW];
	struct hmm_range range = {
		.notifier = &odp->notifier,
		.start = vpn << PAGE_SHIFT,
		.end = (vpn + n) << PAGE_SHIFT,
		.hmm_pfns = pfns,
	};
	struct mm_struct *mm = odp->notifier.mm;
	unsigned long *e;
	int err;

	if (fault)
		range.default_flags = HMM_PFN_REQ_FAULT |
				      (write ? HMM_PFN_REQ_WRITE : 0);

	err = sod_odp_leaves(odp, vpn, n);
	if (err)
		return err;

	/*
	 * The mm reference is dropped before odp->lock is taken: the last
	 * mmput() tears the address space down, which calls our notifier.
	 */
	deadline = jiffies + msecs_to_jiffies(SOD_ODP_FAULT_TIMEOUT_MS);
	for (;;) {
		if (!mmget_not_zero(mm)) {
			err = -EFAULT;
			break;
		}
		range.notifier_seq = mmu_interval_read_begin(&odp->notifier);
		mmap_read_lock(mm);
		err = hmm_range_fault(&range);
		mmap_read_unlock(mm);
		mmput(mm);
		if (!err) {
			mutex_lock(&odp->lock);
			if (!mmu_interval_read_retry(&odp->notifier,
						     range.notifier_seq))
				break;
			mutex_unlock(&odp->lock);
		} else if (err != -EBUSY || !fault) {
			break;
		}
		if (fault && time_after(jiffies, deadline)) {
			err = -EAGAIN;
			break;
		}
		cond_resched();
	}
	if (err) {
		if (!fault)
			return err;
		sod_stat_inc(mr->sdev, SOD_STAT_ODP_FAULT_ERRORS);
		sod_dbg(mr->sdev, "ODP fault of %lu pages at %#lx failed (%d)\n",
			n, vpn << PAGE_SHIFT, err);
		return err == -EAGAIN ? err : -EFAULT;
	}

	/*
	 * odp->lock held, the sequence is still ours: install.  After a
	 * fault every pfn is valid; without one, absent pages are skipped.
	 */
	for (i = 0; i < n; i++) {
		if (!(pfns[i] & HMM_PFN_VALID))
			continue;
		v = SOD_ODP_VALID |
		    page_to_pfn(hmm_pfn_to_page(pfns[i])) << SOD_ODP_PFN_SHIFT;
		if (pfns[i] & HMM_PFN_WRITE)
			v |= SOD_ODP_WRITE;
		e = sod_odp_entry(odp, vpn + i);
		if (!(*e & SOD_ODP_VALID))
			newly++;
		else	/* same page: our sequence saw no invalidation */
			v |= *e & SOD_ODP_DIRTY;
		*e = v;
	}
	atomic64_add(newly, &odp->faults);
	sod_stat_add(mr->sdev, SOD_STAT_ODP_FAULT_PAGES, newly);
	if (fault) {
		atomic64_inc(&odp->fault_calls);
		sod_stat_inc(mr->sdev, SOD_STAT_ODP_FAULTS);
	}
	return 0;
}

/*
 * sod_odp_lock_window - map virtual pages [@vpn, @vpn + @n) (n at most
 * SOD_ODP_WINDOW) for an access, writable if @write, faulting what is
 * missing.  Returns 0 with odp->lock held, or an error without it (see
 * sod_odp_map()).  Process context, may sleep.
 */
static int sod_odp_lock_window(struct sod_mr *mr, unsigned long vpn,
			       unsigned long n, bool write)
{
	struct sod_odp *odp = &mr->odp;

	mutex_lock(&odp->lock);
	if (sod_odp_mapped(odp, vpn, n, write))
		return 0;
	mutex_unlock(&odp->lock);
	return sod_odp_map(mr, vpn, n, write, true);
}

/*
 * sod_odp_page - the page mapped at virtual page @vpn.  Caller holds
 * odp->lock and made sure the entry is valid.
 */
static struct page *sod_odp_page(struct sod_odp *odp, struct sod_odp_cursor *c,
				 unsigned long vpn)
{
	return pfn_to_page(*sod_odp_slot(odp, c, vpn) >> SOD_ODP_PFN_SHIFT);
}

/*
 * sod_odp_page_w - sod_odp_page() for a write by the device: the entry is
 * marked DIRTY.  Caller holds odp->lock and made sure the entry is valid
 * and writable.
 */
static struct page *sod_odp_page_w(struct sod_odp *odp,
				   struct sod_odp_cursor *c, unsigned long vpn)
{
	unsigned long *e = sod_odp_slot(odp, c, vpn);

	*e |= SOD_ODP_DIRTY;
	return pfn_to_page(*e >> SOD_ODP_PFN_SHIFT);
}

/*
 * sod_odp_copy - sod_mr_copy() for an ODP MR: copy @len bytes between
 * @buf (kernel memory) and the MR at @iova (inside the MR, checked by the
 * caller, who holds an MR reference), faulting pages in as needed.
 * Returns 0, -EFAULT (a page cannot be mapped with the access needed) or
 * -EAGAIN.  Process context (a QP unit's pass), may sleep.
 */
int sod_odp_copy(struct sod_mr *mr, u64 iova, void *buf, u64 len,
		 enum sod_copy_dir dir)
{
	struct sod_odp *odp = &mr->odp;
	bool write = dir == SOD_COPY_TO_MR;
	unsigned long va = odp->start + (iova - mr->iova);
	struct sod_odp_cursor c = {};
	unsigned long vpn, n, end;
	unsigned int poff;
	size_t chunk;
	void *p;
	int err;

	might_sleep();
	while (len) {
		vpn = va >> PAGE_SHIFT;
		end = (va + len - 1) >> PAGE_SHIFT;
		n = min(end - vpn + 1, SOD_ODP_WINDOW);
		err = sod_odp_lock_window(mr, vpn, n, write);
		if (err)
			return err;
		if (!c.leaf)
			c = sod_odp_hint(odp);
		for (; n && len; n--, vpn++) {
			poff = offset_in_page(va);
			chunk = min_t(u64, len, PAGE_SIZE - poff);
			if (write) {
				p = kmap_local_page(sod_odp_page_w(odp, &c, vpn));
				memcpy(p + poff, buf, chunk);
			} else {
				p = kmap_local_page(sod_odp_page(odp, &c, vpn));
				memcpy(buf, p + poff, chunk);
			}
			kunmap_local(p);
			buf += chunk;
			va += chunk;
			len -= chunk;
		}
		sod_odp_hint_save(odp, &c);
		mutex_unlock(&odp->lock);
	}
	return 0;
}

/*
 * sod_odp_atomic - run @op on the 8 bytes at @iova of an ODP MR (inside
 * the MR and 8-byte aligned in the process's address space, checked by
 * the caller), faulting the page in writable.  Returns 0 or an error of
 * sod_odp_map().  Process context (QP worker), may sleep.
 */
int sod_odp_atomic(struct sod_mr *mr, u64 iova,
		   u64 (*op)(u64 *p, bool cmp_swap, u64 cmp, u64 swap_add),
		   bool cmp_swap, u64 cmp, u64 swap_add, u64 *orig)
{
	struct sod_odp *odp = &mr->odp;
	unsigned long va = odp->start + (iova - mr->iova);
	unsigned long vpn = va >> PAGE_SHIFT;
	struct sod_odp_cursor c;
	void *p;
	int err;

	might_sleep();
	if (va & 7)
		return -EINVAL;
	err = sod_odp_lock_window(mr, vpn, 1, true);
	if (err)
		return err;
	c = sod_odp_hint(odp);
	p = kmap_local_page(sod_odp_page_w(odp, &c, vpn));
	sod_odp_hint_save(odp, &c);
	*orig = op(p + offset_in_page(va), cmp_swap, cmp, swap_add);
	kunmap_local(p);
	mutex_unlock(&odp->lock);
	return 0;
}

/*
 * sod_odp_prefetch - map [@iova, @iova + @len) of an ODP MR (inside the
 * MR, checked by the caller, who holds a reference) before the device
 * needs it, so that a transfer faults in batches of SOD_ODP_WINDOW pages
 * rather than a packet at a time.  With @fault false only pages already
 * present in the CPU page tables are mapped (nothing is faulted or
 * allocated: IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT).  Returns 0 or
 * the first error (callers on the data path ignore it: the access itself
 * reports it).  Process context, may sleep; no odp->lock held.
 */
int sod_odp_prefetch(struct sod_mr *mr, u64 iova, u64 len, bool write,
		     bool fault)
{
	struct sod_odp *odp = &mr->odp;
	unsigned long va = odp->start + (iova - mr->iova);
	unsigned long vpn, end, n;
	int err;

	if (!len)
		return 0;
	vpn = va >> PAGE_SHIFT;
	end = (va + len - 1) >> PAGE_SHIFT;
	while (vpn <= end) {
		n = min(end - vpn + 1, SOD_ODP_WINDOW);
		if (fault)
			err = sod_odp_lock_window(mr, vpn, n, write);
		else
			err = sod_odp_map(mr, vpn, n, false, false);
		if (err)
			return err;
		mutex_unlock(&odp->lock);
		vpn += n;
		cond_resched();
	}
	return 0;
}

/*
 * sod_odp_dirty - the device wrote to @pfn through a writable entry that
 * is being dropped: tell the mm, as a CPU store would have by setting the
 * PTE's dirty bit.  Needed for anonymous and shmem pages, whose PTEs are
 * writable while clean (after MADV_FREE, or a read fault on a shared
 * mapping without write-notify): reclaim would discard or drop such a
 * page without this.  File pages of filesystems with write-notify are
 * dirtied when their PTE becomes writable (and a filesystem's dirty_folio
 * may want the page lock), so they are left alone.  Caller holds
 * odp->lock; the page is still mapped (the entry was valid).  Any
 * context: anonymous and shmem folios are dirtied without locks.
 */
static void sod_odp_dirty(unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	if (PageAnon(page) || PageSwapBacked(page))
		set_page_dirty(page);
}

/*
 * sod_odp_zap - drop the device mappings of virtual pages [@first, @last]
 * and return how many were valid; pages the device wrote are marked dirty
 * first (sod_odp_dirty()).  Caller holds odp->lock.  Visits only the
 * leaves that exist.
 */
static unsigned long sod_odp_zap(struct sod_odp *odp, unsigned long first,
				 unsigned long last)
{
	unsigned long lfirst = first >> SOD_ODP_LEAF_SHIFT;
	unsigned long llast = last >> SOD_ODP_LEAF_SHIFT;
	unsigned long idx, i, lo, hi, dropped = 0;
	unsigned long *leaf;

	xa_for_each_range(&odp->leaves, idx, leaf, lfirst, llast) {
		lo = idx == lfirst ? first & SOD_ODP_LEAF_MASK : 0;
		hi = idx == llast ? last & SOD_ODP_LEAF_MASK :
				    SOD_ODP_LEAF_MASK;
		for (i = lo; i <= hi; i++) {
			if (leaf[i] & SOD_ODP_VALID)
				dropped++;
			if ((leaf[i] & (SOD_ODP_VALID | SOD_ODP_DIRTY)) ==
			    (SOD_ODP_VALID | SOD_ODP_DIRTY))
				sod_odp_dirty(leaf[i] >> SOD_ODP_PFN_SHIFT);
			leaf[i] = 0;
		}
	}
	return dropped;
}

/*
 * sod_odp_invalidate - mmu_interval_notifier_ops.invalidate: the kernel is
 * about to change the page tables of @range.  Drops the device mappings of
 * the overlap with the MR; after this returns the device does not touch
 * those pages until it faults them again.  Called by the mm with its locks
 * held (mmap_lock, i_mmap_rwsem, page locks, reclaim): takes only
 * odp->lock, allocates nothing.  Must not sleep when the range is not
 * blockable: then only tries the lock, and returns false if it is busy.
 */
static bool sod_odp_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	struct sod_mr *mr = container_of(mni, struct sod_mr, odp.notifier);
	struct sod_odp *odp = &mr->odp;
	unsigned long start, end, dropped;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&odp->lock);
	else if (!mutex_trylock(&odp->lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	start = max(range->start, mni->interval_tree.start);
	end = min(range->end - 1, mni->interval_tree.last);
	dropped = 0;
	if (start <= end)
		dropped = sod_odp_zap(odp, start >> PAGE_SHIFT,
				      end >> PAGE_SHIFT);
	mutex_unlock(&odp->lock);

	atomic64_inc(&odp->invalidations);
	atomic64_add(dropped, &odp->inval_pages);
	sod_stat_inc(mr->sdev, SOD_STAT_ODP_INVALIDATIONS);
	sod_stat_add(mr->sdev, SOD_STAT_ODP_INVAL_PAGES, dropped);
	return true;
}

static const struct mmu_interval_notifier_ops sod_odp_ops = {
	.invalidate = sod_odp_invalidate,
};

/*
 * sod_odp_init - make @mr an ODP MR over [@start, @start + @length) of the
 * calling process (nothing is faulted or pinned).  Process context
 * (reg_user_mr), may sleep (the notifier insertion may take mmap_lock).
 */
int sod_odp_init(struct sod_mr *mr, u64 start, u64 length)
{
	struct sod_odp *odp = &mr->odp;
	unsigned long first, end;
	int err;

	if (!current->mm)
		return -EINVAL;
	if (start > TASK_SIZE || length > TASK_SIZE - start)
		return -EFAULT;
	first = start & PAGE_MASK;
	end = PAGE_ALIGN(start + length);
	if (!end)
		return -EFAULT;

	mutex_init(&odp->lock);
	xa_init(&odp->leaves);
	odp->hint_leaf = NULL;
	odp->hint_lidx = 0;
	odp->start = start;
	err = mmu_interval_notifier_insert(&odp->notifier, current->mm,
					   first, end - first, &sod_odp_ops);
	if (err) {
		xa_destroy(&odp->leaves);
		mutex_destroy(&odp->lock);
		return err;
	}
	odp->active = true;
	return 0;
}

/*
 * sod_odp_fini - undo sod_odp_init() once no access can be in flight (the
 * MR is unpublished and its references drained).  Waits for a running
 * invalidation.  Process context, may sleep.
 */
void sod_odp_fini(struct sod_mr *mr)
{
	struct sod_odp *odp = &mr->odp;
	unsigned long idx;
	void *leaf;

	if (!odp->active)
		return;
	/*
	 * The pages the device wrote to stay mapped in the process: mark
	 * them dirty while the notifier still guarantees that the entries
	 * are current.
	 */
	mutex_lock(&odp->lock);
	sod_odp_zap(odp, odp->notifier.interval_tree.start >> PAGE_SHIFT,
		    odp->notifier.interval_tree.last >> PAGE_SHIFT);
	mutex_unlock(&odp->lock);
	mmu_interval_notifier_remove(&odp->notifier);
	xa_for_each(&odp->leaves, idx, leaf)
		kfree(leaf);
	xa_destroy(&odp->leaves);
	mutex_destroy(&odp->lock);
	odp->active = false;
}

/*
 * sod_fill_stat_mr_entry - ops.fill_stat_mr_entry: the ODP counters of
 * one MR for `rdma statistic show mr` (nothing for other MRs).  Called by
 * the core's netlink code in process context with the MR held by its
 * restrack entry.
 */
int sod_fill_stat_mr_entry(struct sk_buff *msg, struct ib_mr *ibmr)
{
	struct sod_mr *mr = to_sod_mr(ibmr);
	struct sod_odp *odp = &mr->odp;
	struct nlattr *table;

	if (mr->type != SOD_MR_ODP)
		return 0;
	table = nla_nest_start(msg, RDMA_NLDEV_ATTR_STAT_HWCOUNTERS);
	if (!table)
		return -EMSGSIZE;
	if (rdma_nl_stat_hwcounter_entry(msg, "page_faults",
					 atomic64_read(&odp->faults)) ||
	    rdma_nl_stat_hwcounter_entry(msg, "page_invalidations",
					 atomic64_read(&odp->inval_pages)) ||
	    rdma_nl_stat_hwcounter_entry(msg, "fault_passes",
					 atomic64_read(&odp->fault_calls)) ||
	    rdma_nl_stat_hwcounter_entry(msg, "invalidation_calls",
					 atomic64_read(&odp->invalidations))) {
		nla_nest_cancel(msg, table);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, table);
	return 0;
}
