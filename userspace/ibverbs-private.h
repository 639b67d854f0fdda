/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The provider's own declarations of rdma-core's private provider interface
 * (libibverbs "driver.h" + "kern-abi.h"), as laid out in rdma-core v44.
 *
 * Debian ships only the public <infiniband/verbs.h>; a provider built out of
 * tree therefore has to declare the private structs and functions itself.
 * Nothing checks these at load time except the symbol version
 * IBVERBS_PRIVATE_34, which spans layouts that differ (rdma-core v34-v56),
 * so every size and offset libibverbs relies on is pinned below with a
 * static_assert (x86_64 values), and the build refuses rdma-core releases
 * outside v36..v56 (see cmake/SoftodpIbverbs.cmake).
 *
 * The ops table layout was cross-checked against Debian's libibverbs.so.1
 * (44.0): verbs_set_ops() reads 76 slots (offsets 0..600), and each slot
 * copied into the public struct verbs_context / ibv_context_ops lands on
 * the member of the same name.
 */
#ifndef SOFTODP_IBVERBS_PRIVATE_H
#define SOFTODP_IBVERBS_PRIVATE_H

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>

#if !defined(__x86_64__)
#error "ibverbs-private.h pins x86_64 layouts; re-derive them for this architecture"
#endif

/* The private ABI generation this header describes. */
#define SOFTODP_IBVERBS_PABI_VERSION 34

/* ------------------------------------------------------------------ */
/* Device discovery and matching                                       */
/* ------------------------------------------------------------------ */

/* ccan/list.h's node: two pointers. */
struct list_node {
	struct list_node *next;
	struct list_node *prev;
};

enum {
	VERBS_MATCH_SENTINEL = 0,
	VERBS_MATCH_PCI = 1,
	VERBS_MATCH_MODALIAS = 2,
	VERBS_MATCH_DRIVER_ID = 3,
};

struct verbs_match_ent {
	void *driver_data;
	union {
		const char *modalias;
		uint64_t driver_id;
	} u;
	uint16_t vendor;
	uint16_t device;
	uint8_t kind;
};

/* One RDMA device as libibverbs discovered it (netlink + sysfs). */
struct verbs_sysfs_dev {
	struct list_node entry;
	void *provider_data;
	const struct verbs_match_ent *match;
	unsigned int flags;
	char sysfs_name[IBV_SYSFS_NAME_MAX];
	dev_t sysfs_cdev;
	char ibdev_name[IBV_SYSFS_NAME_MAX];
	char ibdev_path[IBV_SYSFS_PATH_MAX];
	char modalias[512];
	uint64_t node_guid;
	uint32_t driver_id;
	enum ibv_node_type node_type;
	int ibdev_idx;
	uint32_t num_ports;	/* added in rdma-core v35 */
	uint32_t abi_ver;
	struct timespec time_created;
};

struct verbs_device;

struct verbs_device_ops {
	const char *name;

	uint32_t match_min_abi_version;
	uint32_t match_max_abi_version;
	const struct verbs_match_ent *match_table;
	const struct verbs_device_ops **static_providers;

	bool (*match_device)(struct verbs_sysfs_dev *sysfs_dev);

	struct verbs_context *(*alloc_context)(struct ibv_device *device,
					       int cmd_fd, void *private_data);
	struct verbs_context *(*import_context)(struct ibv_device *device,
						int cmd_fd);

	struct verbs_device *(*alloc_device)(struct verbs_sysfs_dev *sysfs_dev);
	void (*uninit_device)(struct verbs_device *device);
};

struct verbs_device {
	struct ibv_device device;	/* must be first */
	const struct verbs_device_ops *ops;
	atomic_int refcount;
	struct list_node entry;
	struct verbs_sysfs_dev *sysfs;
	uint64_t core_support;
};

/* ------------------------------------------------------------------ */
/* Helper object structs                                              */
/* ------------------------------------------------------------------ */

enum ibv_mr_type {
	IBV_MR_TYPE_MR,
	IBV_MR_TYPE_NULL_MR,
	IBV_MR_TYPE_IMPORTED_MR,
	IBV_MR_TYPE_DMABUF_MR,
};

