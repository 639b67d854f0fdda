// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_devcheck: check what a softodp device reports through the verbs API.
 *
 * Opens the device by name and checks:
 *   - ibv_query_device_ex: max_pd > 0, ODP (IBV_ODP_SUPPORT and
 *     IBV_ODP_SUPPORT_IMPLICIT) with exactly RC SEND/RECV/WRITE/READ/ATOMIC/
 *     SRQ_RECV and UD SEND/RECV, nothing for UC or XRC, a non-empty
 *     fw_ver, a non-zero
 *     vendor_id (or the given --vendor-id / --part-id);
 *   - ibv_query_port(1): link layer Ethernet, the given --state, and
 *     active_mtu equal to the given --mtu;
 *   - the GID table of port 1: prints every valid entry, and with --gid-ip
 *     requires a RoCE v2 GID holding that IPv4 address (::ffff:A.B.C.D).
 * All checks run; the exit status is 1 if any failed (see sod_common.h).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sod_common.h"

#define PORT 1

static const char usage[] =
	"--dev NAME [--mtu BYTES] [--gid-ip A.B.C.D] [--state active|down]\n"
	"       [--vendor-id N] [--part-id N]\n"
	"  --dev NAME        RDMA device to check\n"
	"  --mtu BYTES       expected active MTU of port 1 (256..4096)\n"
	"  --gid-ip A.B.C.D  require a RoCE v2 GID for this IPv4 address\n"
	"  --state S         expected state of port 1: active or down\n"
	"  --vendor-id N     expected vendor_id (default: any non-zero)\n"
	"  --part-id N       expected vendor_part_id (default: any)\n";

struct opts {
	const char *dev;
	enum ibv_mtu mtu;		/* 0: don't check */
	bool have_ip;
	struct in_addr ip;
	bool have_state;
	enum ibv_port_state state;
	bool have_vendor;
	long vendor_id;
	bool have_part;
	long part_id;
};

static unsigned int failures;
/* From ibv_query_device_ex; the GID table query covers every port. */
static unsigned int port_count = 1;

static void fail(const char *what)
{
	sod_err("FAIL: %s", what);
	failures++;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "gid-ip", required_argument, NULL, 'g' },
		{ "state", required_argument, NULL, 's' },
		{ "vendor-id", required_argument, NULL, 'v' },
		{ "part-id", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'm':
			sod_opt_mtu(usage, optarg, &v);
			o->mtu = sod_mtu_from_bytes(v);
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &o->ip) != 1)
				sod_usage_error(usage, "invalid --gid-ip '%s'",
						optarg);
			o->have_ip = true;
			break;
		case 's':
			if (strcmp(optarg, "active") == 0)
				o->state = IBV_PORT_ACTIVE;
			else if (strcmp(optarg, "down") == 0)
				o->state = IBV_PORT_DOWN;
			else
				sod_usage_error(usage,
						"invalid --state '%s' (active or down)",
						optarg);
			o->have_state = true;
			break;
		case 'v':
			if (!sod_parse_long(optarg, 0, UINT32_MAX, &o->vendor_id))
				sod_usage_error(usage, "invalid --vendor-id '%s'",
						optarg);
			o->have_vendor = true;
			break;
		case 'p':
			if (!sod_parse_long(optarg, 0, UINT32_MAX, &o->part_id))
				sod_usage_error(usage, "invalid --part-id '%s'",
						optarg);
			o->have_part = true;
			break;
		default:
			sod_opt_other(c, usage, argv);
		}
	}
	sod_opt_done(usage, argc, argv, o->dev);
}

