// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

struct ibv_context *sod_open_port(const char *name, uint8_t port,
				  int *gid_index, union ibv_gid *gid,
				  struct ibv_port_attr *pa, int *exit_code)
{
	struct ibv_context *ctx = sod_open_device(name, exit_code);
	struct ibv_port_attr attr;

	if (!ctx)
		return NULL;
	*exit_code = SOD_EXIT_USAGE;
	if (ibv_query_port(ctx, port, &attr)) {
		sod_err("ibv_query_port(%s port %d): %s", name, port,
			strerror(errno));
		goto err;
	}
	if (attr.state != IBV_PORT_ACTIVE) {
		sod_err("port %d of %s is %s, not ACTIVE", port, name,
			ibv_port_state_str(attr.state));
		goto err;
	}
	if (*gid_index < 0)
		*gid_index = sod_roce_v2_ipv4_gid(ctx, port);
	if (*gid_index < 0) {
		sod_err("%s has no RoCE v2 GID with an IPv4 address", name);
		goto err;
	}
	if (ibv_query_gid(ctx, port, *gid_index, gid)) {
		sod_err("ibv_query_gid(%d): %s", *gid_index, strerror(errno));
		*exit_code = SOD_EXIT_FAIL;
		goto err;
	}
	if (pa)
		*pa = attr;
	return ctx;
err:
	ibv_close_device(ctx);
	return NULL;
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

/* ------------------------------------------------------------ time */

long sod_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ options */

void sod_opt_long(const char *usage, const char *name, const char *arg,
		  long min, long max, long *out)
{
	if (!sod_parse_long(arg, min, max, out))
		sod_usage_error(usage, "invalid --%s '%s' (%ld..%ld)", name, arg,
				min, max);
}

void sod_opt_mtu(const char *usage, const char *arg, long *bytes)
{
	if (!sod_parse_long(arg, 1, 65536, bytes) || !sod_mtu_from_bytes(*bytes))
		sod_usage_error(usage,
				"invalid --mtu '%s' (256, 512, 1024, 2048 or 4096)",
				arg);
}

void sod_opt_other(int c, const char *usage, char **argv)
{
	if (c == 'h') {
		printf("Usage: %s %s", sod_prog, usage);
		exit(SOD_EXIT_OK);
	}
	sod_usage_error(usage, "unknown or incomplete option '%s'",
			argv[optind - 1]);
}

void sod_opt_subtests(int c, const char *usage, char **argv,
		      const char *const *names, size_t stride, size_t n)
{
	if (c != 'l' && c != 'h')
		sod_opt_other(c, usage, argv);
	if (c == 'h')
		printf("Usage: %s %sSub-tests:", sod_prog, usage);
	for (size_t i = 0; i < n; i++)
		printf(c == 'l' ? "%s\n" : " %s",
		       *(const char *const *)((const char *)names + i * stride));
	if (c == 'h')
		printf("\n");
	exit(SOD_EXIT_OK);
}

void sod_opt_done(const char *usage, int argc, char **argv, const char *dev)
{
	if (optind != argc)
		sod_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!dev)
		sod_usage_error(usage, "--dev is required");
}

bool sod_opt_peer(int c, const char *usage, struct sod_peer_opts *p)
{
	switch (c) {
	case 'd': p->dev = optarg; return true;
	case 'S': p->server = true; return true;
	case 'C': p->host = optarg; return true;
	case 'p': sod_opt_long(usage, "port", optarg, 1, 65535, &p->port); return true;
	case 'g': sod_opt_long(usage, "gid-index", optarg, 0, 255, &p->gid_index); return true;
	default: return false;
	}
}

void sod_opt_peer_done(const char *usage, int argc, char **argv,
		       const struct sod_peer_opts *p)
{
	sod_opt_done(usage, argc, argv, p->dev);
	if (p->server == !!p->host)
		sod_usage_error(usage, "exactly one of --server and --client HOST is required");
}

struct ibv_context *sod_open_peer_dev(const struct sod_peer_opts *p,
				      uint8_t port, int *gid_index,
				      union ibv_gid *gid,
				      struct ibv_port_attr *pa)
{
	struct ibv_context *ctx;
	int ec = SOD_EXIT_FAIL;