struct verbs_mr {
	struct ibv_mr ibv_mr;
	enum ibv_mr_type mr_type;
	int access;
};

struct verbs_xrcd {
	struct ibv_xrcd xrcd;
	uint32_t comp_mask;
	uint32_t handle;
};

struct verbs_cq {
	union {
		struct ibv_cq cq;
		struct ibv_cq_ex cq_ex;
	};
};

struct verbs_qp {
	union {
		struct ibv_qp qp;
		struct ibv_qp_ex qp_ex;
	};
	uint32_t comp_mask;
	struct verbs_xrcd *xrcd;
};

struct verbs_srq {
	struct ibv_srq srq;
	enum ibv_srq_type srq_type;
	struct verbs_xrcd *xrcd;
	struct ibv_cq *cq;
	uint32_t srq_num;
};

/* ------------------------------------------------------------------ */
/* The ops table: 76 pointers, alphabetical order (v36..v56 layout)    */
/* ------------------------------------------------------------------ */

struct verbs_context_ops {
	int (*advise_mr)(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
			 uint32_t flags, struct ibv_sge *sg_list,
			 uint32_t num_sges);
	struct ibv_dm *(*alloc_dm)(struct ibv_context *context,
				   struct ibv_alloc_dm_attr *attr);
	struct ibv_mw *(*alloc_mw)(struct ibv_pd *pd, enum ibv_mw_type type);
	struct ibv_mr *(*alloc_null_mr)(struct ibv_pd *pd);
	struct ibv_pd *(*alloc_parent_domain)(
		struct ibv_context *context,
		struct ibv_parent_domain_init_attr *attr);
	struct ibv_pd *(*alloc_pd)(struct ibv_context *context);
	struct ibv_td *(*alloc_td)(struct ibv_context *context,
				   struct ibv_td_init_attr *init_attr);
	void (*async_event)(struct ibv_context *context,
			    struct ibv_async_event *event);
	int (*attach_counters_point_flow)(struct ibv_counters *counters,
					  struct ibv_counter_attach_attr *attr,
					  struct ibv_flow *flow);
	int (*attach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	int (*bind_mw)(struct ibv_qp *qp, struct ibv_mw *mw,
		       struct ibv_mw_bind *mw_bind);
	int (*close_xrcd)(struct ibv_xrcd *xrcd);
	void (*cq_event)(struct ibv_cq *cq);
	struct ibv_ah *(*create_ah)(struct ibv_pd *pd, struct ibv_ah_attr *attr);
	struct ibv_counters *(*create_counters)(
		struct ibv_context *context,
		struct ibv_counters_init_attr *init_attr);
	struct ibv_cq *(*create_cq)(struct ibv_context *context, int cqe,
				    struct ibv_comp_channel *channel,
				    int comp_vector);
	struct ibv_cq_ex *(*create_cq_ex)(struct ibv_context *context,
					  struct ibv_cq_init_attr_ex *init_attr);
	struct ibv_flow *(*create_flow)(struct ibv_qp *qp,
					struct ibv_flow_attr *flow_attr);
	struct ibv_flow_action *(*create_flow_action_esp)(
		struct ibv_context *context,
		struct ibv_flow_action_esp_attr *attr);
	struct ibv_qp *(*create_qp)(struct ibv_pd *pd,
				    struct ibv_qp_init_attr *attr);
	struct ibv_qp *(*create_qp_ex)(struct ibv_context *context,
				       struct ibv_qp_init_attr_ex *attr);
	struct ibv_rwq_ind_table *(*create_rwq_ind_table)(
		struct ibv_context *context,
		struct ibv_rwq_ind_table_init_attr *init_attr);
	struct ibv_srq *(*create_srq)(struct ibv_pd *pd,
				      struct ibv_srq_init_attr *attr);
	struct ibv_srq *(*create_srq_ex)(struct ibv_context *context,
					 struct ibv_srq_init_attr_ex *attr);
	struct ibv_wq *(*create_wq)(struct ibv_context *context,
				    struct ibv_wq_init_attr *attr);
	int (*dealloc_mw)(struct ibv_mw *mw);
	int (*dealloc_pd)(struct ibv_pd *pd);
	int (*dealloc_td)(struct ibv_td *td);
	int (*dereg_mr)(struct verbs_mr *vmr);
	int (*destroy_ah)(struct ibv_ah *ah);
	int (*destroy_counters)(struct ibv_counters *counters);
	int (*destroy_cq)(struct ibv_cq *cq);
	int (*destroy_flow)(struct ibv_flow *flow);
	int (*destroy_flow_action)(struct ibv_flow_action *action);
	int (*destroy_qp)(struct ibv_qp *qp);
	int (*destroy_rwq_ind_table)(struct ibv_rwq_ind_table *table);
	int (*destroy_srq)(struct ibv_srq *srq);
	int (*destroy_wq)(struct ibv_wq *wq);
	int (*detach_mcast)(struct ibv_qp *qp, const union ibv_gid *gid,
			    uint16_t lid);
	void (*free_context)(struct ibv_context *context);
	int (*free_dm)(struct ibv_dm *dm);
	int (*get_srq_num)(struct ibv_srq *srq, uint32_t *srq_num);
	struct ibv_dm *(*import_dm)(struct ibv_context *context,
				    uint32_t dm_handle);
	struct ibv_mr *(*import_mr)(struct ibv_pd *pd, uint32_t mr_handle);
	struct ibv_pd *(*import_pd)(struct ibv_context *context,
				    uint32_t pd_handle);
	int (*modify_cq)(struct ibv_cq *cq, struct ibv_modify_cq_attr *attr);
	int (*modify_flow_action_esp)(struct ibv_flow_action *action,
				      struct ibv_flow_action_esp_attr *attr);
	int (*modify_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask);
	int (*modify_qp_rate_limit)(struct ibv_qp *qp,
				    struct ibv_qp_rate_limit_attr *attr);
	int (*modify_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr,
			  int attr_mask);
	int (*modify_wq)(struct ibv_wq *wq, struct ibv_wq_attr *attr);
	struct ibv_qp *(*open_qp)(struct ibv_context *context,
				  struct ibv_qp_open_attr *attr);
	struct ibv_xrcd *(*open_xrcd)(struct ibv_context *context,
				      struct ibv_xrcd_init_attr *attr);
	int (*poll_cq)(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
	int (*post_recv)(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			 struct ibv_recv_wr **bad_wr);
	int (*post_send)(struct ibv_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad_wr);
	int (*post_srq_ops)(struct ibv_srq *srq, struct ibv_ops_wr *op,
			    struct ibv_ops_wr **bad_op);
	int (*post_srq_recv)(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			     struct ibv_recv_wr **bad_wr);
	int (*query_device_ex)(struct ibv_context *context,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr,
			       size_t attr_size);
	int (*query_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	int (*query_port)(struct ibv_context *context, uint8_t port_num,
			  struct ibv_port_attr *port_attr);
	int (*query_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			int attr_mask, struct ibv_qp_init_attr *init_attr);
	int (*query_qp_data_in_order)(struct ibv_qp *qp, enum ibv_wr_opcode op,
				      uint32_t flags);
	int (*query_rt_values)(struct ibv_context *context,
			       struct ibv_values_ex *values);
	int (*query_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr);
	int (*read_counters)(struct ibv_counters *counters,
			     uint64_t *counters_value, uint32_t ncounters,
			     uint32_t flags);
	struct ibv_mr *(*reg_dm_mr)(struct ibv_pd *pd, struct ibv_dm *dm,
				    uint64_t dm_offset, size_t length,
				    unsigned int access);
	struct ibv_mr *(*reg_dmabuf_mr)(struct ibv_pd *pd, uint64_t offset,
					size_t length, uint64_t iova, int fd,
					int access);
	struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t hca_va, int access);
	int (*req_notify_cq)(struct ibv_cq *cq, int solicited_only);
	int (*rereg_mr)(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access);
	int (*resize_cq)(struct ibv_cq *cq, int cqe);
	int (*set_ece)(struct ibv_qp *qp, struct ibv_ece *ece);
	void (*unimport_dm)(struct ibv_dm *dm);
	void (*unimport_mr)(struct ibv_mr *mr);
	void (*unimport_pd)(struct ibv_pd *pd);
};

/* ------------------------------------------------------------------ */
/* kern-abi: legacy write() command buffers                           */
/*                                                                     */
/* Each is struct ib_uverbs_cmd_hdr followed by the kernel's core      */
/* struct from <rdma/ib_user_verbs.h>; the driver's own bytes follow   */
/* at sizeof(the struct).  Responses are the kernel's core response    */
/* followed by the driver's bytes.                                     */
/* ------------------------------------------------------------------ */

struct ibv_get_context {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;		/* struct ib_uverbs_get_context */
};

struct ibv_query_port {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;		/* struct ib_uverbs_query_port */
	__u8 port_num;
	__u8 reserved[7];
};

struct ibv_alloc_pd {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;		/* struct ib_uverbs_alloc_pd */
};

/*
 * Extended (write_ex) commands: the legacy header, then
 * struct ib_uverbs_ex_cmd_hdr (24 bytes together), then the core struct.
 */
struct ex_hdr {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_ex_cmd_hdr ex_hdr;
};

/*
 * The data-path objects' commands.  The core structs end in a flexible
 * driver_data[] array: it adds nothing to their size, so sizeof() of each
 * wrapper below is exactly header + core struct, where the driver's bytes
 * (none for these commands) would start.
 */
struct ibv_create_cq {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_create_cq core;
};

struct ibv_create_cq_ex {
	struct ex_hdr hdr;
	struct ib_uverbs_ex_create_cq core;
};

struct ibv_resize_cq {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_resize_cq core;
};

struct ibv_create_qp {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_create_qp core;
};

struct ibv_modify_qp {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_modify_qp core;
};

struct ibv_query_qp {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_query_qp core;
};

struct ibv_create_srq {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_create_srq core;
};

struct ibv_modify_srq {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_modify_srq core;
};

struct ibv_query_srq {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_query_srq core;
};

struct ibv_reg_mr {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_reg_mr core;
};

struct ibv_rereg_mr {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_rereg_mr core;
};

/* The SQ doorbell: a POST_SEND with no work requests (see softodp-abi.h). */
struct ibv_post_send {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_post_send core;
};

/* The RQ doorbell (only asked for in ERR): a POST_RECV with no WRs. */
struct ibv_post_recv {
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_post_recv core;
};

/* ------------------------------------------------------------------ */
/* Private functions (symbol version IBVERBS_PRIVATE_34)               */
/* ------------------------------------------------------------------ */

void verbs_register_driver_34(const struct verbs_device_ops *ops);

void *_verbs_init_and_alloc_context(struct ibv_device *device, int cmd_fd,
				    size_t alloc_size,
				    struct verbs_context *context_offset,
				    uint32_t driver_id);
void verbs_uninit_context(struct verbs_context *context);
void verbs_set_ops(struct verbs_context *vctx,
		   const struct verbs_context_ops *ops);

int ibv_cmd_get_context(struct verbs_context *context,
			struct ibv_get_context *cmd, size_t cmd_size,
			struct ib_uverbs_get_context_resp *resp,
			size_t resp_size);
int ibv_cmd_query_device_any(struct ibv_context *context,
			     const struct ibv_query_device_ex_input *input,
			     struct ibv_device_attr_ex *attr, size_t attr_size,
			     struct ib_uverbs_ex_query_device_resp *resp,
			     size_t *resp_size);
int ibv_cmd_query_port(struct ibv_context *context, uint8_t port_num,
		       struct ibv_port_attr *port_attr,
		       struct ibv_query_port *cmd, size_t cmd_size);
int ibv_cmd_alloc_pd(struct ibv_context *context, struct ibv_pd *pd,
		     struct ibv_alloc_pd *cmd, size_t cmd_size,
		     struct ib_uverbs_alloc_pd_resp *resp, size_t resp_size);
int ibv_cmd_dealloc_pd(struct ibv_pd *pd);

/* CQ */
int ibv_cmd_create_cq(struct ibv_context *context, int cqe,
		      struct ibv_comp_channel *channel, int comp_vector,
		      struct ibv_cq *cq, struct ibv_create_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_create_cq_resp *resp,
		      size_t resp_size);
int ibv_cmd_create_cq_ex(struct ibv_context *context,
			 const struct ibv_cq_init_attr_ex *cq_attr,
			 struct verbs_cq *cq, struct ibv_create_cq_ex *cmd,
			 size_t cmd_size,
			 struct ib_uverbs_ex_create_cq_resp *resp,
			 size_t resp_size, uint32_t cmd_flags);
int ibv_cmd_resize_cq(struct ibv_cq *cq, int cqe, struct ibv_resize_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_resize_cq_resp *resp,
		      size_t resp_size);
int ibv_cmd_req_notify_cq(struct ibv_cq *cq, int solicited_only);
int ibv_cmd_destroy_cq(struct ibv_cq *cq);

/* QP */
int ibv_cmd_create_qp(struct ibv_pd *pd, struct ibv_qp *qp,
		      struct ibv_qp_init_attr *attr, struct ibv_create_qp *cmd,
		      size_t cmd_size, struct ib_uverbs_create_qp_resp *resp,
		      size_t resp_size);
int ibv_cmd_create_qp_ex(struct ibv_context *context, struct verbs_qp *qp,
			 struct ibv_qp_init_attr_ex *attr_ex,
			 struct ibv_create_qp *cmd, size_t cmd_size,
			 struct ib_uverbs_create_qp_resp *resp,
			 size_t resp_size);
int ibv_cmd_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		      int attr_mask, struct ibv_modify_qp *cmd,
		      size_t cmd_size);
int ibv_cmd_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *qp_attr,
		     int attr_mask, struct ibv_qp_init_attr *qp_init_attr,
		     struct ibv_query_qp *cmd, size_t cmd_size);
