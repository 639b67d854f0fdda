// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: module entry points, `rdma link` handling, the device list and
 * the netdev notifier that keeps each device's port in step with its netdev.
 *
 * Device life cycle
 *   newlink:    allocate, insert in sod_devs, take the namespace's UDP
 *               tunnel, ib_register_device().
 *   teardown:   `rdma link delete` (core, synchronous), the netdev going
 *               away (notifier, queued unregistration), namespace exit or
 *               module unload (sod_unregister_devices, synchronous).  All of
 *               them end in the core calling sod_dev_dealloc(), the only
 *               place that undoes newlink.
 */
#include <linux/module.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/rtnetlink.h>
#include <rdma/rdma_netlink.h>

#include "qp.h"

/*
 * sod_devs_lock protects sod_devs and, in every device on it, .list,
 * .registered, .ndev_gone and writes of .port_state.  It is taken in
 * process context only and may be taken with rtnl held (netdev notifier);
 * never call into the RDMA core or take rtnl while holding it.
 */
static DEFINE_MUTEX(sod_devs_lock);
static LIST_HEAD(sod_devs);

/* Caller holds sod_devs_lock. */
static struct sod_dev *sod_find_by_ndev(struct net_device *ndev)
{
	struct sod_dev *sdev;

	lockdep_assert_held(&sod_devs_lock);
	list_for_each_entry(sdev, &sod_devs, list)
		if (sdev->ndev == ndev)
			return sdev;
	return NULL;
}

/*
 * sod_set_port_state - record the port state derived from the netdev and
 * tell the device's users (IB_EVENT_PORT_ACTIVE / IB_EVENT_PORT_ERR) when it
 * changed.  Caller holds sod_devs_lock; may run with rtnl held.
 */
static void sod_set_port_state(struct sod_dev *sdev, enum ib_port_state state)
{
	struct ib_event ev = {};

	lockdep_assert_held(&sod_devs_lock);
	if (sdev->port_state == state)
		return;
	WRITE_ONCE(sdev->port_state, state);
	sod_dbg(sdev, "port 1 is now %s\n",
		state == IB_PORT_ACTIVE ? "ACTIVE" : "DOWN");
	if (!sdev->registered)
		return;
	ev.device = &sdev->ibdev;
	ev.element.port_num = 1;
	ev.event = state == IB_PORT_ACTIVE ? IB_EVENT_PORT_ACTIVE :
					     IB_EVENT_PORT_ERR;
	ib_dispatch_event(&ev);
}

/*
 * sod_dev_dealloc - ops.dealloc_driver: undo everything newlink did.
 *
 * Called by the core in process context, without the driver's locks: at
 * the end of any unregistration, or from ib_dealloc_device() when newlink
 * fails part way (so every step must tolerate not having happened).  The
 * core frees the memory afterwards.
 */
void sod_dev_dealloc(struct ib_device *ibdev)
{
	struct sod_dev *sdev = to_sod_dev(ibdev);

	WARN_ON(!xa_empty(&sdev->pd_xa));
	xa_destroy(&sdev->pd_xa);
	xa_destroy(&sdev->qp_xa);
	xa_destroy(&sdev->mr_xa);
	xa_destroy(&sdev->ah_xa);
	xa_destroy(&sdev->cq_xa);
	xa_destroy(&sdev->srq_xa);
	netdev_put(sdev->ndev, &sdev->ndev_tracker);
	if (sdev->tunnel_held) {
		sod_tunnel_put(sdev);
		sdev->tunnel_held = false;
	}

	/*
	 * Leaving the list is the last step: sod_unregister_devices() treats
	 * a device that is off the list as completely gone.
	 */
	mutex_lock(&sod_devs_lock);
	if (!list_empty(&sdev->list))
		list_del_init(&sdev->list);
	mutex_unlock(&sod_devs_lock);
}

/*
 * sod_newlink - `rdma link add NAME type softodp netdev NDEV`.
 *
 * Process context, may sleep; the core holds a reference on @ndev for the
 * duration and serialises against rdma_link_unregister().  Takes rtnl and
 * sod_devs_lock (in that order), never both across the registration.
 */
