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
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/xarray.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_verbs.h>
#include <rdma/softodp-abi.h>

#define SOD_DRV_NAME		"softodp"

/* RoCEv2 well-known UDP destination port. */
#define SOD_ROCE_V2_PORT	4791

/* Limits the device advertises (query_device) and enforces. */
#define SOD_MAX_PD		(1U << 16)
#define SOD_GID_TBL_LEN		128
#define SOD_MAX_MSG_SIZE	(1U << 31)

#define SOD_HW_VER		1
#define SOD_FW_MAJOR		0
#define SOD_FW_MINOR		1
#define SOD_FW_SUBMINOR		0

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

/* net.c */
int sod_net_init(void);
void sod_net_exit(void);
int sod_tunnel_get(struct net *net);
void sod_tunnel_put(struct net *net);

/* main.c: device list, used by net.c on namespace exit */
void sod_unregister_devices(struct net *net);

#endif /* SOFTODP_H */
