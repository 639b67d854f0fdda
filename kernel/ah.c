// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: address handles and address vectors.
 *
 * An AH's address lives in a separately allocated struct sod_ah_entry,
 * published in sod_dev.ah_xa under a number (ah_num) that user UD send
 * WQEs carry.  The requester copies it out under RCU (sod_ah_lookup());
 * destroy_ah unpublishes it and frees it after a grace period.
 *
 * create_ah and destroy_ah may be called in atomic context (without
 * RDMA_CREATE_AH_SLEEPABLE / RDMA_DESTROY_AH_SLEEPABLE), so ah_xa is only
 * ever modified with its lock taken irqsave and atomic allocations.
 */
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "softodp.h"

/*
 * sod_av_from_attr - build the address vector of a RoCE v2 @attr (an AH,
 * or a connected QP's primary path).  @attr must carry a GRH whose source
 * GID (grh.sgid_attr, referenced by the core) is a RoCE v2 GID; source and
 * destination must be of the same IP family.  Returns 0 or -EINVAL.
 * Any context.
 */
int sod_av_from_attr(struct sod_dev *sdev, struct sod_av *av,
		     const struct rdma_ah_attr *attr)
{
	const struct ib_global_route *grh;
	const struct ib_gid_attr *sgid_attr;

	if (attr->type != RDMA_AH_ATTR_TYPE_ROCE ||
	    !(rdma_ah_get_ah_flags(attr) & IB_AH_GRH)) {
		sod_dbg(sdev, "not a RoCE address with a GRH\n");
		return -EINVAL;
	}
	grh = rdma_ah_read_grh(attr);
	sgid_attr = grh->sgid_attr;
	if (!sgid_attr || sgid_attr->gid_type != IB_GID_TYPE_ROCE_UDP_ENCAP) {
		sod_dbg(sdev, "source GID %u is not a RoCE v2 GID\n",
			grh->sgid_index);
		return -EINVAL;
	}

	memset(av, 0, sizeof(*av));
	av->sgid_index = sgid_attr->index;
	/* RoCE v2 GIDs are IPv6 addresses, IPv4 ones in mapped form. */
	memcpy(&av->saddr, sgid_attr->gid.raw, sizeof(av->saddr));
	memcpy(&av->daddr, grh->dgid.raw, sizeof(av->daddr));
	av->ipv6 = !ipv6_addr_v4mapped(&av->daddr);
	if (av->ipv6 == ipv6_addr_v4mapped(&av->saddr)) {
		sod_dbg(sdev, "source and destination GIDs of different IP families\n");
		return -EINVAL;
	}
	ether_addr_copy(av->dmac, attr->roce.dmac);
	av->hop_limit = grh->hop_limit;
	av->traffic_class = grh->traffic_class;
	av->flow_label = grh->flow_label;
	av->sl = rdma_ah_get_sl(attr);
	return 0;
}

/*
 * sod_ah_lookup - copy the address of AH number @ah_num into @av if it
 * exists (-ENOENT) and belongs to PD number @pdn (-EPERM).  Any context;
 * takes no lock (RCU).
 */
int sod_ah_lookup(struct sod_dev *sdev, u32 ah_num, u32 pdn, struct sod_av *av)
{
	struct sod_ah_entry *entry;
	int err = 0;

	rcu_read_lock();
	entry = xa_load(&sdev->ah_xa, ah_num);
	if (!entry)
		err = -ENOENT;
	else if (entry->pdn != pdn)
		err = -EPERM;
	else
		*av = entry->av;
	rcu_read_unlock();
	return err;
}

/*
 * sod_ah_unpublish - remove AH number @ah_num from ah_xa.  Any context;
 * takes the xarray's lock irqsave.
 */
static void sod_ah_unpublish(struct sod_dev *sdev, u32 ah_num)
{
	unsigned long flags;

	xa_lock_irqsave(&sdev->ah_xa, flags);
	__xa_erase(&sdev->ah_xa, ah_num);
	xa_unlock_irqrestore(&sdev->ah_xa, flags);
}

/*
 * sod_create_ah - ops.create_ah (kernel and user AHs).  Never sleeps
 * unless RDMA_CREATE_AH_SLEEPABLE is set; even then it only allocates.
 * A user AH's number goes back in struct softodp_create_ah_resp.
 */
static int sod_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
			 struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibah->device);
	gfp_t gfp = init->flags & RDMA_CREATE_AH_SLEEPABLE ?
		    GFP_KERNEL : GFP_ATOMIC;
	struct softodp_create_ah_resp resp = {};
	struct sod_ah *ah = to_sod_ah(ibah);
	struct sod_ah_entry *entry;
	unsigned long flags;
	int err;

	if (udata && udata->outlen < sizeof(resp)) {
		sod_dbg(sdev, "response buffer too short (%zu)\n",
			udata->outlen);
		return -EINVAL;
	}

	entry = kzalloc(sizeof(*entry), gfp);
	if (!entry)
		return -ENOMEM;
	err = sod_av_from_attr(sdev, &entry->av, init->ah_attr);
	if (err)
		goto err_free;
	entry->pdn = to_sod_pd(ibah->pd)->pdn;

	xa_lock_irqsave(&sdev->ah_xa, flags);
	err = __xa_alloc(&sdev->ah_xa, &ah->ah_num, entry,
			 XA_LIMIT(1, SOD_MAX_AH), GFP_ATOMIC);
	xa_unlock_irqrestore(&sdev->ah_xa, flags);
	if (err) {
		sod_dbg(sdev, "no AH number left (%d)\n", err);
		err = err == -EBUSY ? -ENOMEM : err;
		goto err_free;
	}
	ah->entry = entry;

	if (udata) {
		resp.ah_num = ah->ah_num;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err) {
			sod_ah_unpublish(sdev, ah->ah_num);
			ah->entry = NULL;
			kfree_rcu(entry, rcu);
			return err;
		}
	}
	return 0;

err_free:
	kfree(entry);
	return err;
}

/*
 * sod_destroy_ah - ops.destroy_ah.  Never sleeps (whatever @flags say):
 * unpublishes the entry and frees it after an RCU grace period, so a
 * concurrent sod_ah_lookup() still reads valid memory.
 */
static int sod_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	struct sod_ah *ah = to_sod_ah(ibah);

	sod_ah_unpublish(to_sod_dev(ibah->device), ah->ah_num);
	kfree_rcu(ah->entry, rcu);
	ah->entry = NULL;
	return 0;
}

/*
 * sod_query_ah - ops.query_ah: the attributes the AH was created with
 * (no sgid_attr reference is returned).  Any context.
 */
static int sod_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *attr)
{
	const struct sod_av *av = &to_sod_ah(ibah)->entry->av;
	union ib_gid dgid;

	memset(attr, 0, sizeof(*attr));
	attr->type = ibah->type;
	memcpy(dgid.raw, &av->daddr, sizeof(dgid.raw));
	rdma_ah_set_grh(attr, &dgid, av->flow_label, av->sgid_index,
			av->hop_limit, av->traffic_class);
	rdma_ah_set_sl(attr, av->sl);
	rdma_ah_set_port_num(attr, 1);
	ether_addr_copy(attr->roce.dmac, av->dmac);
	return 0;
}

const struct ib_device_ops sod_ah_ops = {
	.create_ah = sod_create_ah,
	.create_user_ah = sod_create_ah,
	.destroy_ah = sod_destroy_ah,
	.query_ah = sod_query_ah,

	INIT_RDMA_OBJ_SIZE(ib_ah, sod_ah, ibah),
};