static int sod_newlink(const char *ibdev_name, struct net_device *ndev)
{
	struct sod_dev *sdev;
	bool gone;
	int err;

	if (ndev->type != ARPHRD_ETHER || is_vlan_dev(ndev) ||
	    (ndev->flags & IFF_LOOPBACK))
		return -EINVAL;

	sdev = ib_alloc_device(sod_dev, ibdev);
	if (!sdev)
		return -ENOMEM;
	INIT_LIST_HEAD(&sdev->list);
	xa_init_flags(&sdev->pd_xa, XA_FLAGS_ALLOC);
	xa_init_flags(&sdev->qp_xa, XA_FLAGS_ALLOC);
	xa_init_flags(&sdev->mr_xa, XA_FLAGS_ALLOC1);
	xa_init_flags(&sdev->ah_xa, XA_FLAGS_ALLOC1);
	xa_init_flags(&sdev->cq_xa, XA_FLAGS_ALLOC1);
	xa_init_flags(&sdev->srq_xa, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&sdev->net_node);
	sdev->ndev = ndev;
	netdev_hold(ndev, &sdev->ndev_tracker, GFP_KERNEL);
	sdev->net = dev_net(ndev);
	sdev->port_state = IB_PORT_NOP;
	/* From here on every error path goes through sod_dev_dealloc(). */
	sod_dev_setup(sdev);

	/*
	 * Join the list under rtnl so that the netdev cannot start
	 * unregistering unseen: either it is still registered now and the
	 * notifier will find us, or we refuse it.
	 */
	rtnl_lock();
	mutex_lock(&sod_devs_lock);
	if (ndev->reg_state != NETREG_REGISTERED)
		err = -ENODEV;
	else if (sod_find_by_ndev(ndev))
		err = -EEXIST;
	else
		err = 0;
	if (!err) {
		list_add_tail(&sdev->list, &sod_devs);
		sod_set_port_state(sdev, sod_ndev_port_state(ndev));
	}
	mutex_unlock(&sod_devs_lock);
	rtnl_unlock();
	if (err)
		goto err_dealloc;

	err = sod_tunnel_get(sdev);
	if (err)
		goto err_dealloc;
	sdev->tunnel_held = true;

	err = sod_dev_register(sdev, ibdev_name);
	if (err)
		goto err_dealloc;

	mutex_lock(&sod_devs_lock);
	sdev->registered = true;
	gone = sdev->ndev_gone;
	mutex_unlock(&sod_devs_lock);
	if (gone) {
		/* The netdev left while we registered: follow it. */
		ib_unregister_device(&sdev->ibdev);
		return -ENODEV;
	}
	return 0;

err_dealloc:
	ib_dealloc_device(&sdev->ibdev);
	return err;
}

static struct rdma_link_ops sod_link_ops = {
	.type = SOD_DRV_NAME,
	.newlink = sod_newlink,
};

/*
 * sod_netdev_event - keep devices in step with their netdevs.
 * Process context with rtnl held; takes sod_devs_lock.
 */
static int sod_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(ptr);
	struct sod_dev *sdev;

	mutex_lock(&sod_devs_lock);
	sdev = sod_find_by_ndev(ndev);
	if (!sdev)
		goto out;

	switch (event) {
	case NETDEV_UNREGISTER:
		/*
		 * Unregistering here would deadlock on rtnl; the core's work
		 * queue does it.  A device still registering is handled by
		 * newlink once ib_register_device() returns.  The reference
		 * keeps a concurrent `rdma link delete` from completing
		 * between the check and the queueing.
		 */
		if (!sdev->registered) {
			sdev->ndev_gone = true;
		} else if (ib_device_try_get(&sdev->ibdev)) {
			ib_unregister_device_queued(&sdev->ibdev);
			ib_device_put(&sdev->ibdev);
		}
		/* else: an unregistration is already under way. */
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		sod_set_port_state(sdev, sod_ndev_port_state(ndev));
		break;
	case NETDEV_CHANGEMTU:
		/* query_port derives the active MTU from the netdev. */
		sod_dbg(sdev, "%s mtu is now %u\n", netdev_name(ndev),
			ndev->mtu);
		break;
	default:
		break;
	}
out:
	mutex_unlock(&sod_devs_lock);
	return NOTIFY_DONE;
}

static struct notifier_block sod_netdev_nb = {
	.notifier_call = sod_netdev_event,
};

/*
 * sod_unregister_devices - unregister every device of @net (all devices if
 * @net is NULL) and return once each is completely gone.
 *
 * Process context, may sleep; must not hold rtnl or sod_devs_lock.  Races
 * with any other unregistration are resolved by the core: a concurrent
 * unregistration holds the device's unregistration lock until after
 * sod_dev_dealloc() took the device off the list, and ib_unregister_device()
 * waits for that lock.
 */
void sod_unregister_devices(struct net *net)
{
	struct sod_dev *sdev;

	for (;;) {
		mutex_lock(&sod_devs_lock);
		list_for_each_entry(sdev, &sod_devs, list)
			if (!net || net_eq(sdev->net, net))
				break;
		if (list_entry_is_head(sdev, &sod_devs, list)) {
			mutex_unlock(&sod_devs_lock);
			return;
		}
		/* Keep the memory alive once we drop the lock. */
		get_device(&sdev->ibdev.dev);
		mutex_unlock(&sod_devs_lock);

		ib_unregister_device(&sdev->ibdev);
		put_device(&sdev->ibdev.dev);
	}
}

static int __init sod_init(void)
{
	int err;

	/*
	 * Per-QP work items: unbound, so QPs run on any CPU; high priority,
	 * so that a packet's work is not queued behind busy-polling
	 * applications for a scheduler tick.
	 */
	sod_wq = alloc_workqueue("softodp", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!sod_wq)
		return -ENOMEM;
	err = sod_net_init();
	if (err)
		goto err_wq;
	err = register_netdevice_notifier(&sod_netdev_nb);
	if (err)
		goto err_net;
	rdma_link_register(&sod_link_ops);
	return 0;

err_net:
	sod_net_exit();
err_wq:
	destroy_workqueue(sod_wq);
	return err;
}

static void __exit sod_exit(void)
{
	/* No new links once this returns (it waits for running newlinks). */
	rdma_link_unregister(&sod_link_ops);
	sod_unregister_devices(NULL);
	unregister_netdevice_notifier(&sod_netdev_nb);
	sod_net_exit();
	destroy_workqueue(sod_wq);
}

module_init(sod_init);
module_exit(sod_exit);

MODULE_ALIAS_RDMA_LINK(SOD_DRV_NAME);
MODULE_DESCRIPTION("softodp: software RoCEv2 RDMA device with On-Demand Paging");
MODULE_LICENSE("GPL");
