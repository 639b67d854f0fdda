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
#include <stddef.h>
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

/*
 * Open the RDMA device called @name for a test on @port: the port must be
 * ACTIVE; the GID is *gid_index if that is >= 0, else the first RoCE v2
 * GID holding an IPv4 address (sod_roce_v2_ipv4_gid, stored in
 * *gid_index).  Fills *gid and, unless NULL, *pa.  On failure prints why
 * and returns NULL with *exit_code set: SOD_EXIT_USAGE if there is no such
 * device, the port is not ACTIVE or has no such GID, SOD_EXIT_FAIL if a
 * verb failed.
 */
struct ibv_context *sod_open_port(const char *name, uint8_t port,
				  int *gid_index, union ibv_gid *gid,
				  struct ibv_port_attr *pa, int *exit_code);

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

/* ------------------------------------------------------------ time */

/* CLOCK_MONOTONIC in milliseconds. */
long sod_now_ms(void);

/* ------------------------------------------------------------ options */

/*
 * Shared pieces of the getopt_long loops (every program sets opterr = 0
 * and reports option errors itself).
 */

/*
 * Parse @arg of option --@name into *out, or exit with the usage error
 * "invalid --NAME 'ARG' (MIN..MAX)".
 */
void sod_opt_long(const char *usage, const char *name, const char *arg,
		  long min, long max, long *out);

/*
 * Parse @arg of --mtu into *bytes (256, 512, 1024, 2048 or 4096), or exit
 * with the usage error "invalid --mtu 'ARG' (256, 512, 1024, 2048 or
 * 4096)".
 */
void sod_opt_mtu(const char *usage, const char *arg, long *bytes);

/*
 * The "default:" of the option switch: for 'h' (--help) print
 * "Usage: <prog> <usage>" on stdout and exit SOD_EXIT_OK; for anything
 * else (unknown option, missing argument) the usage error "unknown or
 * incomplete option 'OPT'" naming argv[optind - 1].
 */
void sod_opt_other(int c, const char *usage, char **argv)
	__attribute__((noreturn));

/*
 * After the option loop: usage error if an argument is left
 * ("unexpected argument 'ARG'") or @dev is NULL ("--dev is required").
 */
void sod_opt_done(const char *usage, int argc, char **argv, const char *dev);

/*
 * Parse @s, the argument of --@opt: a comma list of names out of a table
 * of @n names.  The i-th name is the string pointer at byte offset
 * i * @stride from @names, so a table of structs is passed as
 * (&tab[0].name, sizeof(tab[0])) and an array of strings as
 * (arr, sizeof(arr[0])); NULL names never match.  Stores the index of
 * every name listed, in order, in out[0..max) and returns how many.  A
 * usage error (exit SOD_EXIT_USAGE) for a list of 512 characters or more
 * ("invalid --OPT 'S'"), an unknown name ("invalid --OPT: unknown KIND
 * 'NAME'"), more than @max names ("invalid --OPT: more than MAX") or an
 * empty list ("invalid --OPT 'S': no KIND").
 */
int sod_opt_list(const char *usage, const char *opt, const char *kind,
		 const char *s, const char *const *names, size_t stride,
		 size_t n, int *out, int max);

/*
 * sod_opt_list into a set: selected[i] (of n) tells whether name i was
 * listed.
 */
void sod_opt_select(const char *usage, const char *opt, const char *kind,
		    const char *s, const char *const *names, size_t stride,
		    size_t n, bool *selected);

/*
 * The options of a program made of named sub-tests (sod_verbs, sod_odp),
 * to call as the "default:" of the option switch: for 'l' (--list) print
 * the names one a line, for 'h' (--help) the usage text and
 * "Sub-tests: NAME...", and exit SOD_EXIT_OK; anything else as
 * sod_opt_other.  The names as for sod_opt_list.
 */
void sod_opt_subtests(int c, const char *usage, char **argv,
		      const char *const *names, size_t stride, size_t n)
	__attribute__((noreturn));

