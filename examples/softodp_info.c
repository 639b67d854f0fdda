// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * softodp_info: list softodp RDMA devices and print what they can do,
 * in particular their On-Demand Paging (ODP) capabilities.
 *
 * Build on its own with:   cc -o softodp_info softodp_info.c -libverbs
 * Run:                     ./softodp_info [-a] [-d DEVICE]
 *   -a         show every RDMA device, not only softodp ones
 *   -d DEVICE  show only this device
 *
 * Only the public libibverbs API is used.  If the provider is not installed
 * yet, point libibverbs at a build tree:
 *   RDMAV_DRIVERS=/path/to/build/lib/libsoftodp ./softodp_info
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/verbs.h>

/* softodp devices say so in sysfs: <ibdev_path>/hca_type reads "softodp". */
#define SOFTODP_HCA_TYPE "softodp"

static bool is_softodp(struct ibv_device *dev)
{
	char path[sizeof(dev->ibdev_path) + 16];
	char buf[64];
	ssize_t len;
	int fd;

	/* ibdev_path is the device's directory in sysfs, e.g.
	 * /sys/class/infiniband/softodp0. */
	snprintf(path, sizeof(path), "%s/hca_type", dev->ibdev_path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;	/* most drivers have no hca_type at all */
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, SOFTODP_HCA_TYPE) == 0;
}

/* Print the names of the bits set in mask, using a table of {bit, name}. */
struct flag_name {
	uint64_t bit;
	const char *name;
};

static void print_flags(const char *label, uint64_t mask,
			const struct flag_name *names)
{
	printf("    %-22s 0x%llx", label, (unsigned long long)mask);
	for (; names->name; names++)
		if (mask & names->bit)
			printf(" %s", names->name);
	putchar('\n');
}

/* The per-transport ODP bits: which operations may touch ODP memory. */
static const struct flag_name odp_transport_flags[] = {
	{ IBV_ODP_SUPPORT_SEND, "SEND" },
	{ IBV_ODP_SUPPORT_RECV, "RECV" },
	{ IBV_ODP_SUPPORT_WRITE, "WRITE" },
	{ IBV_ODP_SUPPORT_READ, "READ" },
	{ IBV_ODP_SUPPORT_ATOMIC, "ATOMIC" },
	{ IBV_ODP_SUPPORT_SRQ_RECV, "SRQ_RECV" },
	{ 0, NULL },
};

/* The general ODP bits: ODP at all, and implicit (whole address space) MRs. */
static const struct flag_name odp_general_flags[] = {
	{ IBV_ODP_SUPPORT, "ODP" },
	{ IBV_ODP_SUPPORT_IMPLICIT, "IMPLICIT" },
	{ 0, NULL },
};

static const char *mtu_str(enum ibv_mtu mtu)
{
	switch (mtu) {
	case IBV_MTU_256: return "256";
	case IBV_MTU_512: return "512";
	case IBV_MTU_1024: return "1024";
	case IBV_MTU_2048: return "2048";
	case IBV_MTU_4096: return "4096";
	default: return "?";
	}
}

