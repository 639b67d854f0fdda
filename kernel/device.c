// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: device and port attributes, sysfs identity, registration.
 */
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>
#include <rdma/ib_mad.h>

#include "softodp.h"

/*
 * sod_ndev_port_state - the IB port state implied by the netdev: ACTIVE
 * when it is up and has carrier.  Any context; the caller keeps @ndev alive.
 */
enum ib_port_state sod_ndev_port_state(struct net_device *ndev)
{
	return netif_running(ndev) && netif_carrier_ok(ndev) ?
		IB_PORT_ACTIVE : IB_PORT_DOWN;
}

/*
 * sod_query_device - ops.query_device.  Process context.
 * Only what is implemented is advertised: ODP, explicit and implicit, for
 * every RC and UD operation.
 */
static int sod_query_device(struct ib_device *ibdev,
			    struct ib_device_attr *attr, struct ib_udata *udata)
{
	if (udata->inlen || udata->outlen)
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	attr->fw_ver = SOFTODP_FW_VER(SOD_FW_MAJOR, SOD_FW_MINOR,
				      SOD_FW_SUBMINOR);
	attr->sys_image_guid = ibdev->node_guid;
	attr->vendor_id = SOFTODP_VENDOR_ID;
	attr->vendor_part_id = SOFTODP_VENDOR_PART_ID;
	attr->hw_ver = SOD_HW_VER;
	attr->page_size_cap = PAGE_SIZE;
	attr->max_mr_size = SOD_MAX_MR_SIZE;
	attr->max_qp = SOD_MAX_QP;
	attr->max_qp_wr = SOD_MAX_QP_WR;
	attr->device_cap_flags = IB_DEVICE_RC_RNR_NAK_GEN |
				 IB_DEVICE_SYS_IMAGE_GUID;
	attr->max_send_sge = SOD_MAX_SGE;
	attr->max_recv_sge = SOD_MAX_SGE;
	attr->max_sge_rd = SOD_MAX_SGE;
	attr->max_cq = SOD_MAX_CQ;
	attr->max_cqe = SOD_MAX_CQE - 1;
	attr->max_mr = SOD_MAX_MR;
	attr->max_pd = SOD_MAX_PD;
	attr->max_qp_rd_atom = SOD_MAX_RD_ATOMIC;
	attr->max_qp_init_rd_atom = SOD_MAX_RD_ATOMIC;
	attr->max_res_rd_atom = SOD_MAX_RD_ATOMIC * SOD_MAX_QP;
	attr->max_srq = SOD_MAX_SRQ;
	attr->max_srq_wr = SOD_MAX_SRQ_WR;
	attr->max_srq_sge = SOD_MAX_SGE;
	attr->max_ah = SOD_MAX_AH;
	attr->max_pkeys = 1;
	attr->atomic_cap = IB_ATOMIC_HCA;
	attr->masked_atomic_cap = IB_ATOMIC_NONE;
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG | IBK_ON_DEMAND_PAGING;
	attr->odp_caps.general_caps = IB_ODP_SUPPORT | IB_ODP_SUPPORT_IMPLICIT;
	attr->odp_caps.per_transport_caps.rc_odp_caps =
		IB_ODP_SUPPORT_SEND | IB_ODP_SUPPORT_RECV |
		IB_ODP_SUPPORT_WRITE | IB_ODP_SUPPORT_READ |
		IB_ODP_SUPPORT_ATOMIC | IB_ODP_SUPPORT_SRQ_RECV;
	attr->odp_caps.per_transport_caps.ud_odp_caps =
		IB_ODP_SUPPORT_SEND | IB_ODP_SUPPORT_RECV;
	return 0;
}

/*
 * sod_port_speed - the link rate of the netdev as IB width and speed.  A
 * netdev that does not know its speed (virtio, veth) counts as 1 Gb/s,
 * quietly: that is normal for virtual NICs.  Process context, takes rtnl.
 */