/*
 * The connection options of the two-sided programs (sod_traffic,
 * sod_loss): --dev NAME ('d'), --server ('S'), --client HOST ('C'),
 * --port N ('p', 1..65535), --gid-index N ('g', 0..255; -1: find one).
 * SOD_PEER_LONGOPTS are their getopt_long entries.
 */
struct sod_peer_opts {
	const char *dev;
	bool server;
	const char *host;	/* the server's address (client) */
	long port;		/* TCP port of the control connection */
	long gid_index;		/* -1: sod_roce_v2_ipv4_gid */
};

/* Take option @c into @p if it is one of them: true if it was. */
bool sod_opt_peer(int c, const char *usage, struct sod_peer_opts *p);

/*
 * After the option loop: sod_opt_done, and exactly one of --server and
 * --client HOST.
 */
void sod_opt_peer_done(const char *usage, int argc, char **argv,
		       const struct sod_peer_opts *p);

/*
 * sod_open_port of p->dev with p->gid_index (the index used is stored in
 * *gid_index), exiting with its exit code on failure.
 */
struct ibv_context *sod_open_peer_dev(const struct sod_peer_opts *p,
				      uint8_t port, int *gid_index,
				      union ibv_gid *gid,
				      struct ibv_port_attr *pa);

#define SOD_PEER_LONGOPTS \
	{ "dev", required_argument, NULL, 'd' }, \
	{ "server", no_argument, NULL, 'S' }, \
	{ "client", required_argument, NULL, 'C' }, \
	{ "port", required_argument, NULL, 'p' }, \
	{ "gid-index", required_argument, NULL, 'g' }

/* ------------------------------------------------------------ failing */

/*
 * The failure path of the test programs that use it (sod_traffic,
 * sod_loss; sod_verbs, sod_odp and sod_fuzz through a handler, see below).
 * sod_fail: "<prog>: FAIL <message>" on stderr, "FAIL <message>" to the
 * peer if the control connection is open, exit SOD_EXIT_FAIL.
 * sod_die_env (the environment is not as required): "<prog>: <message>" on
 * stderr, "FAIL peer setup failed" to the peer, exit SOD_EXIT_USAGE.
 * The peer is told once: a failure while telling it just exits.
 */
