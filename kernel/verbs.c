// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: user contexts, protection domains and the mmap() machinery
 * through which rings are shared with the provider.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "softodp.h"

/*
 * sod_alloc_ucontext - ops.alloc_ucontext.  Process context, may sleep.
 * Accepts a shorter command from an older provider (missing bytes are zero)
 * and a longer one only if the extra bytes are zero.
 */
static int sod_alloc_ucontext(struct ib_ucontext *ibuc, struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibuc->device);
	struct softodp_alloc_ucontext_resp resp = {};
	struct softodp_alloc_ucontext_cmd cmd = {};
	int err;

	if (udata->inlen > sizeof(cmd) &&
	    !ib_is_udata_cleared(udata, sizeof(cmd),
				 udata->inlen - sizeof(cmd))) {
		sod_dbg(sdev, "unknown trailing command bytes\n");
		return -EOPNOTSUPP;
	}
	err = ib_copy_from_udata(&cmd, udata, min(sizeof(cmd), udata->inlen));
	if (err)
		return err;
	if (cmd.comp_mask) {
		sod_dbg(sdev, "unsupported comp_mask %#llx\n", cmd.comp_mask);
		return -EOPNOTSUPP;
	}

	resp.features = 0;
	resp.mmap_page_size = PAGE_SIZE;
	return ib_copy_to_udata(udata, &resp, min(sizeof(resp), udata->outlen));
}

/*
 * sod_dealloc_ucontext - ops.dealloc_ucontext.  Process context.  Every
 * object of the context was destroyed by the core before this is called.
 */
static void sod_dealloc_ucontext(struct ib_ucontext *ibuc)
{
}

/*
 * sod_alloc_pd - ops.alloc_pd.  Process context, may sleep; @udata is NULL
 * for kernel consumers.
 */
static int sod_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibpd->device);
	struct sod_pd *pd = to_sod_pd(ibpd);
	struct softodp_alloc_pd_resp resp = {};
	int err;

	err = xa_alloc(&sdev->pd_xa, &pd->pdn, pd, XA_LIMIT(1, SOD_MAX_PD),
		       GFP_KERNEL);
	if (err) {
		sod_dbg(sdev, "no PD number left (%d)\n", err);
		return err == -EBUSY ? -ENOMEM : err;
	}

	if (udata && udata->outlen) {
		resp.pdn = pd->pdn;
		err = ib_copy_to_udata(udata, &resp,
				       min(sizeof(resp), udata->outlen));
		if (err) {
			xa_erase(&sdev->pd_xa, pd->pdn);
			return err;
		}
	}
	return 0;
}

/* ops.dealloc_pd.  Process context; no object uses the PD any more. */
static int sod_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct sod_pd *pd = to_sod_pd(ibpd);

	xa_erase(&to_sod_dev(ibpd->device)->pd_xa, pd->pdn);
	return 0;
}

/*
 * sod_mmap_entry_insert - allocate a zeroed, user-mappable buffer of @size
 * bytes and publish it in @uc's mmap table.  On success *@buf is the kernel
 * address and *@offset the value userspace passes to mmap().
 *
 * The entry owns the buffer: the object that inserted it calls
 * rdma_user_mmap_entry_remove() when it is destroyed, and the buffer is
 * freed by sod_mmap_free() once no VMA maps it any more.  So a process may
 * keep a ring mapped past its object's life without touching freed memory.
 * Process context, may sleep.
 */
struct rdma_user_mmap_entry *sod_mmap_entry_insert(struct sod_ucontext *uc,
						   size_t size, void **buf,
						   u64 *offset)
{
	struct sod_mmap_entry *entry;
	int err;

	size = PAGE_ALIGN(size);
	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	/*
	 * Userspace picks the size: a failure is the caller's -ENOMEM, not
	 * an allocation warning with a stack dump in the kernel log, which
	 * vmalloc_user() would print.  Zeroed like vmalloc_user() memory;
	 * sod_mmap() maps it page by page.
	 */
	entry->buf = __vmalloc(size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!entry->buf) {
		err = -ENOMEM;
		goto err_free;
	}
	err = rdma_user_mmap_entry_insert(&uc->ibuc, &entry->rdma_entry, size);
	if (err)
		goto err_vfree;

	*buf = entry->buf;
	*offset = rdma_user_mmap_get_offset(&entry->rdma_entry);
	return &entry->rdma_entry;

err_vfree:
	vfree(entry->buf);
err_free:
	kfree(entry);
	return ERR_PTR(err);
}

/*
 * sod_mmap - ops.mmap: map a published buffer.  Process context (the mmap
 * system call), mmap_lock held for write.  The VMA covers the entry
 * exactly: rdma_user_mmap_entry_get() refuses any other size.
 */
static int sod_mmap(struct ib_ucontext *ibuc, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rentry;
	unsigned long off;
	void *buf;
	int err = 0;

	rentry = rdma_user_mmap_entry_get(ibuc, vma);
	if (!rentry)
		return -EINVAL;
	buf = to_sod_mmap_entry(rentry)->buf;
	/* What remap_vmalloc_range() does; the buffer lacks VM_USERMAP. */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(buf + off));
		if (err)
			break;
	}
	rdma_user_mmap_entry_put(rentry);
	return err;
}

/*
 * sod_mmap_free - ops.mmap_free: the entry's last reference is gone (it was
 * removed and nothing maps it).  Process context.
 */
static void sod_mmap_free(struct rdma_user_mmap_entry *rentry)
{
	struct sod_mmap_entry *entry = to_sod_mmap_entry(rentry);

	vfree(entry->buf);
	kfree(entry);
}

const struct ib_device_ops sod_verbs_ops = {
	.alloc_pd = sod_alloc_pd,
	.alloc_ucontext = sod_alloc_ucontext,
	.dealloc_pd = sod_dealloc_pd,
	.dealloc_ucontext = sod_dealloc_ucontext,
	.mmap = sod_mmap,
	.mmap_free = sod_mmap_free,

	INIT_RDMA_OBJ_SIZE(ib_pd, sod_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, sod_ucontext, ibuc),
};