int ibv_cmd_destroy_qp(struct ibv_qp *qp);

/* SRQ */
int ibv_cmd_create_srq(struct ibv_pd *pd, struct ibv_srq *srq,
		       struct ibv_srq_init_attr *attr,
		       struct ibv_create_srq *cmd, size_t cmd_size,
		       struct ib_uverbs_create_srq_resp *resp,
		       size_t resp_size);
int ibv_cmd_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *srq_attr,
		       int srq_attr_mask, struct ibv_modify_srq *cmd,
		       size_t cmd_size);
int ibv_cmd_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *srq_attr,
		      struct ibv_query_srq *cmd, size_t cmd_size);
int ibv_cmd_destroy_srq(struct ibv_srq *srq);

/* MR */
int ibv_cmd_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
		   uint64_t hca_va, int access, struct verbs_mr *vmr,
		   struct ibv_reg_mr *cmd, size_t cmd_size,
		   struct ib_uverbs_reg_mr_resp *resp, size_t resp_size);
int ibv_cmd_rereg_mr(struct verbs_mr *vmr, uint32_t flags, void *addr,
		     size_t length, uint64_t hca_va, int access,
		     struct ibv_pd *pd, struct ibv_rereg_mr *cmd,
		     size_t cmd_sz, struct ib_uverbs_rereg_mr_resp *resp,
		     size_t resp_sz);
