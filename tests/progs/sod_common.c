// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sod_common.h"

const char *sod_prog = "sod";

void sod_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	sod_prog = slash ? slash + 1 : argv0;
	/* Line-buffer stdout so output interleaves sensibly in VM logs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void __attribute__((format(printf, 2, 0)))
vmsg(FILE *f, const char *fmt, va_list ap)
{
	fprintf(f, "%s: ", sod_prog);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void sod_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, fmt, ap);
	va_end(ap);
}

void sod_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stdout, fmt, ap);
	va_end(ap);
}

void sod_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Usage: %s %s", sod_prog, usage);
	exit(SOD_EXIT_USAGE);
}

bool sod_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtol(s, &end, 0);	/* decimal, 0x hex or 0 octal */
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

struct ibv_context *sod_open_device(const char *name, int *exit_code)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int num = 0;
	int i;

	errno = 0;
	list = ibv_get_device_list(&num);
	if (!list) {
		sod_err("device '%s' not found: cannot list RDMA devices: %s",
			name, strerror(errno ? errno : ENODEV));
		*exit_code = SOD_EXIT_USAGE;
		return NULL;
	}

	for (i = 0; i < num; i++)
		if (strcmp(ibv_get_device_name(list[i]), name) == 0)
			break;

	if (i == num) {
		sod_err("device '%s' not found (%d RDMA device(s) present)",
			name, num);
		*exit_code = SOD_EXIT_USAGE;
	} else {
		ctx = ibv_open_device(list[i]);
		if (!ctx) {
			sod_err("ibv_open_device(%s) failed: %s", name,
				strerror(errno));
			*exit_code = SOD_EXIT_FAIL;
		}
	}

	ibv_free_device_list(list);
	return ctx;
}

enum ibv_mtu sod_mtu_from_bytes(long bytes)
{
	switch (bytes) {
	case 256:
		return IBV_MTU_256;
	case 512:
		return IBV_MTU_512;
	case 1024:
		return IBV_MTU_1024;
	case 2048:
		return IBV_MTU_2048;
	case 4096:
		return IBV_MTU_4096;
	default:
		return 0;
	}
}

int sod_mtu_to_bytes(enum ibv_mtu mtu)
{
	switch (mtu) {
	case IBV_MTU_256:
		return 256;
	case IBV_MTU_512:
		return 512;
	case IBV_MTU_1024:
		return 1024;
	case IBV_MTU_2048:
		return 2048;
	case IBV_MTU_4096:
		return 4096;
	default:
		return 0;
	}
}

int sod_roce_v2_ipv4_gid(struct ibv_context *ctx, uint8_t port)
{
	static const uint8_t v4_mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	struct ibv_port_attr pa;
	struct ibv_gid_entry e;

	if (ibv_query_port(ctx, port, &pa))
		return -1;
	for (int i = 0; i < pa.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(ctx, port, (uint32_t)i, &e, 0))
			continue;
		if (e.gid_type == IBV_GID_TYPE_ROCE_V2 &&
		    !memcmp(e.gid.raw, v4_mapped, sizeof(v4_mapped)))
			return i;
	}
	return -1;
}