static void sod_port_speed(struct net_device *ndev, u16 *speed, u8 *width)
{
	struct ethtool_link_ksettings ks;
	u32 mbps = SPEED_1000;

	rtnl_lock();
	if (ndev->reg_state == NETREG_REGISTERED &&
	    !__ethtool_get_link_ksettings(ndev, &ks) &&
	    ks.base.speed != (u32)SPEED_UNKNOWN && ks.base.speed)
		mbps = ks.base.speed;
	rtnl_unlock();
	sod_eth_speed_to_ib(mbps, speed, width);
}

/*
 * sod_query_port - ops.query_port.  Process context, may sleep (the link
 * speed query takes rtnl).  @attr comes zeroed from the core.
 */
static int sod_query_port(struct ib_device *ibdev, u32 port,
			  struct ib_port_attr *attr)
{
	struct sod_dev *sdev = to_sod_dev(ibdev);
	struct net_device *ndev = sdev->ndev;

	attr->state = READ_ONCE(sdev->port_state);
	attr->max_mtu = IB_MTU_4096;
	attr->active_mtu = sod_active_mtu(READ_ONCE(ndev->mtu));
	attr->gid_tbl_len = SOD_GID_TBL_LEN;
	attr->port_cap_flags = IB_PORT_CM_SUP;
	attr->max_msg_sz = SOD_MAX_MSG_SIZE;
	attr->pkey_tbl_len = 1;
	attr->max_vl_num = 1;
	attr->phys_state = IB_PORT_PHYS_STATE_DISABLED;
	if (attr->state == IB_PORT_ACTIVE)
		attr->phys_state = IB_PORT_PHYS_STATE_LINK_UP;
	else if (dev_get_flags(ndev) & IFF_UP)
		attr->phys_state = IB_PORT_PHYS_STATE_POLLING;

	sod_port_speed(ndev, &attr->active_speed, &attr->active_width);
	return 0;
}

/* ops.query_pkey: the single default P_Key.  Any context. */
static int sod_query_pkey(struct ib_device *ibdev, u32 port, u16 index,
			  u16 *pkey)
{
	if (index)
		return -EINVAL;
	*pkey = IB_DEFAULT_PKEY_FULL;
	return 0;
}

/*
 * ops.get_port_immutable: a RoCE v2 port, so the core fills the GID table
 * from the netdev's IPv4/IPv6 addresses.  Process context (registration).
 */
static int sod_port_immutable(struct ib_device *ibdev, u32 port,
			      struct ib_port_immutable *imm)
{
	imm->core_cap_flags = RDMA_CORE_PORT_IBA_ROCE_UDP_ENCAP;
	imm->gid_tbl_len = SOD_GID_TBL_LEN;
	imm->pkey_tbl_len = 1;
	imm->max_mad_size = IB_MGMT_MAD_SIZE;
	return 0;
}

static enum rdma_link_layer sod_link_layer(struct ib_device *ibdev, u32 port)
{
	return IB_LINK_LAYER_ETHERNET;
}

static void sod_fw_str(struct ib_device *ibdev, char *str)
{
	snprintf(str, IB_FW_VERSION_NAME_MAX, "%u.%u.%u", SOD_FW_MAJOR,
		 SOD_FW_MINOR, SOD_FW_SUBMINOR);
}

/*
 * sysfs: hca_type identifies the device to the provider (which cannot
 * match on a driver id, see docs/architecture.md); parent names the bound
 * netdev.  Process context; the files are removed before sod_dev_dealloc()
 * drops the netdev reference.
 */
static ssize_t hca_type_show(struct device *device,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", SOFTODP_HCA_TYPE);
}
static DEVICE_ATTR_RO(hca_type);

static ssize_t parent_show(struct device *device,
			   struct device_attribute *attr, char *buf)
{
	struct sod_dev *sdev = rdma_device_to_drv_device(device, struct sod_dev,
							 ibdev);

	return sysfs_emit(buf, "%s\n", netdev_name(sdev->ndev));
}
static DEVICE_ATTR_RO(parent);