int ibv_cmd_dereg_mr(struct verbs_mr *vmr);
int ibv_cmd_advise_mr(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		      uint32_t flags, struct ibv_sge *sg_list,
		      uint32_t num_sge);

/* AH */
int ibv_cmd_create_ah(struct ibv_pd *pd, struct ibv_ah *ah,
		      struct ibv_ah_attr *attr,
		      struct ib_uverbs_create_ah_resp *resp, size_t resp_size);
int ibv_cmd_destroy_ah(struct ibv_ah *ah);

int ibv_read_ibdev_sysfs_file(char *buf, size_t size,
			      struct verbs_sysfs_dev *sysfs_dev,
			      const char *fnfmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------ */
/* Layout pins (x86_64, rdma-core v36..v56)                            */
/* ------------------------------------------------------------------ */

#define SOFTODP_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define SOFTODP_ASSERT_OFF(type, member, off)                            \
	static_assert(offsetof(type, member) == (off),                   \
		      "offsetof(" #type ", " #member ") != " #off)

SOFTODP_ASSERT_SIZE(struct list_node, 16);

SOFTODP_ASSERT_SIZE(struct verbs_match_ent, 24);
SOFTODP_ASSERT_OFF(struct verbs_match_ent, u, 8);
SOFTODP_ASSERT_OFF(struct verbs_match_ent, vendor, 16);
SOFTODP_ASSERT_OFF(struct verbs_match_ent, device, 18);
SOFTODP_ASSERT_OFF(struct verbs_match_ent, kind, 20);

SOFTODP_ASSERT_SIZE(struct verbs_sysfs_dev, 992);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, provider_data, 16);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, match, 24);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, flags, 32);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, sysfs_name, 36);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, sysfs_cdev, 104);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, ibdev_name, 112);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, ibdev_path, 176);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, modalias, 432);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, node_guid, 944);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, driver_id, 952);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, node_type, 956);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, ibdev_idx, 960);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, num_ports, 964);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, abi_ver, 968);
SOFTODP_ASSERT_OFF(struct verbs_sysfs_dev, time_created, 976);