void sod_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void sod_die_env(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/*
 * Programs that fail differently install a handler (sod_verbs, sod_odp: a
 * failed sub-test longjmps back to the runner; sod_fuzz: no FAIL prefix,
 * no control connection of this kind): it gets
 * sod_fail's formatted message instead of the default action and must not
 * return.  NULL restores the default.
 */
typedef void (*sod_fail_handler)(const char *msg);
void sod_set_fail_handler(sod_fail_handler h);

/* ------------------------------------------------------------ TCP */

/*
 * Listen on TCP @port (every IPv4 address), print "<who>: listening on
 * TCP port PORT" on stdout and wait up to @wait_ms for one @peer_name to
 * connect.  Returns the connected socket (TCP_NODELAY set), else a
 * negative exit code with the reason in @msg: -SOD_EXIT_USAGE if the port
 * cannot be listened on, -SOD_EXIT_FAIL if no peer came.
 */
int sod_tcp_accept(long port, const char *who, const char *peer_name,
		   long wait_ms, char *msg, size_t len);

/*
 * Connect to @host (IPv4 address or name) on TCP @port, retrying every
 * 100 ms while the peer does not listen yet (refused, unreachable, timed
 * out) for up to @retry_ms.  Returns the socket (TCP_NODELAY set), else a
 * negative exit code with the reason in @msg: -SOD_EXIT_USAGE if @host
 * does not resolve, -SOD_EXIT_FAIL if the connection failed.
 */
int sod_tcp_connect(const char *host, long port, long retry_ms, char *msg,
		    size_t len);

/* ------------------------------------------------------------ control */

/*
 * The control connection of sod_traffic and sod_loss: one TCP connection,
 * text lines ('\n' ended) of less than SOD_LINE_MAX bytes.  Any error ends
 * the program through sod_fail/sod_die_env.
 */
#define SOD_LINE_MAX 512

/*
 * Open it: @host NULL: the server (sod_tcp_accept, waiting up to
 * @accept_ms for the client); else the client (sod_tcp_connect, retrying
 * up to @connect_ms).  Sends and receives time out after @io_timeout_s.
 */
void sod_ctl_open(const char *host, long port, long accept_ms,
		  long connect_ms, long io_timeout_s);

/* Send one line (the '\n' is added). */
void sod_ctl_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Receive one line (without the '\n') into @line.  End of stream or an
 * error is a failure; a "FAIL <why>" line from the peer prints
 * "<prog>: FAIL peer reported: <why>" and exits SOD_EXIT_FAIL.
 */
void sod_ctl_recv(char *line, size_t len);

/* Receive one line; a failure unless it is @want. */
void sod_ctl_expect(const char *want);

/* ------------------------------------------------------------ CQs */

/* A CQ with its own completion channel, armed (sod_traffic, sod_loss). */
struct sod_cq {
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
};

/* Create and arm it, or sod_fail. */
void sod_cq_create(struct ibv_context *ctx, struct sod_cq *c, int depth);
/* Destroy it (either part may be NULL), or sod_fail. */
void sod_cq_destroy(struct sod_cq *c);

/*
 * One completion into @wc within @timeout_ms: true if one came.  Event
 * driven (re-arms the CQ), but polls again at least every 100 ms, so a
 * lost event delays, never hides, a completion.  Verb errors sod_fail.
 */
bool sod_cq_wait(struct sod_cq *c, struct ibv_wc *wc, long timeout_ms);

/* sod_fail unless the CQ is empty ("WHAT: expected no further completion"). */
void sod_cq_expect_empty(struct sod_cq *c, const char *what);

/*
 * One completion into @wc within @timeout_ms, by polling (sleeping @nap_us
 * between polls): 1 if one came, 0 if none in time, or ibv_poll_cq's
 * negative result.  For programs with their own failure path.
 */
int sod_poll_one(struct ibv_cq *cq, struct ibv_wc *wc, long timeout_ms,
		 long nap_us);

/* ------------------------------------------------------------ addressing */

/*
 * A global (GRH) address vector to @dgid from GID @sgid_index of @port,
 * hop limit 64, everything else 0.
 */
void sod_fill_ah(struct ibv_ah_attr *ah, uint8_t port,
		 const union ibv_gid *dgid, uint8_t sgid_index);

/* @gid as 32 lower-case hex digits (the control protocols' form). */
void sod_gid_to_hex(const union ibv_gid *gid, char hex[33]);

/* Parse 32 hex digits into *gid: false if @hex is not exactly that. */
bool sod_gid_from_hex(const char *hex, union ibv_gid *gid);

/* ------------------------------------------------------------ RC QPs */

/* What sod_rc_rtr_rts needs to know of the connection. */
struct sod_rc_conn {
	uint8_t port;
	enum ibv_mtu path_mtu;
	union ibv_gid dgid;		/* the peer's GID (is_global, hop limit 64) */
	uint8_t sgid_index;
	uint32_t dest_qpn;
	uint32_t rq_psn;		/* the peer's first PSN */
	uint32_t sq_psn;		/* ours */
	uint8_t max_dest_rd_atomic, max_rd_atomic;
	uint8_t min_rnr_timer, timeout, retry_cnt, rnr_retry;
};

/* ibv_modify_qp, or sod_fail "ibv_modify_qp(WHAT): expected success got E". */
void sod_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask,
		   const char *what);

/*
 * RESET -> INIT on @port with pkey index 0 and REMOTE_WRITE, REMOTE_READ
 * and REMOTE_ATOMIC access: 0 or ibv_modify_qp's error.
 */
int sod_rc_init(struct ibv_qp *qp, uint8_t port);

/*
 * INIT -> RTR -> RTS as @c says: 0, or ibv_modify_qp's error with *step
 * set to the state that was not reached ("RTR" or "RTS").
 */
int sod_rc_rtr_rts(struct ibv_qp *qp, const struct sod_rc_conn *c,
		   const char **step);

/* sod_rc_init then sod_rc_rtr_rts (*step "INIT", "RTR" or "RTS"). */
int sod_rc_connect(struct ibv_qp *qp, const struct sod_rc_conn *c,
		   const char **step);

#endif /* SOD_COMMON_H */