static struct attribute *sod_dev_attrs[] = {
	&dev_attr_hca_type.attr,
	&dev_attr_parent.attr,
	NULL,
};

static const struct attribute_group sod_dev_attr_group = {
	.attrs = sod_dev_attrs,
};

/* Port counters (`rdma statistic show`), in enum sod_stat order. */
static const struct rdma_stat_desc sod_stat_descs[SOD_NUM_STATS] = {
	[SOD_STAT_TX_PACKETS] = { .name = "sent_pkts" },
	[SOD_STAT_TX_BYTES] = { .name = "sent_bytes" },
	[SOD_STAT_RX_PACKETS] = { .name = "rcvd_pkts" },
	[SOD_STAT_RX_BYTES] = { .name = "rcvd_bytes" },
	[SOD_STAT_RX_DROP_MALFORMED] = { .name = "rcvd_malformed" },
	[SOD_STAT_RX_DROP_ICRC] = { .name = "rcvd_icrc_err" },
	[SOD_STAT_RX_DROP_NO_QP] = { .name = "rcvd_no_qp" },
	[SOD_STAT_TX_DROP] = { .name = "send_err" },
	[SOD_STAT_RETRANSMITS] = { .name = "retransmits" },
	[SOD_STAT_RNR_NAK_SENT] = { .name = "rnr_nak_sent" },
	[SOD_STAT_RNR_NAK_RCVD] = { .name = "rnr_nak_rcvd" },
	[SOD_STAT_SEQ_ERR] = { .name = "rcvd_seq_err" },
	[SOD_STAT_DUP_REQ] = { .name = "duplicate_request" },
	[SOD_STAT_RETRY_EXCEEDED] = { .name = "retry_exceeded_err" },
	[SOD_STAT_RNR_RETRY_EXCEEDED] = { .name = "rnr_retry_exceeded_err" },
	[SOD_STAT_ODP_FAULTS] = { .name = "odp_faults" },
	[SOD_STAT_ODP_FAULT_PAGES] = { .name = "odp_fault_pages" },
	[SOD_STAT_ODP_FAULT_ERRORS] = { .name = "odp_fault_errors" },
	[SOD_STAT_ODP_INVALIDATIONS] = { .name = "odp_invalidations" },
	[SOD_STAT_ODP_INVAL_PAGES] = { .name = "odp_invalidated_pages" },
	[SOD_STAT_RX_DROP_OPCODE] = { .name = "rcvd_bad_opcode" },
	[SOD_STAT_RX_DROP_QP_TYPE] = { .name = "rcvd_qp_type_err" },
	[SOD_STAT_RX_DROP_PKEY] = { .name = "rcvd_pkey_err" },
	[SOD_STAT_RX_DROP_QP_STATE] = { .name = "rcvd_qp_state_drop" },
	[SOD_STAT_RX_DROP_QKEY] = { .name = "rcvd_qkey_err" },
	[SOD_STAT_RX_DROP_NO_RWQE] = { .name = "rcvd_ud_drop" },
	[SOD_STAT_RX_DROP_BUSY] = { .name = "rcvd_busy_drop" },
	[SOD_STAT_NAK_INVALID_REQ] = { .name = "nak_sent_inv_req" },
	[SOD_STAT_NAK_REM_ACCESS] = { .name = "nak_sent_rem_access" },
	[SOD_STAT_NAK_REM_OP] = { .name = "nak_sent_rem_op" },
	[SOD_STAT_NAK_SEQ_ERR] = { .name = "nak_sent_seq_err" },
	[SOD_STAT_TX_LOCAL] = { .name = "sent_pkts_local" },
	[SOD_STAT_RUN_PASSES] = { .name = "local_passes" },
	[SOD_STAT_CWND_CUTS] = { .name = "cwnd_cuts" },
	[SOD_STAT_TX_PACED] = { .name = "tx_paced" },
	[SOD_STAT_RX_SOFTIRQ] = { .name = "rcvd_softirq" },
	[SOD_STAT_RX_SOFTIRQ_ACK] = { .name = "rcvd_softirq_acks" },
	[SOD_STAT_RX_SOFTIRQ_READ] = { .name = "rcvd_softirq_read_resps" },
};