static void check_device(struct ibv_context *ctx, const struct opts *o)
{
	struct ibv_device_attr_ex attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	ret = ibv_query_device_ex(ctx, NULL, &attr);
	if (ret) {
		sod_err("ibv_query_device_ex failed: %s", strerror(ret));
		fail("ibv_query_device_ex");
		return;
	}

	sod_info("device %s: fw_ver '%s' vendor_id 0x%x vendor_part_id 0x%x hw_ver 0x%x",
		 o->dev, attr.orig_attr.fw_ver, attr.orig_attr.vendor_id,
		 attr.orig_attr.vendor_part_id, attr.orig_attr.hw_ver);
	sod_info("device %s: node_guid 0x%016llx phys_port_cnt %u max_pd %d max_qp %d max_cq %d max_mr %d",
		 o->dev,
		 (unsigned long long)be64toh(attr.orig_attr.node_guid),
		 attr.orig_attr.phys_port_cnt, attr.orig_attr.max_pd,
		 attr.orig_attr.max_qp, attr.orig_attr.max_cq,
		 attr.orig_attr.max_mr);
	sod_info("device %s: odp general_caps 0x%llx rc 0x%x uc 0x%x ud 0x%x xrc 0x%x",
		 o->dev, (unsigned long long)attr.odp_caps.general_caps,
		 attr.odp_caps.per_transport_caps.rc_odp_caps,
		 attr.odp_caps.per_transport_caps.uc_odp_caps,
		 attr.odp_caps.per_transport_caps.ud_odp_caps,
		 attr.xrc_odp_caps);

	if (attr.orig_attr.max_pd <= 0)
		fail("max_pd must be > 0");
	if (attr.odp_caps.general_caps !=
	    (IBV_ODP_SUPPORT | IBV_ODP_SUPPORT_IMPLICIT))
		fail("odp_caps.general_caps must be IBV_ODP_SUPPORT|IBV_ODP_SUPPORT_IMPLICIT");
	if (attr.odp_caps.per_transport_caps.rc_odp_caps !=
	    (IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
	     IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
	     IBV_ODP_SUPPORT_ATOMIC | IBV_ODP_SUPPORT_SRQ_RECV))
		fail("rc_odp_caps must be SEND|RECV|WRITE|READ|ATOMIC|SRQ_RECV");
	if (attr.odp_caps.per_transport_caps.ud_odp_caps !=
	    (IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV))
		fail("ud_odp_caps must be SEND|RECV");
	if (attr.odp_caps.per_transport_caps.uc_odp_caps || attr.xrc_odp_caps)
		fail("uc/xrc ODP caps must be empty (no UC/XRC)");
	if (attr.orig_attr.fw_ver[0] == '\0')
		fail("fw_ver is empty");
	if (o->have_vendor) {
		if (attr.orig_attr.vendor_id != (uint32_t)o->vendor_id)
			fail("vendor_id differs from --vendor-id");
	} else if (attr.orig_attr.vendor_id == 0) {
		fail("vendor_id is 0");
	}
	if (o->have_part && attr.orig_attr.vendor_part_id != (uint32_t)o->part_id)
		fail("vendor_part_id differs from --part-id");
	if (attr.orig_attr.phys_port_cnt < 1)
		fail("phys_port_cnt must be >= 1");
	else
		port_count = attr.orig_attr.phys_port_cnt;
}

static int check_port(struct ibv_context *ctx, const struct opts *o,
		      struct ibv_port_attr *pa)
{
	int ret;

	memset(pa, 0, sizeof(*pa));
	ret = ibv_query_port(ctx, PORT, pa);
	if (ret) {
		sod_err("ibv_query_port(%d) failed: %s", PORT, strerror(ret));
		fail("ibv_query_port");
		return -1;
	}

	sod_info("port %d: state %s phys_state %u link_layer %s active_mtu %d max_mtu %d gid_tbl_len %d",
		 PORT, ibv_port_state_str(pa->state), pa->phys_state,
		 pa->link_layer == IBV_LINK_LAYER_ETHERNET   ? "Ethernet" :
		 pa->link_layer == IBV_LINK_LAYER_INFINIBAND ? "InfiniBand" :
							       "unspecified",
		 sod_mtu_to_bytes(pa->active_mtu), sod_mtu_to_bytes(pa->max_mtu),
		 pa->gid_tbl_len);

	if (pa->link_layer != IBV_LINK_LAYER_ETHERNET)
		fail("link_layer must be Ethernet");
	if (o->have_state && pa->state != o->state) {
		sod_err("port %d state is %s, expected %s", PORT,
			ibv_port_state_str(pa->state),
			ibv_port_state_str(o->state));
		fail("port state");
	}
	if (o->mtu && pa->active_mtu != o->mtu) {
		sod_err("port %d active_mtu is %d, expected %d", PORT,
			sod_mtu_to_bytes(pa->active_mtu),
			sod_mtu_to_bytes(o->mtu));
		fail("active_mtu");
	}
	if (pa->gid_tbl_len <= 0)
		fail("gid_tbl_len must be > 0");
	return 0;
}