	*gid_index = (int)p->gid_index;
	ctx = sod_open_port(p->dev, port, gid_index, gid, pa, &ec);
	if (!ctx)
		exit(ec);
	return ctx;
}

int sod_opt_list(const char *usage, const char *opt, const char *kind,
		 const char *s, const char *const *names, size_t stride,
		 size_t n, int *out, int max)
{
	char tmp[512], *save = NULL, *tok;
	int cnt = 0;

	if (strlen(s) >= sizeof(tmp))
		sod_usage_error(usage, "invalid --%s '%s'", opt, s);
	strcpy(tmp, s);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < n; i++) {
			const char *name = *(const char *const *)
				((const char *)names + i * stride);

			if (name && strcmp(tok, name) == 0)
				break;
		}
		if (i == n)
			sod_usage_error(usage, "invalid --%s: unknown %s '%s'", opt,
					kind, tok);
		if (cnt == max)
			sod_usage_error(usage, "invalid --%s: more than %d", opt, max);
		out[cnt++] = (int)i;
	}
	if (!cnt)
		sod_usage_error(usage, "invalid --%s '%s': no %s", opt, s, kind);
	return cnt;
}

void sod_opt_select(const char *usage, const char *opt, const char *kind,
		    const char *s, const char *const *names, size_t stride,
		    size_t n, bool *selected)
{
	int idx[256];	/* a 511-character list has at most 256 names */
	int cnt = sod_opt_list(usage, opt, kind, s, names, stride, n, idx, 256);

	memset(selected, 0, n * sizeof(*selected));
	for (int i = 0; i < cnt; i++)
		selected[idx[i]] = true;
}

/* ------------------------------------------------------------ failing */

static int ctl_sock = -1;
static FILE *ctl_in;
static bool ctl_failing;

static sod_fail_handler fail_handler;

void sod_set_fail_handler(sod_fail_handler h)
{
	fail_handler = h;
}

void sod_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fail_handler) {
		fail_handler(msg);
		abort();	/* a handler must not return */
	}
	fprintf(stderr, "%s: FAIL %s\n", sod_prog, msg);
	if (ctl_sock >= 0 && !ctl_failing) {
		ctl_failing = true;
		sod_ctl_send("FAIL %s", msg);
	}
	exit(SOD_EXIT_FAIL);
}

void sod_die_env(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", sod_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctl_sock >= 0 && !ctl_failing) {
		ctl_failing = true;
		sod_ctl_send("FAIL peer setup failed");
	}
	exit(SOD_EXIT_USAGE);
}

/* ------------------------------------------------------------ TCP */

int sod_tcp_accept(long port, const char *who, const char *peer_name,
		   long wait_ms, char *msg, size_t len)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct pollfd pfd;
	int one = 1, fd, ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (ls < 0) {
		snprintf(msg, len, "socket: %s", strerror(errno));
		return -SOD_EXIT_USAGE;
	}
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1)) {
		snprintf(msg, len, "cannot listen on TCP port %ld: %s", port,
			 strerror(errno));
		close(ls);
		return -SOD_EXIT_USAGE;
	}
	sod_info("%s: listening on TCP port %ld", who, port);
	pfd.fd = ls;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)wait_ms) != 1) {
		snprintf(msg, len,
			 "control connection: expected a %s within %ld ms got none",
			 peer_name, wait_ms);
		close(ls);
		return -SOD_EXIT_FAIL;
	}
	fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		snprintf(msg, len, "control connection: accept: %s",
			 strerror(errno));
	close(ls);
	if (fd < 0)
		return -SOD_EXIT_FAIL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int sod_tcp_connect(const char *host, long port, long retry_ms, char *msg,
		    size_t len)
{
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM };
	long end = sod_now_ms() + retry_ms;
	struct addrinfo *ai;
	char ports[16];
	int one = 1, fd, ret;

	snprintf(ports, sizeof(ports), "%ld", port);
	ret = getaddrinfo(host, ports, &hints, &ai);
	if (ret) {
		snprintf(msg, len, "cannot resolve '%s': %s", host,
			 gai_strerror(ret));
		return -SOD_EXIT_USAGE;
	}
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(msg, len, "socket: %s", strerror(errno));
			freeaddrinfo(ai);
			return -SOD_EXIT_USAGE;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		ret = errno;
		close(fd);
		/* The server may not listen yet: retry for a while. */
		if ((ret != ECONNREFUSED && ret != EHOSTUNREACH &&
		     ret != ENETUNREACH && ret != ETIMEDOUT) ||
		    sod_now_ms() >= end) {
			snprintf(msg, len,
				 "control connection to %s:%ld: expected success got %s",
				 host, port, strerror(ret));
			freeaddrinfo(ai);
			return -SOD_EXIT_FAIL;
		}
		nap_us(100 * 1000);
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* ------------------------------------------------------------ control */