SOFTODP_ASSERT_SIZE(struct verbs_device_ops, 72);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, match_min_abi_version, 8);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, match_max_abi_version, 12);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, match_table, 16);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, static_providers, 24);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, match_device, 32);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, alloc_context, 40);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, import_context, 48);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, alloc_device, 56);
SOFTODP_ASSERT_OFF(struct verbs_device_ops, uninit_device, 64);

SOFTODP_ASSERT_SIZE(struct ibv_device, 664);
SOFTODP_ASSERT_SIZE(struct verbs_device, 712);
SOFTODP_ASSERT_OFF(struct verbs_device, device, 0);
SOFTODP_ASSERT_OFF(struct verbs_device, ops, 664);
SOFTODP_ASSERT_OFF(struct verbs_device, refcount, 672);
SOFTODP_ASSERT_OFF(struct verbs_device, entry, 680);
SOFTODP_ASSERT_OFF(struct verbs_device, sysfs, 696);
SOFTODP_ASSERT_OFF(struct verbs_device, core_support, 704);

SOFTODP_ASSERT_OFF(struct verbs_mr, ibv_mr, 0);
SOFTODP_ASSERT_OFF(struct verbs_mr, mr_type, sizeof(struct ibv_mr));
SOFTODP_ASSERT_SIZE(struct verbs_mr, 56);
SOFTODP_ASSERT_SIZE(struct verbs_xrcd, 16);
SOFTODP_ASSERT_OFF(struct verbs_cq, cq_ex, 0);
SOFTODP_ASSERT_SIZE(struct verbs_cq, sizeof(struct ibv_cq_ex));
SOFTODP_ASSERT_OFF(struct verbs_qp, qp_ex, 0);
SOFTODP_ASSERT_OFF(struct ibv_qp_ex, qp_base, 0);
SOFTODP_ASSERT_OFF(struct verbs_qp, comp_mask, sizeof(struct ibv_qp_ex));
SOFTODP_ASSERT_OFF(struct verbs_srq, srq_type, sizeof(struct ibv_srq));

