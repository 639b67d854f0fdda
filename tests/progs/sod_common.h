/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared helpers of the softodp test programs (run inside the test VM).
 *
 * Exit status contract of every program:
 *   0  success
 *   1  a check failed, a verb failed, or the awaited event did not come
 *   2  usage error, or the environment is not as required (no such device)
 * Every failure prints "<prog>: <reason>" on stderr.
 */
#ifndef SOD_COMMON_H
#define SOD_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <infiniband/verbs.h>

enum {
	SOD_EXIT_OK = 0,
	SOD_EXIT_FAIL = 1,
	SOD_EXIT_USAGE = 2,
};

/* Program name used as the prefix of every message. */
extern const char *sod_prog;
void sod_init(const char *argv0);

/* "<prog>: <message>\n" on stderr. */
void sod_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<prog>: <message>\n" on stdout. */
void sod_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the message and the usage text on stderr, exit SOD_EXIT_USAGE. */
void sod_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Strict decimal parse of [min, max]; false on junk, sign or overflow. */
bool sod_parse_long(const char *s, long min, long max, long *out);

/*
 * Open the RDMA device called name.  On failure prints why and returns NULL
 * with *exit_code set (SOD_EXIT_USAGE if there is no such device,
 * SOD_EXIT_FAIL if it exists but cannot be opened).
 */
struct ibv_context *sod_open_device(const char *name, int *exit_code);

/* Path MTU enum for a size in bytes (256..4096), or 0 if not one. */
enum ibv_mtu sod_mtu_from_bytes(long bytes);
/* Bytes for an ibv_mtu value, or 0 if unknown. */
int sod_mtu_to_bytes(enum ibv_mtu mtu);

/*
 * Index of the first RoCE v2 GID of @port that holds an IPv4 address
 * (::ffff:a.b.c.d): the GID the test programs address each other by.
 * -1 if the table has none (yet: the core fills it from the netdev's
 * addresses).
 */
int sod_roce_v2_ipv4_gid(struct ibv_context *ctx, uint8_t port);

#endif /* SOD_COMMON_H */