void sod_ctl_open(const char *host, long port, long accept_ms,
		  long connect_ms, long io_timeout_s)
{
	struct timeval tv = { .tv_sec = io_timeout_s };
	char msg[300];
	int fd;

	if (host)
		fd = sod_tcp_connect(host, port, connect_ms, msg, sizeof(msg));
	else
		fd = sod_tcp_accept(port, "server", "client", accept_ms, msg,
				    sizeof(msg));
	if (fd == -SOD_EXIT_USAGE)
		sod_die_env("%s", msg);
	if (fd < 0)
		sod_fail("%s", msg);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ctl_sock = fd;
	ctl_in = fdopen(dup(fd), "r");
	if (!ctl_in)
		sod_die_env("fdopen: %s", strerror(errno));
}

void sod_ctl_send(const char *fmt, ...)
{
	char line[SOD_LINE_MAX];
	size_t n, done = 0;
	va_list ap;
	ssize_t w;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	while (done < n) {
		w = send(ctl_sock, line + done, n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (ctl_failing)
				return;
			ctl_failing = true;
			fprintf(stderr, "%s: FAIL control connection: send: %s\n",
				sod_prog, strerror(errno));
			exit(SOD_EXIT_FAIL);
		}
		done += (size_t)w;
	}
}

void sod_ctl_recv(char *line, size_t len)
{
	size_t n;

	if (!fgets(line, (int)len, ctl_in)) {
		ctl_failing = true;
		sod_fail("control connection: expected a message from the peer got %s",
			 ferror(ctl_in) ? strerror(errno) : "end of stream");
	}
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (strncmp(line, "FAIL ", 5) == 0) {
		ctl_failing = true;
		fprintf(stderr, "%s: FAIL peer reported: %s\n", sod_prog, line + 5);
		exit(SOD_EXIT_FAIL);
	}
}

void sod_ctl_expect(const char *want)
{
	char line[SOD_LINE_MAX];

	sod_ctl_recv(line, sizeof(line));
	if (strcmp(line, want) != 0)
		sod_fail("control protocol: expected '%s' got '%s'", want, line);
}

/* ------------------------------------------------------------ CQs */

void sod_cq_create(struct ibv_context *ctx, struct sod_cq *c, int depth)
{
	c->ch = ibv_create_comp_channel(ctx);
	if (!c->ch)
		sod_fail("ibv_create_comp_channel: expected success got %s",
			 strerror(errno));
	c->cq = ibv_create_cq(ctx, depth, NULL, c->ch, 0);
	if (!c->cq)
		sod_fail("ibv_create_cq(%d): expected success got %s", depth,
			 strerror(errno));
	if (ibv_req_notify_cq(c->cq, 0))
		sod_fail("ibv_req_notify_cq: expected success got %s",
			 strerror(errno));
}

void sod_cq_destroy(struct sod_cq *c)
{
	if (c->cq && ibv_destroy_cq(c->cq))
		sod_fail("ibv_destroy_cq: expected success got %s", strerror(errno));
	if (c->ch && ibv_destroy_comp_channel(c->ch))
		sod_fail("ibv_destroy_comp_channel: expected success got %s",
			 strerror(errno));
	c->cq = NULL;
	c->ch = NULL;
}