/* One slot per op; index = position in the alphabetical list. */
#define SOFTODP_OPS_SLOT(idx) ((idx) * sizeof(void (*)(void)))
SOFTODP_ASSERT_SIZE(struct verbs_context_ops, 608);
SOFTODP_ASSERT_SIZE(struct verbs_context_ops, SOFTODP_OPS_SLOT(76));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, advise_mr, SOFTODP_OPS_SLOT(0));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, alloc_pd, SOFTODP_OPS_SLOT(5));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, async_event, SOFTODP_OPS_SLOT(7));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, create_cq, SOFTODP_OPS_SLOT(15));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, create_qp, SOFTODP_OPS_SLOT(19));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, dealloc_pd, SOFTODP_OPS_SLOT(26));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, dereg_mr, SOFTODP_OPS_SLOT(28));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, free_context, SOFTODP_OPS_SLOT(39));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, import_dm, SOFTODP_OPS_SLOT(42));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, poll_cq, SOFTODP_OPS_SLOT(53));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, post_recv, SOFTODP_OPS_SLOT(54));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, post_send, SOFTODP_OPS_SLOT(55));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, query_device_ex, SOFTODP_OPS_SLOT(58));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, query_port, SOFTODP_OPS_SLOT(60));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, query_qp_data_in_order, SOFTODP_OPS_SLOT(62));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, reg_mr, SOFTODP_OPS_SLOT(68));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, req_notify_cq, SOFTODP_OPS_SLOT(69));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, unimport_dm, SOFTODP_OPS_SLOT(73));
SOFTODP_ASSERT_OFF(struct verbs_context_ops, unimport_pd, SOFTODP_OPS_SLOT(75));