static const char *gid_type_str(enum ibv_gid_type type)
{
	switch (type) {
	case IBV_GID_TYPE_IB:
		return "IB";
	case IBV_GID_TYPE_ROCE_V1:
		return "RoCE v1";
	case IBV_GID_TYPE_ROCE_V2:
		return "RoCE v2";
	default:
		return "unknown";
	}
}

/*
 * Fill entries (room for max_entries, the table of every port) with the
 * valid GIDs of PORT, whose table has tbl_len slots; returns the count or -1.
 */
static long read_gids(struct ibv_context *ctx, int tbl_len, int max_entries,
		      struct ibv_gid_entry *entries)
{
	ssize_t n;
	long count = 0;

	n = ibv_query_gid_table(ctx, entries, (size_t)max_entries, 0);
	if (n >= 0) {
		/* The table covers every port; keep ours. */
		for (ssize_t i = 0; i < n; i++)
			if (entries[i].port_num == PORT)
				entries[count++] = entries[i];
		return count;
	}

	/* Kernel without the GID table query: one entry at a time. */
	for (int i = 0; i < tbl_len; i++) {
		int ret = ibv_query_gid_ex(ctx, PORT, (uint32_t)i,
					   &entries[count], 0);

		if (ret == ENODATA)
			continue;
		if (ret) {
			sod_err("ibv_query_gid_ex(port %d, index %d) failed: %s",
				PORT, i, strerror(ret));
			return -1;
		}
		count++;
	}
	return count;
}

static void check_gids(struct ibv_context *ctx, const struct opts *o,
		       const struct ibv_port_attr *pa)
{
	struct ibv_gid_entry *entries;
	unsigned char want[16] = { 0 };
	bool found = false;
	int max_entries;
	long n;

	if (pa->gid_tbl_len <= 0)
		return;

	/* IPv4-mapped IPv6 address, as RoCE v2 GIDs carry IPv4. */
	want[10] = 0xff;
	want[11] = 0xff;
	memcpy(&want[12], &o->ip.s_addr, 4);

	max_entries = pa->gid_tbl_len * (int)port_count;
	entries = calloc((size_t)max_entries, sizeof(*entries));
	if (!entries) {
		fail("out of memory");
		return;
	}
	n = read_gids(ctx, pa->gid_tbl_len, max_entries, entries);
	if (n < 0) {
		fail("reading the GID table");
		free(entries);
		return;
	}

	sod_info("port %d: %ld valid GID(s)", PORT, n);
	for (long i = 0; i < n; i++) {
		char str[INET6_ADDRSTRLEN];

		if (!inet_ntop(AF_INET6, entries[i].gid.raw, str, sizeof(str)))
			snprintf(str, sizeof(str), "?");
		sod_info("  gid[%u] %s %s ndev_ifindex %u", entries[i].gid_index,
			 str, gid_type_str(entries[i].gid_type),
			 entries[i].ndev_ifindex);
		if (o->have_ip && entries[i].gid_type == IBV_GID_TYPE_ROCE_V2 &&
		    memcmp(entries[i].gid.raw, want, sizeof(want)) == 0) {
			sod_info("found RoCE v2 GID for %s at index %u",
				 inet_ntoa(o->ip), entries[i].gid_index);
			found = true;
		}
	}

	if (o->have_ip && !found) {
		sod_err("no RoCE v2 GID ::ffff:%s on port %d", inet_ntoa(o->ip),
			PORT);
		fail("RoCE v2 GID for --gid-ip");
	}
	free(entries);
}

int main(int argc, char **argv)
{
	struct ibv_port_attr pa;
	struct ibv_context *ctx;
	struct opts o;
	int code = SOD_EXIT_FAIL;

	sod_init(argv[0]);
	parse_args(argc, argv, &o);

	ctx = sod_open_device(o.dev, &code);
	if (!ctx)
		return code;

	check_device(ctx, &o);
	if (check_port(ctx, &o, &pa) == 0)
		check_gids(ctx, &o, &pa);

	if (ibv_close_device(ctx)) {
		sod_err("ibv_close_device failed: %s", strerror(errno));
		failures++;
	}

	if (failures) {
		sod_err("%u check(s) failed", failures);
		return SOD_EXIT_FAIL;
	}
	sod_info("OK");
	return SOD_EXIT_OK;
}