bool sod_cq_wait(struct sod_cq *c, struct ibv_wc *wc, long timeout_ms)
{
	long end = sod_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = c->ch->fd, .events = POLLIN };
		struct ibv_cq *ev_cq;
		void *ev_ctx;
		long left;
		int n = ibv_poll_cq(c->cq, 1, wc);

		if (n < 0)
			sod_fail("ibv_poll_cq: expected >= 0 got %d", n);
		if (n == 1)
			return true;
		left = end - sod_now_ms();
		if (left <= 0)
			return false;
		n = poll(&pfd, 1, (int)(left > 100 ? 100 : left));
		if (n < 0 && errno != EINTR)
			sod_fail("poll on the completion channel: %s", strerror(errno));
		if (n != 1)
			continue;	/* poll again anyway (a lost arm race) */
		if (ibv_get_cq_event(c->ch, &ev_cq, &ev_ctx))
			sod_fail("ibv_get_cq_event: expected success got %s",
				 strerror(errno));
		if (ev_cq != c->cq)
			sod_fail("ibv_get_cq_event: expected cq %p got %p",
				 (void *)c->cq, (void *)ev_cq);
		ibv_ack_cq_events(ev_cq, 1);
		if (ibv_req_notify_cq(c->cq, 0))
			sod_fail("ibv_req_notify_cq: expected success got %s",
				 strerror(errno));
	}
}

void sod_cq_expect_empty(struct sod_cq *c, const char *what)
{
	struct ibv_wc wc;
	int n = ibv_poll_cq(c->cq, 1, &wc);

	if (n != 0)
		sod_fail("%s: expected no further completion got %d (wr_id %" PRIu64
			 " status %s opcode %d)", what, n, wc.wr_id,
			 ibv_wc_status_str(wc.status), wc.opcode);
}

int sod_poll_one(struct ibv_cq *cq, struct ibv_wc *wc, long timeout_ms,
		 long nap)
{
	long end = sod_now_ms() + timeout_ms;

	for (;;) {
		int n = ibv_poll_cq(cq, 1, wc);

		if (n != 0)
			return n;
		if (sod_now_ms() > end)
			return 0;
		nap_us(nap);
	}
}

/* ------------------------------------------------------------ addressing */

void sod_fill_ah(struct ibv_ah_attr *ah, uint8_t port,
		 const union ibv_gid *dgid, uint8_t sgid_index)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->grh.dgid = *dgid;
	ah->grh.sgid_index = sgid_index;
	ah->grh.hop_limit = 64;
	ah->port_num = port;
}

void sod_gid_to_hex(const union ibv_gid *gid, char hex[33])
{
	for (int i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", gid->raw[i]);
}

bool sod_gid_from_hex(const char *hex, union ibv_gid *gid)
{
	if (strlen(hex) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return false;
		gid->raw[i] = (uint8_t)b;
	}
	return true;
}

/* ------------------------------------------------------------ RC QPs */

void sod_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask,
		   const char *what)
{
	int ret = ibv_modify_qp(qp, a, mask);

	if (ret)
		sod_fail("ibv_modify_qp(%s): expected success got %s", what,
			 strerror(ret));
}

int sod_rc_init(struct ibv_qp *qp, uint8_t port)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = port;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			    IBV_ACCESS_REMOTE_ATOMIC;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			     IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

int sod_rc_rtr_rts(struct ibv_qp *qp, const struct sod_rc_conn *c,
		   const char **step)
{
	struct ibv_qp_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = c->path_mtu;
	a.dest_qp_num = c->dest_qpn;
	a.rq_psn = c->rq_psn;
	a.max_dest_rd_atomic = c->max_dest_rd_atomic;
	a.min_rnr_timer = c->min_rnr_timer;
	sod_fill_ah(&a.ah_attr, c->port, &c->dgid, c->sgid_index);
	*step = "RTR";
	ret = ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			    IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = c->sq_psn;
	a.timeout = c->timeout;
	a.retry_cnt = c->retry_cnt;
	a.rnr_retry = c->rnr_retry;
	a.max_rd_atomic = c->max_rd_atomic;
	*step = "RTS";
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_MAX_QP_RD_ATOMIC);
}

int sod_rc_connect(struct ibv_qp *qp, const struct sod_rc_conn *c,
		   const char **step)
{
	int ret;

	*step = "INIT";
	ret = sod_rc_init(qp, c->port);
	return ret ? ret : sod_rc_rtr_rts(qp, c, step);
}