static int show_device(struct ibv_device *dev)
{
	struct ibv_device_attr_ex attr;
	struct ibv_context *ctx;
	int ret;

	printf("%s (%s)\n", ibv_get_device_name(dev),
	       is_softodp(dev) ? "softodp" : "other driver");

	/* Opening a device creates a user context in the kernel driver. */
	ctx = ibv_open_device(dev);
	if (!ctx) {
		fprintf(stderr, "  cannot open: %s\n", strerror(errno));
		return 1;
	}

	/*
	 * ibv_query_device_ex() returns the classic attributes in orig_attr
	 * plus the extended ones, among them odp_caps.  Verbs return an
	 * errno value (not -1) on failure.
	 */
	ret = ibv_query_device_ex(ctx, NULL, &attr);
	if (ret) {
		fprintf(stderr, "  ibv_query_device_ex: %s\n", strerror(ret));
		ibv_close_device(ctx);
		return 1;
	}

	printf("  fw_ver                 %s\n", attr.orig_attr.fw_ver);
	printf("  node_guid              %016llx\n",
	       (unsigned long long)be64toh(attr.orig_attr.node_guid));
	printf("  vendor_id / part_id    0x%x / 0x%x (hw_ver 0x%x)\n",
	       attr.orig_attr.vendor_id, attr.orig_attr.vendor_part_id,
	       attr.orig_attr.hw_ver);
	printf("  max_pd / max_mr        %d / %d\n", attr.orig_attr.max_pd,
	       attr.orig_attr.max_mr);
	printf("  max_qp / max_qp_wr     %d / %d\n", attr.orig_attr.max_qp,
	       attr.orig_attr.max_qp_wr);
	printf("  max_cq / max_cqe       %d / %d\n", attr.orig_attr.max_cq,
	       attr.orig_attr.max_cqe);
	printf("  max_mr_size            %llu\n",
	       (unsigned long long)attr.orig_attr.max_mr_size);
	printf("  page_size_cap          0x%llx\n",
	       (unsigned long long)attr.orig_attr.page_size_cap);

	/*
	 * ODP: with IBV_ODP_SUPPORT set, memory can be registered with
	 * IBV_ACCESS_ON_DEMAND and is neither pinned nor mapped up front; the
	 * device faults pages in when it touches them.  IMPLICIT allows one
	 * MR covering the whole address space (addr NULL, length SIZE_MAX).
	 */
	printf("  On-Demand Paging:\n");
	print_flags("general_caps", attr.odp_caps.general_caps,
		    odp_general_flags);
	print_flags("rc_odp_caps", attr.odp_caps.per_transport_caps.rc_odp_caps,
		    odp_transport_flags);
	print_flags("uc_odp_caps", attr.odp_caps.per_transport_caps.uc_odp_caps,
		    odp_transport_flags);
	print_flags("ud_odp_caps", attr.odp_caps.per_transport_caps.ud_odp_caps,
		    odp_transport_flags);
	print_flags("xrc_odp_caps", attr.xrc_odp_caps, odp_transport_flags);
	if (!(attr.odp_caps.general_caps & IBV_ODP_SUPPORT))
		printf("    (no ODP support reported)\n");

	/* Ports are numbered from 1. */
	for (uint8_t port = 1; port <= attr.orig_attr.phys_port_cnt; port++) {
		struct ibv_port_attr pa;

		ret = ibv_query_port(ctx, port, &pa);
		if (ret) {
			fprintf(stderr, "  port %u: ibv_query_port: %s\n", port,
				strerror(ret));
			continue;
		}
		printf("  port %u: %s, mtu %s (max %s), link layer %s, %d GID(s)\n",
		       port, ibv_port_state_str(pa.state),
		       mtu_str(pa.active_mtu), mtu_str(pa.max_mtu),
		       pa.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" :
		       pa.link_layer == IBV_LINK_LAYER_INFINIBAND ? "InfiniBand" :
		       "unspecified",
		       pa.gid_tbl_len);
	}

	ibv_close_device(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	struct ibv_device **list;
	const char *only = NULL;
	bool all = false;
	int num, shown = 0, errors = 0;
	int opt;

	while ((opt = getopt(argc, argv, "ad:h")) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'd':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-a] [-d DEVICE]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}

	/* Every RDMA device libibverbs found and has a provider for. */
	list = ibv_get_device_list(&num);
	if (!list) {
		fprintf(stderr, "no RDMA devices: %s\n", strerror(errno));
		return 1;
	}

	for (int i = 0; i < num; i++) {
		if (only && strcmp(ibv_get_device_name(list[i]), only) != 0)
			continue;
		if (!only && !all && !is_softodp(list[i]))
			continue;
		errors += show_device(list[i]);
		shown++;
	}
	ibv_free_device_list(list);

	if (!shown)
		printf("no %s device found\n", only ? only : "softodp");
	return errors || (only && !shown) ? 1 : 0;
}