/*
 * sod_alloc_port_stats - ops.alloc_hw_port_stats: the descriptor of the
 * port's counters.  Process context, may sleep.
 */
static struct rdma_hw_stats *sod_alloc_port_stats(struct ib_device *ibdev,
						  u32 port)
{
	return rdma_alloc_hw_stats_struct(sod_stat_descs, SOD_NUM_STATS,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

/*
 * sod_get_hw_stats - ops.get_hw_stats: read the device's counters (one
 * port, so the port's counters are the device's).  Process context; the
 * core holds stats->lock.
 */
static int sod_get_hw_stats(struct ib_device *ibdev,
			    struct rdma_hw_stats *stats, u32 port, int index)
{
	struct sod_dev *sdev = to_sod_dev(ibdev);
	int i;

	for (i = 0; i < SOD_NUM_STATS; i++)
		stats->value[i] = atomic64_read(&sdev->stats[i]);
	return SOD_NUM_STATS;
}

static const struct ib_device_ops sod_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = SOFTODP_ABI_VERSION,
	.device_group = &sod_dev_attr_group,

	.alloc_hw_port_stats = sod_alloc_port_stats,
	.dealloc_driver = sod_dev_dealloc,
	.get_dev_fw_str = sod_fw_str,
	.get_hw_stats = sod_get_hw_stats,
	.get_link_layer = sod_link_layer,
	.get_port_immutable = sod_port_immutable,
	.query_device = sod_query_device,
	.query_pkey = sod_query_pkey,
	.query_port = sod_query_port,
};

/*
 * sod_dev_setup - fill in a freshly allocated device: identity and ops.
 * Cannot fail.  Must run before any step of newlink that can fail, so that
 * the error path's ib_dealloc_device() finds ops.dealloc_driver set and
 * undoes what was done.  Process context.
 */
void sod_dev_setup(struct sod_dev *sdev)
{
	struct ib_device *ibdev = &sdev->ibdev;

	strscpy(ibdev->node_desc, SOD_DRV_NAME, sizeof(ibdev->node_desc));
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = 1;
	ibdev->num_comp_vectors = 1;
	ibdev->local_dma_lkey = 0;
	addrconf_addr_eui48((u8 *)&ibdev->node_guid, sdev->ndev->dev_addr);
	/*
	 * Commands the core leaves off by default: the doorbells (empty
	 * POST_SEND / POST_RECV) and arming a CQ.
	 */
	ibdev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_POST_SEND) |
				  BIT_ULL(IB_USER_VERBS_CMD_POST_RECV) |
				  BIT_ULL(IB_USER_VERBS_CMD_REQ_NOTIFY_CQ);

	ib_set_device_ops(ibdev, &sod_dev_ops);
	ib_set_device_ops(ibdev, &sod_verbs_ops);
	ib_set_device_ops(ibdev, &sod_cq_ops);
	ib_set_device_ops(ibdev, &sod_srq_ops);
	ib_set_device_ops(ibdev, &sod_mr_ops);
	ib_set_device_ops(ibdev, &sod_ah_ops);
	ib_set_device_ops(ibdev, &sod_qp_ops);
}

/*
 * sod_dev_register - register the device with the core.
 * Process context, may sleep; no driver lock held.  On failure the caller
 * deallocates the device.
 */
int sod_dev_register(struct sod_dev *sdev, const char *name)
{
	struct ib_device *ibdev = &sdev->ibdev;
	int err;

	err = ib_device_set_netdev(ibdev, sdev->ndev, 1);
	if (err)
		return err;

	/* No DMA device: the core uses kernel virtual addresses. */
	return ib_register_device(ibdev, name, NULL);
}