/* Command buffers: header + core struct; driver bytes start right after. */
SOFTODP_ASSERT_SIZE(struct ib_uverbs_cmd_hdr, 8);
SOFTODP_ASSERT_SIZE(struct ibv_get_context, 16);
SOFTODP_ASSERT_SIZE(struct ibv_get_context, sizeof(struct ib_uverbs_cmd_hdr) +
					    sizeof(struct ib_uverbs_get_context));
SOFTODP_ASSERT_SIZE(struct ibv_query_port, 24);
SOFTODP_ASSERT_SIZE(struct ibv_query_port, sizeof(struct ib_uverbs_cmd_hdr) +
					   sizeof(struct ib_uverbs_query_port));
SOFTODP_ASSERT_OFF(struct ibv_query_port, port_num,
		   sizeof(struct ib_uverbs_cmd_hdr) +
			   offsetof(struct ib_uverbs_query_port, port_num));
SOFTODP_ASSERT_SIZE(struct ibv_alloc_pd, 16);
SOFTODP_ASSERT_SIZE(struct ibv_alloc_pd, sizeof(struct ib_uverbs_cmd_hdr) +
					 sizeof(struct ib_uverbs_alloc_pd));
SOFTODP_ASSERT_SIZE(struct ib_uverbs_get_context_resp, 8);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_alloc_pd_resp, 4);

SOFTODP_ASSERT_SIZE(struct ex_hdr, 24);
SOFTODP_ASSERT_SIZE(struct ibv_create_cq, 8 + 32);
SOFTODP_ASSERT_SIZE(struct ibv_create_cq_ex, 24 + 32);
SOFTODP_ASSERT_SIZE(struct ibv_resize_cq, 8 + 16);
SOFTODP_ASSERT_SIZE(struct ibv_create_qp, 8 + 56);
SOFTODP_ASSERT_SIZE(struct ibv_modify_qp, 8 + 112);
SOFTODP_ASSERT_SIZE(struct ibv_query_qp, 8 + 16);
SOFTODP_ASSERT_SIZE(struct ibv_create_srq, 8 + 32);
SOFTODP_ASSERT_SIZE(struct ibv_modify_srq, 8 + 16);
SOFTODP_ASSERT_SIZE(struct ibv_query_srq, 8 + 16);
SOFTODP_ASSERT_SIZE(struct ibv_reg_mr, 8 + 40);
SOFTODP_ASSERT_SIZE(struct ibv_rereg_mr, 8 + 48);
SOFTODP_ASSERT_SIZE(struct ibv_post_send, 8 + 24);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_post_send_resp, 4);
SOFTODP_ASSERT_SIZE(struct ibv_post_recv, 8 + 24);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_post_recv_resp, 4);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_create_cq_resp, 8);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_ex_create_cq_resp, 16);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_resize_cq_resp, 8);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_create_qp_resp, 32);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_create_srq_resp, 16);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_reg_mr_resp, 12);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_rereg_mr_resp, 8);
SOFTODP_ASSERT_SIZE(struct ib_uverbs_create_ah_resp, 4);

#endif /* SOFTODP_IBVERBS_PRIVATE_H */
