// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_odp: On-Demand Paging (IBV_ACCESS_ON_DEMAND) on one device, in one
 * process, over plain libibverbs (no provider-specific code).
 *
 * Two RC QPs connected to each other through the device's own RoCE v2 GID
 * (loopback): QP A is the requester, QP B the responder; two UD QPs for the
 * UD sub-test.  Each sub-test builds its own QPs, memory and MRs, and
 * recreates the QPs after every error completion (an error moves them to
 * ERR).  What ODP promises, and what is checked here:
 *
 *   - registration pins nothing: no RLIMIT_MEMLOCK, regions larger than
 *     RAM, read-only mappings;
 *   - a page the device needs is faulted in transparently: no error, no
 *     RNR the application can see, on both the requester and the
 *     responder side, for every RC and UD operation;
 *   - the device follows the process's page tables: after munmap,
 *     mmap(MAP_FIXED), madvise(DONTNEED), a COW break after fork(),
 *     mprotect() and mremap() it reads and writes what the CPU sees, and
 *     an address without a (suitable) mapping is an access error, never
 *     stale memory;
 *   - the same over transparent huge pages (split by a munmap of one
 *     page), hugetlb pages, and MAP_SHARED files (memfd, ext4 with
 *     --ext4-dir): pwrite/pread agree with READ/WRITE, a punched hole
 *     reads as zeros, pages cut off by ftruncate are access errors;
 *     pages swapped out and in again (sub-test 'swap', under a memory
 *     limit the caller sets up) keep their data;
 *   - the device follows what the mm does behind the process's back:
 *     MADV_FREE then reclaim through memory.reclaim ('madv_free': freed
 *     pages read as zeros by CPU and device, pages rewritten before the
 *     reclaim keep their data), move_pages() to another NUMA node
 *     ('migrate': new node and PFN, READ and WRITE reach the new pages;
 *     SKIP with one node), KSM merging identical pages ('ksm': one PFN,
 *     then an RDMA WRITE breaks the sharing and lands only in the
 *     registered copy; SKIP without KSM); 'madv_free_write': an RDMA
 *     WRITE into a lazily freed page survives reclaim.
 *
 * Every payload is a pattern of (sub-test, operation, size, round, byte
 * offset); destinations are poisoned (or never touched, so zero) first and
 * checked byte by byte, guard bytes around them too.  Every completion wait
 * is bounded (--timeout-ms).
 *
 * Output, one line per sub-test on stdout:
 *   "<prog>: PASS <name>: <what was shown> (<ms> ms)"
 *   "<prog>: FAIL <name>: <what>: expected X got Y"
 *   "<prog>: SKIP <name>: <why>"
 * then "<prog>: N passed, N failed, N skipped in N ms".  Exit status 1 if
 * any sub-test failed (SKIP is not a failure), see sod_common.h.
 *
 * Without IBV_ODP_SUPPORT in odp_caps every sub-test SKIPs (unless
 * --require-odp).  --pinned registers every "ODP" MR without
 * IBV_ACCESS_ON_DEMAND and runs the sub-tests whose outcome is the same
 * for pinned memory (ops, ud, readonly): that proves the QP plumbing and
 * the data checks on a device without ODP.  madv_free(_write), migrate
 * and ksm SKIP there: pinned pages are never discarded, migrated or
 * merged.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define GRH_LEN 40
#define UD_QKEY 0x0D0D0D0Du
#define GUARD 64
#define MAX_RES 128
#define POISON 0xA5
#define MiB (1UL << 20)
#define GiB (1UL << 30)

static const char usage[] =
	"--dev NAME [options]\n"
	"  --dev NAME         RDMA device (its port 1 must be ACTIVE)\n"
	"  --gid-index N      GID index (default: the first RoCE v2 GID holding\n"
	"                     an IPv4-mapped address)\n"
	"  --test LIST        comma list of sub-tests to run (default: all)\n"
	"  --list             print the sub-tests and exit\n"
	"  --pinned           register without IBV_ACCESS_ON_DEMAND and run only\n"
	"                     the sub-tests that mean the same for pinned memory\n"
	"                     (ops, ud, readonly); the others SKIP\n"
	"  --require-odp      a device without ODP fails 'caps' instead of\n"
	"                     skipping every sub-test\n"
	"  --timeout-ms N     wait for a completion at most N ms (default 10000)\n"
	"  --qp-timeout N     RC local ACK timeout, 4.096 us << N (default 14:\n"
	"                     67 ms; a slow debug kernel needs more)\n"
	"  --ext4-dir DIR     directory on ext4 for 'ext4_file' (without it\n"
	"                     that sub-test SKIPs)\n";

/* ------------------------------------------------------------ state */

static const char *dev_name;
static int gid_index = -1;
static long timeout_ms = 10000;
static long qp_timeout = 14;
static bool opt_pinned, opt_require_odp;

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static union ibv_gid my_gid;
static enum ibv_mtu path_mtu;
static int port_mtu_bytes;
static size_t page_size;
static bool has_odp;
static uint32_t odp_general, odp_rc, odp_ud;

static const char *cur_test;
static jmp_buf fail_jmp;
static int n_pass, n_fail, n_skip;

/*
 * In a forked child (child_start) failures do not longjmp: they go to the
 * parent through this pipe and the child exits.
 */
static int child_res_fd = -1;
static int child_go_fd = -1;

enum rtype { R_PID, R_QP, R_SRQ, R_AH, R_CQ, R_MR, R_MAP, R_FD, R_KSM, R_CGROUP };

static struct {
	enum rtype t;
	void *p;
	size_t len;		/* R_MAP: length; R_PID, R_FD: the number */
	bool live;
} res[MAX_RES];
static int nres;

/* ------------------------------------------------------------ failing */

static void __attribute__((noreturn)) child_report(int code, const char *msg)
{
	char line[600];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s %s",
				    code ? "FAIL" : "OK", msg);

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(child_res_fd, line, n) < 0) {
		/* nothing left to tell it with: the exit status says it */
	}
	_exit(code);
}

/*
 * sod_fail's handler: the sub-test failed, back to the runner in main (in
 * a forked child: reported to the parent, see child_report).
 */
static void __attribute__((noreturn)) on_fail(const char *msg)
{
	if (child_res_fd >= 0)
		child_report(1, msg);
	printf("%s: FAIL %s: %s\n", sod_prog, cur_test, msg);
	longjmp(fail_jmp, 1);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s: SKIP %s: %s\n", sod_prog, cur_test, msg);
	longjmp(fail_jmp, 2);
}

static const char *err_str(int e)
{
	return e ? strerror(e) : "success";
}

/* ------------------------------------------------------------ resources */

static void reg_res(enum rtype t, void *p, size_t len)
{
	if (nres == MAX_RES)
		sod_fail("internal: more than %d objects in one sub-test", MAX_RES);
	res[nres].t = t;
	res[nres].p = p;
	res[nres].len = len;
	res[nres].live = true;
	nres++;
}

/* Forget the object @p of type @t (the test destroyed it itself). */
static void unreg_res(enum rtype t, const void *p)
{
	for (int i = nres - 1; i >= 0; i--)
		if (res[i].live && res[i].t == t && res[i].p == p) {
			res[i].live = false;
			return;
		}
}

/* A mapping moved (mremap): cleanup must unmap it at its new address. */
static void move_map_res(const void *old, void *new)
{
	for (int i = nres - 1; i >= 0; i--)
		if (res[i].live && res[i].t == R_MAP && res[i].p == old) {
			res[i].p = new;
			return;
		}
}

static int ksm_restore(void);
static int cg_leave(void);

static int destroy_one(int i, const char **what)
{
	void *p = res[i].p;

	switch (res[i].t) {
	case R_PID: {
		pid_t pid = (pid_t)res[i].len;

		*what = "kill/waitpid of a child";
		kill(pid, SIGKILL);
		return waitpid(pid, NULL, 0) == pid ? 0 : errno;
	}
	case R_QP:
		*what = "ibv_destroy_qp";
		return ibv_destroy_qp(p);
	case R_SRQ:
		*what = "ibv_destroy_srq";
		return ibv_destroy_srq(p);
	case R_AH:
		*what = "ibv_destroy_ah";
		return ibv_destroy_ah(p);
	case R_CQ:
		*what = "ibv_destroy_cq";
		return ibv_destroy_cq(p);
	case R_MR:
		*what = "ibv_dereg_mr";
		return ibv_dereg_mr(p);
	case R_MAP:
		*what = "munmap";
		return munmap(p, res[i].len) ? errno : 0;
	case R_FD:
		*what = "close";
		return close((int)res[i].len) ? errno : 0;
	case R_KSM:
		*what = "restoring the KSM settings";
		return ksm_restore();
	case R_CGROUP:
		*what = "leaving and removing the sub-test's cgroup";
		return cg_leave();
	}
	return 0;
}

/*
 * Destroy what the sub-test left: children first (they may be blocked on
 * a pipe), then QPs and SRQs (nothing may still be in flight when MRs and
 * memory go), then the rest newest first.  False if anything failed.
 */
static bool cleanup(void)
{
	static const int order[] = { R_PID, R_QP, R_SRQ, -1 };
	bool ok = true;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (int i = nres - 1; i >= 0; i--) {
			const char *what = "";
			int ret;

			if (!res[i].live || (order[k] >= 0 && (int)res[i].t != order[k]))
				continue;
			res[i].live = false;
			ret = destroy_one(i, &what);
			if (ret) {
				printf("%s: FAIL %s: cleanup: %s: expected success got %s\n",
				       sod_prog, cur_test, what,
				       err_str(ret < 0 ? errno : ret));
				ok = false;
			}
		}
	}
	nres = 0;
	return ok;
}

/* ------------------------------------------------------------ time */

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ patterns */

/* Byte @off of the payload with @seed: looks random, never repeats soon. */
static uint8_t pat(uint32_t seed, size_t off)
{
	uint32_t x = (uint32_t)off * 0x9E3779B1u ^ (seed * 0x85EBCA77u + 0x165667B1u);

	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	return (uint8_t)(x ^ (x >> 8));
}

enum {
	T_CAPS = 1, T_NOLOCK, T_HUGE, T_OPS, T_UD, T_REMAP, T_DONTNEED,
	T_FORK, T_MPROTECT, T_MREMAP, T_READONLY, T_UNMAPPED, T_THP, T_HUGETLB,
	T_MEMFD, T_EXT4, T_SWAP, T_MADV_FREE, T_MIGRATE, T_KSM,
};

static uint32_t seed_of(int test, int op, int size_idx, int round)
{
	return (uint32_t)test << 24 ^ (uint32_t)op << 16 ^
	       (uint32_t)size_idx << 8 ^ (uint32_t)round;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(seed, i);
}

/*
 * p[0..len) holds bytes @off.. of the pattern of @seed, else FAIL at the
 * first bad byte (and say how many differ).
 */
static void check_off(const uint8_t *p, size_t len, uint32_t seed, size_t off,
		      const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(seed, off + i)) {
			size_t bad = 0;

			for (size_t j = i; j < len; j++)
				bad += p[j] != pat(seed, off + j);
			sod_fail("%s: byte %zu of %zu: expected 0x%02x got 0x%02x (%zu bytes differ)",
				 what, i, len, pat(seed, off + i), p[i], bad);
		}
}

static void check(const uint8_t *p, size_t len, uint32_t seed, const char *what)
{
	check_off(p, len, seed, 0, what);
}

/* p[0..len) all hold @v. */
static void check_val(const uint8_t *p, size_t len, uint8_t v, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v) {
			size_t bad = 0;

			for (size_t j = i; j < len; j++)
				bad += p[j] != v;
			sod_fail("%s: byte %zu of %zu: expected 0x%02x got 0x%02x (%zu bytes differ)",
				 what, i, len, v, p[i], bad);
		}
}

/* The GUARD bytes before and after p[0..len) all hold @v. */
static void check_guards(const uint8_t *p, size_t len, uint8_t v, const char *what)
{
	char w[160];

	snprintf(w, sizeof(w), "%s: guard before the data", what);
	check_val(p - GUARD, GUARD, v, w);
	snprintf(w, sizeof(w), "%s: guard after the data", what);
	check_val(p + len, GUARD, v, w);
}

/* ------------------------------------------------------------ memory */

/* Fresh anonymous private memory, never touched (reads as zero). */
static uint8_t *mk_map(size_t len, int extra_flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);

	if (p == MAP_FAILED)
		sod_fail("mmap(%zu bytes): expected success got %s", len, strerror(errno));
	reg_res(R_MAP, p, len);
	/*
	 * 4 KiB pages only: a transparent huge page would populate a whole
	 * 2 MiB around the first touch, so "never touched" memory next to
	 * touched memory would be present after all, and the VmRSS bound of
	 * reg_huge would not hold.  (Best effort: EINVAL without THP.)
	 */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static const int all_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			      IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;

static struct ibv_mr *reg_mr_as(void *addr, size_t len, int access, const char *kind)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, addr, len, access);

	if (!mr)
		sod_fail("ibv_reg_mr(%s, %zu bytes, access %#x): expected success got %s",
			 kind, len, access, strerror(errno));
	reg_res(R_MR, mr, 0);
	return mr;
}

/* An ODP MR (pinned under --pinned). */
static struct ibv_mr *odp_mr(void *addr, size_t len, int access)
{
	return reg_mr_as(addr, len,
			 access | (opt_pinned ? 0 : IBV_ACCESS_ON_DEMAND),
			 opt_pinned ? "pinned (--pinned)" : "ODP");
}

/* A pinned MR: the other side of a transfer whose ODP side is tested. */
static struct ibv_mr *pin_mr(void *addr, size_t len, int access)
{
	return reg_mr_as(addr, len, access, "pinned");
}

/*
 * A bump allocator over one fresh ODP region: every piece starts on a
 * page of its own (plus @misalign) after one untouched page, so a piece
 * is memory nobody touched since the registration, and the GUARD bytes
 * around it stay inside the MR.
 */
struct arena {
	uint8_t *base, *next;
	size_t len;
	struct ibv_mr *mr;
};

static void arena_make(struct arena *a, size_t len)
{
	a->base = mk_map(len, 0);
	a->next = a->base;
	a->len = len;
	a->mr = odp_mr(a->base, len, all_access);
}

static uint8_t *carve(struct arena *a, size_t len, size_t misalign)
{
	size_t start = align_up((size_t)(a->next - a->base), page_size) +
		       page_size + misalign;

	if (start + len + GUARD > a->len)
		sod_fail("internal: arena of %zu bytes exhausted", a->len);
	a->next = a->base + start + len + GUARD;
	return a->base + start;
}

static long vmrss_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		sod_fail("open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	fclose(f);
	if (v < 0)
		sod_fail("/proc/self/status: no VmRSS line");
	return v;
}

/* ------------------------------------------------------------ QPs */

static struct ibv_cq *mk_cq(int depth)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, depth, NULL, NULL, 0);

	if (!cq)
		sod_fail("ibv_create_cq(%d): expected success got %s", depth, strerror(errno));
	reg_res(R_CQ, cq, 0);
	return cq;
}

static struct ibv_qp *mk_qp(enum ibv_qp_type type, struct ibv_cq *cq,
			    struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp;
	/* 3 SGEs: the mixed ODP/pinned gather and scatter lists of 'ops'. */
	uint32_t nsge = type == IBV_QPT_RC ? 3 : 1;

	memset(&ia, 0, sizeof(ia));
	ia.send_cq = cq;
	ia.recv_cq = cq;
	ia.srq = srq;
	ia.qp_type = type;
	ia.cap.max_send_wr = 32;
	ia.cap.max_recv_wr = srq ? 0 : 32;
	ia.cap.max_send_sge = nsge;
	ia.cap.max_recv_sge = srq ? 0 : nsge;
	qp = ibv_create_qp(pd, &ia);
	if (!qp)
		sod_fail("ibv_create_qp(%s): expected success got %s",
			 type == IBV_QPT_RC ? "RC" : "UD", strerror(errno));
	reg_res(R_QP, qp, 0);
	return qp;
}

/* An address vector to ourselves (loopback). */
static void fill_av(struct ibv_ah_attr *ah)
{
	sod_fill_ah(ah, IB_PORT, &my_gid, (uint8_t)gid_index);
}

/*
 * RC to RTS towards @dqpn (on this device).  rnr_retry 7 (unlimited) and
 * the smallest min_rnr_timer: ODP faults must never surface as an error,
 * whatever the device does internally while it faults; a generous ACK
 * timeout (--qp-timeout, default 14: ~67 ms) for the same reason.
 */
static void rc_to_rts(struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = IB_PORT;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			    IBV_ACCESS_REMOTE_ATOMIC;
	sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		      IBV_QP_ACCESS_FLAGS, "RC RESET->INIT");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = path_mtu;
	a.dest_qp_num = dqpn;
	a.rq_psn = 0x100;
	a.max_dest_rd_atomic = 4;
	a.min_rnr_timer = 1;
	fill_av(&a.ah_attr);
	sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
		      IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
		      IBV_QP_MIN_RNR_TIMER, "RC INIT->RTR");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0x100;
	a.timeout = (uint8_t)qp_timeout;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 4;
	sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
		      IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC,
		      "RC RTR->RTS");
}

/*
 * Two connected RC QPs: qp[0] is A (requester), qp[1] is B (responder,
 * its receives from @srq if given).  Each has one CQ for both of its
 * queues, so A's and B's completions never mix.
 */
struct conn {
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	struct ibv_srq *srq;
};

static void conn_make(struct conn *c, struct ibv_srq *srq)
{
	c->srq = srq;
	for (int i = 0; i < 2; i++) {
		c->cq[i] = mk_cq(128);
		c->qp[i] = mk_qp(IBV_QPT_RC, c->cq[i], i ? srq : NULL);
	}
	rc_to_rts(c->qp[0], c->qp[1]->qp_num);
	rc_to_rts(c->qp[1], c->qp[0]->qp_num);
}

/* Fresh QPs after an error completion left the old ones in ERR. */
static void conn_redo(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		int ret = ibv_destroy_qp(c->qp[i]);

		unreg_res(R_QP, c->qp[i]);
		if (ret)
			sod_fail("ibv_destroy_qp: expected success got %s", err_str(ret));
	}
	for (int i = 0; i < 2; i++) {
		int ret = ibv_destroy_cq(c->cq[i]);

		unreg_res(R_CQ, c->cq[i]);
		if (ret)
			sod_fail("ibv_destroy_cq: expected success got %s", err_str(ret));
	}
	conn_make(c, c->srq);
}

static struct ibv_srq *mk_srq(void)
{
	struct ibv_srq_init_attr sa;
	struct ibv_srq *srq;

	memset(&sa, 0, sizeof(sa));
	sa.attr.max_wr = 16;
	sa.attr.max_sge = 1;
	srq = ibv_create_srq(pd, &sa);
	if (!srq)
		sod_fail("ibv_create_srq: expected success got %s", strerror(errno));
	reg_res(R_SRQ, srq, 0);
	return srq;
}

/* Two UD QPs (qp[0] sends to qp[1]) and an AH to this device's GID. */
struct udpair {
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	struct ibv_ah *ah;
};

static void ud_make(struct udpair *u)
{
	struct ibv_ah_attr av;
	struct ibv_qp_attr a;

	for (int i = 0; i < 2; i++) {
		u->cq[i] = mk_cq(64);
		u->qp[i] = mk_qp(IBV_QPT_UD, u->cq[i], NULL);
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_INIT;
		a.port_num = IB_PORT;
		a.qkey = UD_QKEY;
		sod_modify_qp(u->qp[i], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			      IBV_QP_PORT | IBV_QP_QKEY, "UD RESET->INIT");
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		sod_modify_qp(u->qp[i], &a, IBV_QP_STATE, "UD INIT->RTR");
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.sq_psn = 0x100;
		sod_modify_qp(u->qp[i], &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "UD RTR->RTS");
	}
	fill_av(&av);
	u->ah = ibv_create_ah(pd, &av);
	if (!u->ah)
		sod_fail("ibv_create_ah: expected success got %s", strerror(errno));
	reg_res(R_AH, u->ah, 0);
}

/* ------------------------------------------------------------ posting */

static struct ibv_sge sge(const void *addr, size_t len, const struct ibv_mr *mr)
{
	struct ibv_sge s = {
		.addr = (uintptr_t)addr,
		.length = (uint32_t)len,
		.lkey = mr->lkey,
	};

	return s;
}

static void post_send_wr(struct ibv_qp *qp, struct ibv_send_wr *wr, const char *what)
{
	struct ibv_send_wr *bad = NULL;
	int ret = ibv_post_send(qp, wr, &bad);

	if (ret)
		sod_fail("%s: ibv_post_send: expected success got %s", what, err_str(ret));
}

/* A signaled RC send-queue WR (SEND, WRITE, READ, with or without IMM). */
static void post_rc(struct ibv_qp *qp, uint64_t wr_id, enum ibv_wr_opcode op,
		    struct ibv_sge *sg, int nsge, uint64_t raddr,
		    const struct ibv_mr *rmr, uint32_t imm, const char *what)
{
	struct ibv_send_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = wr_id;
	wr.sg_list = sg;
	wr.num_sge = nsge;
	wr.opcode = op;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.imm_data = htobe32(imm);
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rmr ? rmr->rkey : 0;
	post_send_wr(qp, &wr, what);
}

static void post_atomic(struct ibv_qp *qp, uint64_t wr_id, enum ibv_wr_opcode op,
			struct ibv_sge *sg, uint64_t raddr, const struct ibv_mr *rmr,
			uint64_t cmp_add, uint64_t swap, const char *what)
{
	struct ibv_send_wr wr;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = wr_id;
	wr.sg_list = sg;
	wr.num_sge = 1;
	wr.opcode = op;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.wr.atomic.remote_addr = raddr;
	wr.wr.atomic.rkey = rmr->rkey;
	wr.wr.atomic.compare_add = cmp_add;
	wr.wr.atomic.swap = swap;
	post_send_wr(qp, &wr, what);
}

/* A receive on @qp, or on @srq when @qp is NULL; nsge 0 is allowed. */
static void post_recv(struct ibv_qp *qp, struct ibv_srq *srq, uint64_t wr_id,
		      struct ibv_sge *sg, int nsge, const char *what)
{
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = sg, .num_sge = nsge };
	struct ibv_recv_wr *bad = NULL;
	int ret = qp ? ibv_post_recv(qp, &wr, &bad) :
		       ibv_post_srq_recv(srq, &wr, &bad);

	if (ret)
		sod_fail("%s: ibv_post_%srecv: expected success got %s", what,
			 qp ? "" : "srq_", err_str(ret));
}

/* ------------------------------------------------------------ completions */

/* One completion within timeout_ms, polled: never blocks longer. */
static void wait_wc(struct ibv_cq *cq, struct ibv_wc *wc, const char *what)
{
	int n = sod_poll_one(cq, wc, timeout_ms, 100);

	if (n < 0)
		sod_fail("%s: ibv_poll_cq: expected >= 0 got %d", what, n);
	if (n == 0)
		sod_fail("%s: expected a completion within %ld ms got none",
			 what, timeout_ms);
}

/* The next completion of @cq: wr_id, status, and opcode if it succeeded. */
static struct ibv_wc expect_wc(struct ibv_cq *cq, uint64_t wr_id,
			       enum ibv_wc_status st, int opcode, const char *what)
{
	struct ibv_wc wc;

	wait_wc(cq, &wc, what);
	if (wc.status != st)
		sod_fail("%s: completion status: expected %s got %s (wr_id %" PRIu64 ", vendor_err 0x%x)",
			 what, ibv_wc_status_str(st), ibv_wc_status_str(wc.status),
			 wc.wr_id, wc.vendor_err);
	if (wc.wr_id != wr_id)
		sod_fail("%s: wr_id: expected %" PRIu64 " got %" PRIu64, what, wr_id,
			 wc.wr_id);
	if (st == IBV_WC_SUCCESS && opcode >= 0 && (int)wc.opcode != opcode)
		sod_fail("%s: opcode: expected %d got %d", what, opcode, wc.opcode);
	return wc;
}

static void expect_no_wc(struct ibv_cq *cq, const char *what)
{
	struct ibv_wc wc;
	int n = ibv_poll_cq(cq, 1, &wc);

	if (n != 0)
		sod_fail("%s: expected no further completion got %d (wr_id %" PRIu64 " status %s)",
			 what, n, wc.wr_id, ibv_wc_status_str(wc.status));
}

static int wc_opcode_of(enum ibv_wr_opcode op)
{
	switch (op) {
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		return IBV_WC_RDMA_WRITE;
	case IBV_WR_RDMA_READ:
		return IBV_WC_RDMA_READ;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
		return IBV_WC_COMP_SWAP;
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		return IBV_WC_FETCH_ADD;
	default:
		return IBV_WC_SEND;
	}
}

/*
 * One RDMA WRITE or READ of @len bytes between A's @local (in @lmr) and
 * @raddr (in @rmr); A's completion must have status @want.
 */
static void rdma(struct conn *c, enum ibv_wr_opcode op, void *local, size_t len,
		 const struct ibv_mr *lmr, const void *raddr,
		 const struct ibv_mr *rmr, enum ibv_wc_status want, const char *what)
{
	struct ibv_sge s = sge(local, len, lmr);
	static uint64_t id = 1000;

	id++;
	post_rc(c->qp[0], id, op, &s, 1, (uintptr_t)raddr, rmr, 0, what);
	expect_wc(c->cq[0], id, want, wc_opcode_of(op), what);
	expect_no_wc(c->cq[0], what);
}

/* ------------------------------------------------------------ children */

/*
 * A forked child runs @fn (which may call sod_fail()) and reports "OK msg" or
 * "FAIL msg" through a pipe.  The child never runs the parent's cleanup
 * and leaves with _exit().  child_wait_go() blocks it until the parent
 * calls child_go().
 */
struct child {
	pid_t pid;
	int res_fd;	/* parent: read end of the result pipe */
	int go_fd;	/* parent: write end of the go pipe */
};

static void child_start(struct child *ch, const char *(*fn)(void *), void *arg)
{
	int rp[2], gp[2];

	if (pipe2(rp, O_CLOEXEC) || pipe2(gp, O_CLOEXEC))
		sod_fail("pipe2: expected success got %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	ch->pid = fork();
	if (ch->pid < 0)
		sod_fail("fork: expected success got %s", strerror(errno));
	if (ch->pid == 0) {
		close(rp[0]);
		close(gp[1]);
		child_res_fd = rp[1];
		child_go_fd = gp[0];
		nres = 0;	/* the parent's objects are not ours to clean */
		child_report(0, fn(arg));
	}
	close(rp[1]);
	close(gp[0]);
	ch->res_fd = rp[0];
	ch->go_fd = gp[1];
	reg_res(R_FD, NULL, (size_t)ch->res_fd);
	reg_res(R_FD, NULL, (size_t)ch->go_fd);
	reg_res(R_PID, NULL, (size_t)ch->pid);
}

static void child_wait_go(void)
{
	struct pollfd pfd = { .fd = child_go_fd, .events = POLLIN };
	char b;

	if (poll(&pfd, 1, (int)(timeout_ms * 3)) != 1 || read(child_go_fd, &b, 1) != 1)
		sod_fail("child: expected the parent's go within %ld ms got none",
			 timeout_ms * 3);
}

static void child_go(struct child *ch)
{
	if (write(ch->go_fd, "g", 1) != 1)
		sod_fail("write to the child's pipe: expected success got %s",
			 strerror(errno));
}

/* Wait for the child's report and exit; FAIL unless it said OK. */
static const char *child_finish(struct child *ch, const char *what)
{
	static char msg[600];
	long end = sod_now_ms() + timeout_ms * 3;
	size_t got = 0;
	int status;
	pid_t w;

	for (;;) {
		struct pollfd pfd = { .fd = ch->res_fd, .events = POLLIN };
		long left = end - sod_now_ms();
		ssize_t n;

		if (left <= 0)
			sod_fail("%s: expected the child's report within %ld ms got none",
				 what, timeout_ms * 3);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(ch->res_fd, msg + got, sizeof(msg) - 1 - got);
		if (n <= 0)
			break;	/* EOF: the child is gone */
		got += (size_t)n;
		if (got == sizeof(msg) - 1)
			break;
	}
	msg[got] = '\0';
	do {
		w = waitpid(ch->pid, &status, WNOHANG);
		if (w == 0) {
			if (sod_now_ms() > end)
				sod_fail("%s: expected the child to exit within %ld ms, it did not",
					 what, timeout_ms * 3);
			nap_us(1000);
		}
	} while (w == 0);
	unreg_res(R_PID, NULL);
	if (w != ch->pid)
		sod_fail("%s: waitpid: %s", what, strerror(errno));
	if (WIFSIGNALED(status))
		sod_fail("%s: child killed by signal %d (%s)", what, WTERMSIG(status),
			 got ? msg : "no report");
	if (strncmp(msg, "FAIL ", 5) == 0)
		sod_fail("%s: child: %s", what, msg + 5);
	if (WEXITSTATUS(status) != 0 || strncmp(msg, "OK ", 3) != 0)
		sod_fail("%s: child: expected exit 0 and a report got exit %d '%s'", what,
			 WEXITSTATUS(status), msg);
	return msg + 3;
}

/* ------------------------------------------------------------ caps */

static const uint32_t rc_caps_want = IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
				     IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
				     IBV_ODP_SUPPORT_ATOMIC |
				     IBV_ODP_SUPPORT_SRQ_RECV;
static const uint32_t ud_caps_want = IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV;

static const char *t_caps(void)
{
	static char msg[200];
	struct ibv_device_attr_ex ax;
	int ret;

	memset(&ax, 0, sizeof(ax));
	ret = ibv_query_device_ex(ctx, NULL, &ax);
	if (ret)
		sod_fail("ibv_query_device_ex: expected success got %s", err_str(ret));
	odp_general = (uint32_t)ax.odp_caps.general_caps;
	odp_rc = ax.odp_caps.per_transport_caps.rc_odp_caps;
	odp_ud = ax.odp_caps.per_transport_caps.ud_odp_caps;

	if (!(odp_general & IBV_ODP_SUPPORT)) {
		struct ibv_mr *mr;
		uint8_t *buf;

		if (odp_rc || odp_ud)
			sod_fail("odp_caps: general_caps 0x%x lacks IBV_ODP_SUPPORT but rc_odp_caps 0x%x ud_odp_caps 0x%x are set",
				 odp_general, odp_rc, odp_ud);
		/* Only what works is advertised: an ODP MR must be refused. */
		buf = mk_map(page_size, 0);
		errno = 0;
		mr = ibv_reg_mr(pd, buf, page_size,
				IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE);
		if (mr) {
			reg_res(R_MR, mr, 0);
			sod_fail("ibv_reg_mr(IBV_ACCESS_ON_DEMAND): expected failure (no IBV_ODP_SUPPORT advertised) got an MR");
		}
		if (opt_require_odp)
			sod_fail("odp_caps.general_caps: expected IBV_ODP_SUPPORT got 0x%x",
				 odp_general);
		skip("device has no ODP (odp_caps.general_caps 0x%x; an ODP registration is refused: %s)",
		     odp_general, strerror(errno));
	}
	if (odp_rc != rc_caps_want)
		sod_fail("odp_caps.rc_odp_caps: expected 0x%x (SEND|RECV|WRITE|READ|ATOMIC|SRQ_RECV) got 0x%x",
			 rc_caps_want, odp_rc);
	if (odp_ud != ud_caps_want)
		sod_fail("odp_caps.ud_odp_caps: expected 0x%x (SEND|RECV) got 0x%x",
			 ud_caps_want, odp_ud);
	snprintf(msg, sizeof(msg),
		 "general_caps 0x%x (IBV_ODP_SUPPORT%s), rc_odp_caps 0x%x, ud_odp_caps 0x%x, uc_odp_caps 0x%x",
		 odp_general,
		 odp_general & IBV_ODP_SUPPORT_IMPLICIT ? "|IMPLICIT" : "",
		 odp_rc, odp_ud, ax.odp_caps.per_transport_caps.uc_odp_caps);
	return msg;
}

/* ------------------------------------------------------------ reg_nolock */

/* Drop CAP_IPC_LOCK (effective and permitted): it overrides the rlimit. */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		sod_fail("capget: expected success got %s", strerror(errno));
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		sod_fail("capset(without CAP_IPC_LOCK): expected success got %s",
			 strerror(errno));
}

/*
 * In a child (the rlimit and the capability stay lowered there): with
 * RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK, a pinned registration of 64 MiB
 * must fail (proof that the limit is in force) and an ODP registration of
 * the same 64 MiB must succeed and carry data.  The child opens its own
 * context: verbs objects of the parent are not used across fork().
 */
static const char *child_nolock(void *arg)
{
	static char msg[200];
	const size_t len = 64 * MiB;
	struct rlimit rl = { 0, 0 };
	struct ibv_mr *mr;
	struct conn c;
	uint8_t *buf;
	int ec = 0, perr;

	(void)arg;
	drop_ipc_lock();
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		sod_fail("setrlimit(RLIMIT_MEMLOCK, 0): expected success got %s",
			 strerror(errno));
	ctx = sod_open_device(dev_name, &ec);
	if (!ctx)
		sod_fail("child: cannot open %s again", dev_name);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		sod_fail("ibv_alloc_pd: expected success got %s", strerror(errno));
	buf = mk_map(len, 0);

	errno = 0;
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE);
	if (mr)
		sod_fail("pinned ibv_reg_mr(64 MiB) with RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK: expected failure got an MR (the limit is not in force)");
	perr = errno;

	mr = reg_mr_as(buf, len, IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE |
		       IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
		       "ODP with RLIMIT_MEMLOCK 0");

	/* It works, too: WRITE near the start to near the end, READ back. */
	conn_make(&c, NULL);
	fill(buf + 100, 8192, seed_of(T_NOLOCK, 0, 0, 0));
	rdma(&c, IBV_WR_RDMA_WRITE, buf + 100, 8192, mr, buf + len - 8192 - 3, mr,
	     IBV_WC_SUCCESS, "WRITE within the 64 MiB ODP MR");
	rdma(&c, IBV_WR_RDMA_READ, buf + len / 2, 8192, mr, buf + len - 8192 - 3, mr,
	     IBV_WC_SUCCESS, "READ within the 64 MiB ODP MR");
	check(buf + len - 8192 - 3, 8192, seed_of(T_NOLOCK, 0, 0, 0),
	      "WRITE destination (CPU view)");
	check(buf + len / 2, 8192, seed_of(T_NOLOCK, 0, 0, 0), "READ destination");
	check_val(buf + len / 2 - GUARD, GUARD, 0, "READ destination: guard before");
	check_val(buf + len / 2 + 8192, GUARD, 0, "READ destination: guard after");
	snprintf(msg, sizeof(msg),
		 "RLIMIT_MEMLOCK 0, no CAP_IPC_LOCK: pinned 64 MiB refused (%s), ODP 64 MiB registered, 8 KiB WRITE+READ across it verified",
		 strerror(perr));
	return msg;
}

static const char *t_reg_nolock(void)
{
	struct child ch;

	child_start(&ch, child_nolock, NULL);
	return child_finish(&ch, "reg_nolock child");
}

/* ------------------------------------------------------------ reg_huge */

/*
 * 8 GiB of MAP_NORESERVE memory (more than the VM's RAM) registered ODP:
 * registration must neither pin nor populate.  16 pieces of 4 KiB spread
 * over it (some across a page boundary, the last ending at the MR's end)
 * are written by RDMA WRITE and read back by RDMA READ; VmRSS must grow
 * by less than 16 MiB over the whole test.
 */
static const char *t_reg_huge(void)
{
	static char msg[200];
	const size_t len = 8 * GiB, piece = 4096;
	const int n = 16;
	uint8_t *src, *dst, *huge;
	struct ibv_mr *smr, *dmr, *hmr;
	long rss0, rss1, t0, t_reg;
	size_t off[16];
	struct conn c;
	char what[96];

	conn_make(&c, NULL);
	src = mk_map((size_t)n * piece, 0);
	dst = mk_map((size_t)n * piece, 0);
	for (int i = 0; i < n; i++)
		fill(src + (size_t)i * piece, piece, seed_of(T_HUGE, 0, i, 0));
	memset(dst, POISON, (size_t)n * piece);
	smr = pin_mr(src, (size_t)n * piece, IBV_ACCESS_LOCAL_WRITE);
	dmr = pin_mr(dst, (size_t)n * piece, IBV_ACCESS_LOCAL_WRITE);
	for (int i = 0; i < n; i++)
		off[i] = (size_t)i * (len / (size_t)n) + (size_t)(i % 3) * 2050 +
			 (size_t)i * 8 * page_size;
	off[n - 1] = len - piece;

	rss0 = vmrss_kib();
	huge = mk_map(len, MAP_NORESERVE);
	t0 = now_us();
	hmr = odp_mr(huge, len, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ);
	t_reg = now_us() - t0;
	sod_info("reg_huge: ibv_reg_mr(8 GiB, ODP) took %ld us", t_reg);

	for (int i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "WRITE 4 KiB at offset %#zx of 8 GiB", off[i]);
		rdma(&c, IBV_WR_RDMA_WRITE, src + (size_t)i * piece, piece, smr,
		     huge + off[i], hmr, IBV_WC_SUCCESS, what);
	}
	for (int i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "READ 4 KiB at offset %#zx of 8 GiB", off[i]);
		rdma(&c, IBV_WR_RDMA_READ, dst + (size_t)i * piece, piece, dmr,
		     huge + off[i], hmr, IBV_WC_SUCCESS, what);
		check(dst + (size_t)i * piece, piece, seed_of(T_HUGE, 0, i, 0), what);
		snprintf(what, sizeof(what), "CPU view of offset %#zx of 8 GiB", off[i]);
		check(huge + off[i], piece, seed_of(T_HUGE, 0, i, 0), what);
		if (i < n - 1)
			check_val(huge + off[i] + piece, GUARD, 0, what);
		if (off[i] >= GUARD)
			check_val(huge + off[i] - GUARD, GUARD, 0, what);
	}
	rss1 = vmrss_kib();
	if (rss1 - rss0 >= 16 * 1024)
		sod_fail("VmRSS grew by %ld KiB over registering 8 GiB ODP and touching 16 x 4 KiB: expected < 16384 KiB",
			 rss1 - rss0);
	snprintf(msg, sizeof(msg),
		 "8 GiB ODP MR registered in %ld us; 16 x 4 KiB WRITE+READ across it verified; VmRSS %+ld KiB",
		 t_reg, rss1 - rss0);
	return msg;
}

/* ------------------------------------------------------------ ops */

enum { OP_SEND, OP_SEND_IMM, OP_WRITE, OP_WRITE_IMM, OP_READ, OP_NDATA };

static const char *const op_names[OP_NDATA] = {
	"send", "send_imm", "write", "write_imm", "read",
};

static const size_t op_sizes[] = { 1, 4096, 4097, 65536, 1048577 };
#define N_SIZES (sizeof(op_sizes) / sizeof(op_sizes[0]))

static uint32_t imm_of(int op, int si, int round)
{
	return 0x0D900000u ^ (uint32_t)op << 12 ^ (uint32_t)si << 4 ^ (uint32_t)round;
}

/*
 * One data op of @size from A to B (for READ: from B's memory to A's).
 * Round 0: the destination is fresh ODP memory nobody touched (zero, so
 * the guards must stay zero); both the requester's and the responder's
 * first access fault.  Round 1: the same places again (now mapped), the
 * destination poisoned by the CPU first, a new pattern.
 */
static void ops_data(struct conn *c, struct arena *la, struct arena *ra, int op,
		     int si)
{
	size_t size = op_sizes[si];
	size_t mis = size == 4096 || size == 65536 ? 0 : 100;
	uint8_t *src, *dst;
	struct arena *sa = op == OP_READ ? ra : la, *da = op == OP_READ ? la : ra;
	static const enum ibv_wr_opcode wr_op[OP_NDATA] = {
		IBV_WR_SEND, IBV_WR_SEND_WITH_IMM, IBV_WR_RDMA_WRITE,
		IBV_WR_RDMA_WRITE_WITH_IMM, IBV_WR_RDMA_READ,
	};
	bool imm = op == OP_SEND_IMM || op == OP_WRITE_IMM;
	bool has_recv = op != OP_WRITE && op != OP_READ;

	src = carve(sa, size, mis);
	dst = carve(da, size, mis);
	for (int round = 0; round < 2; round++) {
		uint32_t seed = seed_of(T_OPS, op, si, round);
		uint8_t gv = round ? POISON : 0;
		uint64_t id = (uint64_t)op << 8 | (uint64_t)si << 1 | (uint64_t)round;
		struct ibv_sge ls, rs;
		char what[96];

		snprintf(what, sizeof(what), "%s size %zu round %d%s", op_names[op],
			 size, round, round ? " (mapped, poisoned)" : " (fresh ODP memory)");
		fill(src, size, seed);
		if (round)
			memset(dst - GUARD, POISON, size + 2 * GUARD);
		if (has_recv) {
			/* WRITE_IMM consumes a receive without buffers. */
			rs = sge(dst, size + GUARD, ra->mr);
			post_recv(c->qp[1], NULL, id, &rs, op == OP_WRITE_IMM ? 0 : 1, what);
		}
		if (op == OP_READ)
			ls = sge(dst, size, la->mr);
		else
			ls = sge(src, size, la->mr);
		post_rc(c->qp[0], id, wr_op[op], &ls, 1,
			(uintptr_t)(op == OP_READ ? src : dst), ra->mr,
			imm_of(op, si, round), what);
		expect_wc(c->cq[0], id, IBV_WC_SUCCESS, wc_opcode_of(wr_op[op]), what);
		if (has_recv) {
			struct ibv_wc wc = expect_wc(c->cq[1], id, IBV_WC_SUCCESS,
						     op == OP_WRITE_IMM ?
						     IBV_WC_RECV_RDMA_WITH_IMM :
						     IBV_WC_RECV, what);

			if (wc.byte_len != size)
				sod_fail("%s: receive byte_len: expected %zu got %u", what,
					 size, wc.byte_len);
			if (!!(wc.wc_flags & IBV_WC_WITH_IMM) != imm)
				sod_fail("%s: IBV_WC_WITH_IMM: expected %s got %s", what,
					 imm ? "set" : "clear", imm ? "clear" : "set");
			if (imm && be32toh(wc.imm_data) != imm_of(op, si, round))
				sod_fail("%s: imm_data: expected 0x%08x got 0x%08x", what,
					 imm_of(op, si, round), be32toh(wc.imm_data));
		}
		expect_no_wc(c->cq[0], what);
		expect_no_wc(c->cq[1], what);
		check(dst, size, seed, what);
		check_guards(dst, size, gv, what);
	}
}

/*
 * SEND and WRITE from fresh ODP memory nobody ever touched: the
 * requester's read fault must find zeros (the destination is poisoned).
 */
static void ops_zero_src(struct conn *c, struct arena *la, struct arena *ra)
{
	const size_t size = 65536 + 100;

	for (int k = 0; k < 2; k++) {
		uint8_t *src = carve(la, size, 0), *dst = carve(ra, size, 0);
		struct ibv_sge ls = sge(src, size, la->mr), rs;
		const char *what = k ? "write from untouched ODP memory" :
				       "send from untouched ODP memory";

		memset(dst - GUARD, POISON, size + 2 * GUARD);
		if (!k) {
			rs = sge(dst, size + GUARD, ra->mr);
			post_recv(c->qp[1], NULL, 77, &rs, 1, what);
		}
		post_rc(c->qp[0], 78, k ? IBV_WR_RDMA_WRITE : IBV_WR_SEND, &ls, 1,
			(uintptr_t)dst, ra->mr, 0, what);
		expect_wc(c->cq[0], 78, IBV_WC_SUCCESS,
			  k ? IBV_WC_RDMA_WRITE : IBV_WC_SEND, what);
		if (!k) {
			struct ibv_wc wc = expect_wc(c->cq[1], 77, IBV_WC_SUCCESS,
						     IBV_WC_RECV, what);

			if (wc.byte_len != size)
				sod_fail("%s: byte_len: expected %zu got %u", what, size,
					 wc.byte_len);
		}
		check_val(dst, size, 0, what);
		check_guards(dst, size, POISON, what);
		check_val(src, size, 0, "the untouched source afterwards");
	}
}

/*
 * Atomics on 8 bytes: a target the CPU initialised with the result into
 * fresh requester memory; then a fresh target (zero) with the result into
 * memory the CPU poisoned; a CAS that matches, one that does not, a FAA.
 */
static void ops_atomics(struct conn *c, struct arena *la, struct arena *ra)
{
	const uint64_t v0 = 0x0123456789abcdefull, x = 0x1111000011110001ull;
	const uint64_t y = 0xfedcba9876543210ull, z = 0x5555aaaa5555aaaaull;
	uint8_t *t1 = carve(ra, 8, 8), *t2 = carve(ra, 8, 16);
	uint8_t *r1 = carve(la, 8, 24), *r2 = carve(la, 8, 32);
	struct {
		enum ibv_wr_opcode op;
		uint8_t *target, *result;
		uint64_t cmp_add, swap, want_result, want_target;
		const char *what;
	} steps[] = {
		{ IBV_WR_ATOMIC_FETCH_AND_ADD, t1, r1, x, 0, v0, v0 + x,
		  "fetch_add on a CPU-written target, result into fresh memory" },
		{ IBV_WR_ATOMIC_CMP_AND_SWP, t2, r2, 0, y, 0, y,
		  "cmp_swp (matches) on a fresh target" },
		{ IBV_WR_ATOMIC_CMP_AND_SWP, t2, r2, 0, z, y, y,
		  "cmp_swp (does not match)" },
		{ IBV_WR_ATOMIC_FETCH_AND_ADD, t2, r2, x, 0, y, y + x,
		  "fetch_add" },
	};

	memcpy(t1, &v0, 8);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct ibv_sge s = sge(steps[i].result, 8, la->mr);
		uint64_t got;

		if (steps[i].result == r2)
			memset(r2, POISON, 8);
		post_atomic(c->qp[0], 300 + i, steps[i].op, &s,
			    (uintptr_t)steps[i].target, ra->mr, steps[i].cmp_add,
			    steps[i].swap, steps[i].what);
		expect_wc(c->cq[0], 300 + i, IBV_WC_SUCCESS,
			  wc_opcode_of(steps[i].op), steps[i].what);
		memcpy(&got, steps[i].result, 8);
		if (got != steps[i].want_result)
			sod_fail("%s: original value returned: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
				 steps[i].what, steps[i].want_result, got);
		memcpy(&got, steps[i].target, 8);
		if (got != steps[i].want_target)
			sod_fail("%s: target afterwards: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
				 steps[i].what, steps[i].want_target, got);
		check_guards(steps[i].target, 8, 0, steps[i].what);
	}
	check_guards(r1, 8, 0, "fetch_add result");
	check_guards(r2, 8, 0, "cmp_swp result");
}

/*
 * One WR whose SGE list mixes MRs: ODP, pinned, ODP (3000 + 5000 + 4097
 * bytes): as a SEND's gather list into a receive scattered the same way,
 * as an RDMA WRITE's gather list, as an RDMA READ's scatter list.
 */
static void ops_mixed(struct conn *c, struct arena *la, struct arena *ra)
{
	static const size_t part[3] = { 3000, 5000, 4097 };
	const size_t total = 3000 + 5000 + 4097;
	uint8_t *pin = mk_map(4 * page_size * 4, 0);
	struct ibv_mr *pmr = pin_mr(pin, 4 * page_size * 4, all_access);
	uint8_t *ls[3], *rs[3], *rcont, *rsrc;
	struct ibv_sge lsg[3], rsg[3];
	uint32_t seed;
	size_t o;

	/* Pinned pieces: one at pin+GUARD for A, one further on for B. */
	ls[0] = carve(la, part[0], 100);
	ls[1] = pin + GUARD;
	ls[2] = carve(la, part[2], 100);
	rs[0] = carve(ra, part[0], 100);
	rs[1] = pin + 2 * page_size * 4 + GUARD;
	rs[2] = carve(ra, part[2], 100);
	for (int i = 0; i < 3; i++) {
		lsg[i] = sge(ls[i], part[i], i == 1 ? pmr : la->mr);
		rsg[i] = sge(rs[i], part[i], i == 1 ? pmr : ra->mr);
	}

	/* SEND: gather (odp, pinned, odp) -> scatter (odp, pinned, odp) */
	seed = seed_of(T_OPS, 10, 0, 0);
	o = 0;
	for (int i = 0; i < 3; i++) {
		for (size_t j = 0; j < part[i]; j++)
			ls[i][j] = pat(seed, o + j);
		o += part[i];
	}
	memset(rs[1] - GUARD, POISON, part[1] + 2 * GUARD);
	post_recv(c->qp[1], NULL, 400, rsg, 3, "mixed send");
	post_rc(c->qp[0], 400, IBV_WR_SEND, lsg, 3, 0, NULL, 0, "mixed send");
	expect_wc(c->cq[0], 400, IBV_WC_SUCCESS, IBV_WC_SEND, "mixed send");
	{
		struct ibv_wc wc = expect_wc(c->cq[1], 400, IBV_WC_SUCCESS,
					     IBV_WC_RECV, "mixed send");

		if (wc.byte_len != total)
			sod_fail("mixed send: byte_len: expected %zu got %u", total,
				 wc.byte_len);
	}
	o = 0;
	for (int i = 0; i < 3; i++) {
		char what[64];

		snprintf(what, sizeof(what), "mixed send: receive SGE %d (%s)", i,
			 i == 1 ? "pinned" : "ODP");
		check_off(rs[i], part[i], seed, o, what);
		check_guards(rs[i], part[i], i == 1 ? POISON : 0, what);
		o += part[i];
	}

	/* WRITE: gather (odp, pinned, odp) -> one fresh ODP range */
	seed = seed_of(T_OPS, 11, 0, 0);
	o = 0;
	for (int i = 0; i < 3; i++) {
		for (size_t j = 0; j < part[i]; j++)
			ls[i][j] = pat(seed, o + j);
		o += part[i];
	}
	rcont = carve(ra, total, 100);
	post_rc(c->qp[0], 401, IBV_WR_RDMA_WRITE, lsg, 3, (uintptr_t)rcont, ra->mr,
		0, "mixed write");
	expect_wc(c->cq[0], 401, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, "mixed write");
	check(rcont, total, seed, "mixed write: destination");
	check_guards(rcont, total, 0, "mixed write: destination");

	/* READ: one ODP range -> scatter (odp fresh, pinned, odp fresh) */
	seed = seed_of(T_OPS, 12, 0, 0);
	rsrc = carve(ra, total, 100);
	fill(rsrc, total, seed);
	ls[0] = carve(la, part[0], 100);
	ls[2] = carve(la, part[2], 100);
	memset(ls[1] - GUARD, POISON, part[1] + 2 * GUARD);
	for (int i = 0; i < 3; i++)
		lsg[i] = sge(ls[i], part[i], i == 1 ? pmr : la->mr);
	post_rc(c->qp[0], 402, IBV_WR_RDMA_READ, lsg, 3, (uintptr_t)rsrc, ra->mr,
		0, "mixed read");
	expect_wc(c->cq[0], 402, IBV_WC_SUCCESS, IBV_WC_RDMA_READ, "mixed read");
	o = 0;
	for (int i = 0; i < 3; i++) {
		char what[64];

		snprintf(what, sizeof(what), "mixed read: scatter SGE %d (%s)", i,
			 i == 1 ? "pinned" : "ODP");
		check_off(ls[i], part[i], seed, o, what);
		check_guards(ls[i], part[i], i == 1 ? POISON : 0, what);
		o += part[i];
	}
	expect_no_wc(c->cq[0], "mixed SGE lists");
	expect_no_wc(c->cq[1], "mixed SGE lists");
}

/* Receives through an SRQ into fresh ODP memory. */
static void ops_srq(struct arena *la, struct arena *ra)
{
	static const size_t sizes[] = { 4097, 1048577 };
	struct ibv_srq *srq = mk_srq();
	struct conn c;

	conn_make(&c, srq);
	for (size_t k = 0; k < 2; k++) {
		size_t size = sizes[k];
		uint32_t seed = seed_of(T_OPS, 20, (int)k, 0);
		uint8_t *src = carve(la, size, 100), *dst = carve(ra, size, 100);
		struct ibv_sge ls = sge(src, size, la->mr), rs = sge(dst, size + GUARD, ra->mr);
		struct ibv_wc wc;
		char what[64];

		snprintf(what, sizeof(what), "send size %zu into an SRQ receive", size);
		fill(src, size, seed);
		post_recv(NULL, srq, 500 + k, &rs, 1, what);
		post_rc(c.qp[0], 500 + k, IBV_WR_SEND, &ls, 1, 0, NULL, 0, what);
		expect_wc(c.cq[0], 500 + k, IBV_WC_SUCCESS, IBV_WC_SEND, what);
		wc = expect_wc(c.cq[1], 500 + k, IBV_WC_SUCCESS, IBV_WC_RECV, what);
		if (wc.byte_len != size)
			sod_fail("%s: byte_len: expected %zu got %u", what, size, wc.byte_len);
		if (wc.qp_num != c.qp[1]->qp_num)
			sod_fail("%s: qp_num: expected 0x%x got 0x%x", what,
				 c.qp[1]->qp_num, wc.qp_num);
		check(dst, size, seed, what);
		check_guards(dst, size, 0, what);
	}
}

static const char *t_ops(void)
{
	static char msg[200];
	struct arena la, ra;
	struct conn c;
	int n = 0;

	conn_make(&c, NULL);
	arena_make(&la, 16 * MiB);
	arena_make(&ra, 16 * MiB);
	for (int op = 0; op < OP_NDATA; op++)
		for (int si = 0; si < (int)N_SIZES; si++, n += 2)
			ops_data(&c, &la, &ra, op, si);
	ops_zero_src(&c, &la, &ra);
	ops_atomics(&c, &la, &ra);
	ops_mixed(&c, &la, &ra);
	ops_srq(&la, &ra);
	snprintf(msg, sizeof(msg),
		 "%s: %d transfers (send, send_imm, write, write_imm, read x 1..1 MiB+1, fresh and mapped), untouched sources, cmp_swp/fetch_add, ODP+pinned SGE lists, SRQ receives",
		 opt_pinned ? "pinned MRs" : "ODP MRs", n);
	return msg;
}

/* ------------------------------------------------------------ ud */

static const char *t_ud(void)
{
	static char msg[160];
	size_t sizes[2] = { 1, 1024 };
	struct arena la, ra;
	struct udpair u;

	if (port_mtu_bytes < 1024)
		sizes[1] = (size_t)port_mtu_bytes;
	ud_make(&u);
	arena_make(&la, 1 * MiB);
	arena_make(&ra, 1 * MiB);
	for (int k = 0; k < 3; k++) {
		/* k == 2: from untouched memory into a poisoned buffer */
		size_t size = sizes[k == 0 ? 0 : 1];
		uint32_t seed = seed_of(T_UD, 0, k, 0);
		uint8_t *src = carve(&la, size, 100);
		uint8_t *rbuf = carve(&ra, GRH_LEN + size, 0);
		struct ibv_sge ls = sge(src, size, la.mr);
		struct ibv_sge rs = sge(rbuf, GRH_LEN + size + GUARD, ra.mr);
		struct ibv_send_wr wr;
		struct ibv_wc wc;
		char what[64];

		snprintf(what, sizeof(what), "UD send size %zu%s", size,
			 k == 2 ? " from untouched memory" : "");
		if (k == 2)
			memset(rbuf - GUARD, POISON, GRH_LEN + size + 2 * GUARD);
		else
			fill(src, size, seed);
		post_recv(u.qp[1], NULL, 600 + (uint64_t)k, &rs, 1, what);
		memset(&wr, 0, sizeof(wr));
		wr.wr_id = 600 + (uint64_t)k;
		wr.sg_list = &ls;
		wr.num_sge = 1;
		wr.opcode = IBV_WR_SEND;
		wr.send_flags = IBV_SEND_SIGNALED;
		wr.wr.ud.ah = u.ah;
		wr.wr.ud.remote_qpn = u.qp[1]->qp_num;
		wr.wr.ud.remote_qkey = UD_QKEY;
		post_send_wr(u.qp[0], &wr, what);
		expect_wc(u.cq[0], 600 + (uint64_t)k, IBV_WC_SUCCESS, IBV_WC_SEND, what);
		wc = expect_wc(u.cq[1], 600 + (uint64_t)k, IBV_WC_SUCCESS, IBV_WC_RECV, what);
		if (wc.byte_len != GRH_LEN + size)
			sod_fail("%s: byte_len: expected %zu (40-byte GRH + payload) got %u",
				 what, GRH_LEN + size, wc.byte_len);
		if (!(wc.wc_flags & IBV_WC_GRH))
			sod_fail("%s: IBV_WC_GRH: expected set got clear", what);
		if (wc.src_qp != u.qp[0]->qp_num)
			sod_fail("%s: src_qp: expected 0x%x got 0x%x", what,
				 u.qp[0]->qp_num, wc.src_qp);
		if (k == 2)
			check_val(rbuf + GRH_LEN, size, 0, what);
		else
			check(rbuf + GRH_LEN, size, seed, what);
		check_val(rbuf + GRH_LEN + size, GUARD, k == 2 ? POISON : 0,
			  "guard after the payload");
		expect_no_wc(u.cq[0], what);
		expect_no_wc(u.cq[1], what);
	}
	snprintf(msg, sizeof(msg),
		 "UD sends of 1 and %zu bytes %s into fresh %s receive buffers (GRH + payload)",
		 sizes[1], "from fresh and untouched memory",
		 opt_pinned ? "pinned" : "ODP");
	return msg;
}

/* ------------------------------------------------------------ helpers */

/*
 * The usual cast of the scenario tests: a connection, a pinned source and
 * a pinned destination for A (so only the responder's MR is ODP), and one
 * ODP region of @npages pages for B.
 */
struct scene {
	struct conn c;
	size_t len;
	uint8_t *src, *dst, *buf;
	struct ibv_mr *smr, *dmr, *mr;
};

/* The connection and A's pinned source and destination of @len bytes. */
static void scene_base(struct scene *s, size_t len)
{
	s->len = len;
	conn_make(&s->c, NULL);
	s->src = mk_map(s->len, 0);
	s->dst = mk_map(s->len + 2 * GUARD, 0) + GUARD;
	s->smr = pin_mr(s->src, s->len, IBV_ACCESS_LOCAL_WRITE);
	s->dmr = pin_mr(s->dst - GUARD, s->len + 2 * GUARD, IBV_ACCESS_LOCAL_WRITE);
}

static void scene_make(struct scene *s, size_t npages, int access)
{
	scene_base(s, npages * page_size);
	s->buf = mk_map(s->len, 0);
	s->mr = odp_mr(s->buf, s->len, access);
}

/* RDMA WRITE of @len bytes of pattern @seed at @off of the ODP region. */
static void scene_write(struct scene *s, uint32_t seed, size_t off, size_t len,
			enum ibv_wc_status want, const char *what)
{
	fill(s->src, len, seed);
	rdma(&s->c, IBV_WR_RDMA_WRITE, s->src, len, s->smr, s->buf + off, s->mr,
	     want, what);
}

/* RDMA READ of [off, off+len) of the ODP region into the poisoned dst. */
static void scene_read(struct scene *s, size_t off, size_t len,
		       enum ibv_wc_status want, const char *what)
{
	memset(s->dst - GUARD, POISON, s->len + 2 * GUARD);
	rdma(&s->c, IBV_WR_RDMA_READ, s->dst, len, s->dmr, s->buf + off, s->mr,
	     want, what);
	if (want == IBV_WC_SUCCESS)
		check_guards(s->dst, len, POISON, what);
}

/* ------------------------------------------------------------ remap */

/*
 * munmap the registered range and map new anonymous memory at the same
 * address (MAP_FIXED): the device must see the new memory, for READ and
 * for WRITE, never the old pages.
 */
static const char *t_remap(void)
{
	struct scene s;
	void *p;

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	scene_write(&s, seed_of(T_REMAP, 0, 0, 0), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE into the ODP region");
	check(s.buf, s.len, seed_of(T_REMAP, 0, 0, 0), "CPU view after the WRITE");

	if (munmap(s.buf, s.len))
		sod_fail("munmap: expected success got %s", strerror(errno));
	p = mmap(s.buf, s.len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != s.buf)
		sod_fail("mmap(MAP_FIXED) at the old address: expected %p got %p (%s)",
			 (void *)s.buf, p, strerror(errno));
	fill(s.buf, s.len, seed_of(T_REMAP, 0, 0, 1));

	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after munmap + mmap(MAP_FIXED)");
	check(s.dst, s.len, seed_of(T_REMAP, 0, 0, 1),
	      "READ after munmap + mmap(MAP_FIXED) (new contents expected)");
	scene_write(&s, seed_of(T_REMAP, 0, 0, 2), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE after munmap + mmap(MAP_FIXED)");
	check(s.buf, s.len, seed_of(T_REMAP, 0, 0, 2),
	      "CPU view of the new mapping after the WRITE");
	return "after munmap + mmap(MAP_FIXED) at the same address, READ returns the new contents and WRITE lands in the new mapping";
}

/* ------------------------------------------------------------ dontneed */

static const char *t_dontneed(void)
{
	struct scene s;

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	fill(s.buf, s.len, seed_of(T_DONTNEED, 0, 0, 0));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of CPU-written data");
	check(s.dst, s.len, seed_of(T_DONTNEED, 0, 0, 0), "READ of CPU-written data");

	if (madvise(s.buf, s.len, MADV_DONTNEED))
		sod_fail("madvise(MADV_DONTNEED): expected success got %s", strerror(errno));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after MADV_DONTNEED");
	check_val(s.dst, s.len, 0, "READ after MADV_DONTNEED (zeros expected)");

	fill(s.buf, s.len, seed_of(T_DONTNEED, 0, 0, 1));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after a CPU write");
	check(s.dst, s.len, seed_of(T_DONTNEED, 0, 0, 1),
	      "READ after MADV_DONTNEED and a CPU write");

	/* And the write direction: the device must fault a fresh page. */
	if (madvise(s.buf, s.len, MADV_DONTNEED))
		sod_fail("madvise(MADV_DONTNEED): expected success got %s", strerror(errno));
	scene_write(&s, seed_of(T_DONTNEED, 0, 0, 2), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE after MADV_DONTNEED");
	check(s.buf, s.len, seed_of(T_DONTNEED, 0, 0, 2),
	      "CPU view of a WRITE after MADV_DONTNEED");
	return "READ sees zeros after MADV_DONTNEED, then the CPU's new data; a WRITE after MADV_DONTNEED reaches the CPU";
}

/* ------------------------------------------------------------ fork_cow */

struct cow_arg {
	const uint8_t *buf;
	size_t len;
};

/* The child: wait for the parent's go, then its copy must still be P1. */
static const char *child_cow(void *arg)
{
	const struct cow_arg *a = arg;

	child_wait_go();
	check(a->buf, a->len, seed_of(T_FORK, 0, 0, 1),
	      "the child's copy after the parent's CPU and RDMA writes (P1 expected)");
	return "child's copy unchanged";
}

/*
 * fork() without ibv_fork_init(): the parent's ODP MR must follow the
 * parent's pages through the COW breaks.  The parent writes P2 into the
 * first half by CPU (its COW break), then the device READs (P2 | P1),
 * then the device WRITEs P3 everywhere (the second half's COW break is
 * the device's own write fault): the parent sees P3, the child P1.
 */
static const char *t_fork_cow(void)
{
	struct scene s;
	struct child ch;
	struct cow_arg a;
	size_t half;

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	half = s.len / 2;
	fill(s.buf, s.len, seed_of(T_FORK, 0, 0, 1));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of P1 before fork");
	check(s.dst, s.len, seed_of(T_FORK, 0, 0, 1), "READ of P1 before fork");

	a.buf = s.buf;
	a.len = s.len;
	child_start(&ch, child_cow, &a);

	fill(s.buf, half, seed_of(T_FORK, 0, 0, 2));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after fork and a CPU write");
	check(s.dst, half, seed_of(T_FORK, 0, 0, 2),
	      "READ after fork: first half, written by the parent's CPU (P2 expected)");
	check_off(s.dst + half, s.len - half, seed_of(T_FORK, 0, 0, 1), half,
		  "READ after fork: second half, still shared with the child (P1 expected)");

	scene_write(&s, seed_of(T_FORK, 0, 0, 3), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE of P3 after fork");
	check(s.buf, s.len, seed_of(T_FORK, 0, 0, 3),
	      "the parent's CPU view after the WRITE of P3");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of P3");
	check(s.dst, s.len, seed_of(T_FORK, 0, 0, 3), "READ of P3");

	child_go(&ch);
	child_finish(&ch, "fork_cow child");
	return "after fork: READ follows the parent's CPU write (COW break), a WRITE reaches the parent only; the child keeps P1";
}

/* ------------------------------------------------------------ mprotect */

static const char *t_mprotect(void)
{
	struct scene s;

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	/* First map the pages writable on the device side. */
	scene_write(&s, seed_of(T_MPROTECT, 0, 0, 0), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE before mprotect");
	check(s.buf, s.len, seed_of(T_MPROTECT, 0, 0, 0), "CPU view before mprotect");

	if (mprotect(s.buf, s.len, PROT_READ))
		sod_fail("mprotect(PROT_READ): expected success got %s", strerror(errno));
	scene_write(&s, seed_of(T_MPROTECT, 0, 0, 1), page_size, 2 * page_size,
		    IBV_WC_REM_ACCESS_ERR, "WRITE into a PROT_READ mapping");
	check(s.buf, s.len, seed_of(T_MPROTECT, 0, 0, 0),
	      "CPU view after the refused WRITE (unchanged expected)");

	conn_redo(&s.c);
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ from a PROT_READ mapping");
	check(s.dst, s.len, seed_of(T_MPROTECT, 0, 0, 0),
	      "READ from a PROT_READ mapping");

	if (mprotect(s.buf, s.len, PROT_READ | PROT_WRITE))
		sod_fail("mprotect(PROT_READ|PROT_WRITE): expected success got %s",
			 strerror(errno));
	scene_write(&s, seed_of(T_MPROTECT, 0, 0, 2), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE after mprotect back to read-write");
	check(s.buf, s.len, seed_of(T_MPROTECT, 0, 0, 2),
	      "CPU view after mprotect back and a WRITE");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after mprotect back");
	check(s.dst, s.len, seed_of(T_MPROTECT, 0, 0, 2), "READ after mprotect back");
	return "WRITE into PROT_READ: IBV_WC_REM_ACCESS_ERR, memory unchanged; READ works; after mprotect back a WRITE lands";
}

/* ------------------------------------------------------------ mremap */

static const char *t_mremap(void)
{
	struct scene s;
	uint8_t *old;
	void *to, *got;

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	scene_write(&s, seed_of(T_MREMAP, 0, 0, 0), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE before mremap");
	check(s.buf, s.len, seed_of(T_MREMAP, 0, 0, 0), "CPU view before mremap");

	/* A place to move to, so that MREMAP_FIXED forces a move. */
	to = mmap(NULL, s.len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (to == MAP_FAILED)
		sod_fail("mmap(placeholder): expected success got %s", strerror(errno));
	got = mremap(s.buf, s.len, s.len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (got != to) {
		munmap(to, s.len);
		sod_fail("mremap(MREMAP_MAYMOVE|MREMAP_FIXED): expected %p got %p (%s)",
			 to, got, strerror(errno));
	}
	old = s.buf;
	move_map_res(old, to);
	/* Nothing may be mapped at the old range before the WRITE below. */
	scene_write(&s, seed_of(T_MREMAP, 0, 0, 1), 0, s.len, IBV_WC_REM_ACCESS_ERR,
		    "WRITE to the old range after mremap");
	check(to, s.len, seed_of(T_MREMAP, 0, 0, 0),
	      "the moved memory after the refused WRITE (old contents expected)");
	return "after mremap the old range is an access error (IBV_WC_REM_ACCESS_ERR) and the moved memory does not get the data";
}

/* ------------------------------------------------------------ readonly */

/*
 * A PROT_READ MAP_SHARED mapping of a memfd, registered with REMOTE_READ
 * only (no LOCAL_WRITE): registration succeeds (nothing is pinned for
 * write), RDMA READ returns the file's contents, and it serves as a SEND
 * source (local read).
 *
 * --pinned maps the file MAP_PRIVATE instead: before Linux 6.2 the core's
 * ib_umem_get() pins every MR with FOLL_WRITE (and FOLL_FORCE when the MR
 * is read-only), which a read-only shared mapping refuses with EFAULT; on
 * a private mapping it pins COW copies, which hold the file's contents.
 */
static const char *t_readonly(void)
{
	const size_t len = 16 * page_size;
	uint32_t seed = seed_of(T_READONLY, 0, 0, 0);
	uint8_t *tmp, *ro, *dst, *rbuf;
	struct ibv_mr *romr, *dmr, *rmr;
	struct ibv_sge ls, rs;
	struct ibv_wc wc;
	struct conn c;
	size_t done = 0;
	int fd;

	conn_make(&c, NULL);
	fd = memfd_create("sod_odp_readonly", MFD_CLOEXEC);
	if (fd < 0)
		sod_fail("memfd_create: expected success got %s", strerror(errno));
	reg_res(R_FD, NULL, (size_t)fd);
	tmp = mk_map(len, 0);
	fill(tmp, len, seed);
	while (done < len) {
		ssize_t n = write(fd, tmp + done, len - done);

		if (n <= 0)
			sod_fail("write to the memfd: expected %zu bytes got %s", len,
				 n < 0 ? strerror(errno) : "0");
		done += (size_t)n;
	}
	ro = mmap(NULL, len, PROT_READ, opt_pinned ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	if (ro == MAP_FAILED)
		sod_fail("mmap(memfd, PROT_READ, %s): expected success got %s",
			 opt_pinned ? "MAP_PRIVATE" : "MAP_SHARED", strerror(errno));
	reg_res(R_MAP, ro, len);
	romr = reg_mr_as(ro, len, IBV_ACCESS_REMOTE_READ |
			 (opt_pinned ? 0 : IBV_ACCESS_ON_DEMAND),
			 opt_pinned ? "read-only, pinned (--pinned)" :
				      "read-only ODP, REMOTE_READ only");

	dst = mk_map(len + 2 * GUARD, 0) + GUARD;
	memset(dst - GUARD, POISON, len + 2 * GUARD);
	dmr = pin_mr(dst - GUARD, len + 2 * GUARD, IBV_ACCESS_LOCAL_WRITE);
	rdma(&c, IBV_WR_RDMA_READ, dst, len, dmr, ro, romr, IBV_WC_SUCCESS,
	     "READ from the read-only mapping");
	check(dst, len, seed, "READ from the read-only mapping (the file's contents)");
	check_guards(dst, len, POISON, "READ from the read-only mapping");

	/* SEND 8 KiB + 3 from offset 1000 of it. */
	rbuf = mk_map(4 * page_size, 0) + page_size;
	rmr = odp_mr(rbuf - page_size, 4 * page_size, IBV_ACCESS_LOCAL_WRITE);
	ls.addr = (uintptr_t)(ro + 1000);
	ls.length = 8195;
	ls.lkey = romr->lkey;
	rs = sge(rbuf, 8195 + GUARD, rmr);
	post_recv(c.qp[1], NULL, 700, &rs, 1, "SEND from the read-only mapping");
	post_rc(c.qp[0], 700, IBV_WR_SEND, &ls, 1, 0, NULL, 0,
		"SEND from the read-only mapping");
	expect_wc(c.cq[0], 700, IBV_WC_SUCCESS, IBV_WC_SEND,
		  "SEND from the read-only mapping");
	wc = expect_wc(c.cq[1], 700, IBV_WC_SUCCESS, IBV_WC_RECV,
		       "SEND from the read-only mapping: receive");
	if (wc.byte_len != 8195)
		sod_fail("SEND from the read-only mapping: byte_len: expected 8195 got %u",
			 wc.byte_len);
	check_off(rbuf, 8195, seed, 1000,
		  "SEND from the read-only mapping: received data (file offset 1000..)");
	check_guards(rbuf, 8195, 0, "SEND from the read-only mapping");
	return opt_pinned ?
	       "pinned MR over a PROT_READ MAP_PRIVATE memfd mapping, REMOTE_READ only: READ and SEND source return the file's contents" :
	       "ODP MR over a PROT_READ memfd mapping, REMOTE_READ only: registered; READ and SEND source return the file's contents";
}

/* ------------------------------------------------------------ unmapped */

/*
 * An ODP MR whose memory is unmapped afterwards: a remote READ is an
 * access error (IBV_WC_REM_ACCESS_ERR on the requester) both for pages the
 * device had mapped before and for pages it never touched; a SEND whose
 * source is the unmapped range fails locally with IBV_WC_LOC_PROT_ERR
 * (what softodp reports for a local SGE it cannot access, as for a bad
 * lkey; not LOC_ACCESS_ERR).  Then a fresh QP pair transfers data.
 *
 * The three QP pairs (s.c, c2, c3) exist before the munmap: creating QPs maps rings,
 * which could land in the hole and make the "unmapped" range mapped
 * again.
 */
static const char *t_unmapped(void)
{
	struct conn c2, c3, c4;
	struct scene s;
	struct ibv_sge ls, rs;
	uint8_t *rbuf, *src2, *dst2;
	struct ibv_mr *rmr, *m2s, *m2d;
	uint32_t seed = seed_of(T_UNMAPPED, 0, 0, 0);

	scene_make(&s, 16, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ);
	conn_make(&c2, NULL);
	conn_make(&c3, NULL);
	rbuf = mk_map(4 * page_size, 0);
	rmr = pin_mr(rbuf, 4 * page_size, IBV_ACCESS_LOCAL_WRITE);

	fill(s.buf, s.len, seed);
	scene_read(&s, 0, s.len / 2, IBV_WC_SUCCESS, "READ of the first half");
	check(s.dst, s.len / 2, seed, "READ of the first half before munmap");

	if (munmap(s.buf, s.len))
		sod_fail("munmap: expected success got %s", strerror(errno));
	unreg_res(R_MAP, s.buf);

	memset(s.dst - GUARD, POISON, s.len + 2 * GUARD);
	rdma(&s.c, IBV_WR_RDMA_READ, s.dst, 2 * page_size, s.dmr,
	     s.buf + 2 * page_size, s.mr, IBV_WC_REM_ACCESS_ERR,
	     "READ of unmapped pages the device had mapped");
	check_val(s.dst - GUARD, 2 * page_size + 2 * GUARD, POISON,
		  "READ destination after the refused READ (untouched expected)");
	rdma(&c2, IBV_WR_RDMA_READ, s.dst, 2 * page_size, s.dmr,
	     s.buf + 10 * page_size, s.mr, IBV_WC_REM_ACCESS_ERR,
	     "READ of unmapped pages the device never mapped");

	rs = sge(rbuf, 4 * page_size, rmr);
	post_recv(c3.qp[1], NULL, 800, &rs, 1, "SEND from an unmapped ODP source");
	ls = sge(s.buf + 4 * page_size, 3 * page_size, s.mr);
	post_rc(c3.qp[0], 801, IBV_WR_SEND, &ls, 1, 0, NULL, 0,
		"SEND from an unmapped ODP source");
	expect_wc(c3.cq[0], 801, IBV_WC_LOC_PROT_ERR, IBV_WC_SEND,
		  "SEND from an unmapped ODP source");

	/* The device still works: fresh QPs, fresh ODP memory. */
	conn_make(&c4, NULL);
	src2 = mk_map(4 * page_size, 0);
	dst2 = mk_map(4 * page_size, 0);
	m2s = odp_mr(src2, 4 * page_size, IBV_ACCESS_LOCAL_WRITE);
	m2d = odp_mr(dst2, 4 * page_size, IBV_ACCESS_LOCAL_WRITE);
	fill(src2 + 100, 3 * page_size, seed_of(T_UNMAPPED, 1, 0, 0));
	ls = sge(src2 + 100, 3 * page_size, m2s);
	rs = sge(dst2 + 100, 3 * page_size + GUARD, m2d);
	post_recv(c4.qp[1], NULL, 802, &rs, 1, "SEND on fresh QPs afterwards");
	post_rc(c4.qp[0], 802, IBV_WR_SEND, &ls, 1, 0, NULL, 0,
		"SEND on fresh QPs afterwards");
	expect_wc(c4.cq[0], 802, IBV_WC_SUCCESS, IBV_WC_SEND,
		  "SEND on fresh QPs afterwards");
	expect_wc(c4.cq[1], 802, IBV_WC_SUCCESS, IBV_WC_RECV,
		  "SEND on fresh QPs afterwards: receive");
	check(dst2 + 100, 3 * page_size, seed_of(T_UNMAPPED, 1, 0, 0),
	      "SEND on fresh QPs afterwards");
	check_guards(dst2 + 100, 3 * page_size, 0, "SEND on fresh QPs afterwards");
	return "after munmap: READ of once-mapped and never-mapped pages IBV_WC_REM_ACCESS_ERR, SEND from it IBV_WC_LOC_PROT_ERR; fresh QPs then move data";
}

/* ------------------------------------------------------------ huge pages */

static const int rw_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			     IBV_ACCESS_REMOTE_READ;

/* "Key: N kB" of the VMA holding @addr in /proc/self/smaps, -1 if none. */
static long smaps_kib(const void *addr, const char *key)
{
	char line[512];
	size_t kl = strlen(key);
	bool in = false;
	long v = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			in = a <= (uintptr_t)addr && (uintptr_t)addr < b;
		} else if (in && !strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* "Key: N" of /proc/meminfo (or /proc/self/status), -1 if absent. */
static long proc_val(const char *file, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * An anonymous 4 MiB region on a 2 MiB boundary with MADV_HUGEPAGE, backed
 * by transparent huge pages (AnonHugePages in smaps), registered ODP:
 * WRITE across the boundary of the two huge pages (CPU view, READ back),
 * a READ into the region itself (ODP local sink); then munmap of one
 * 4 KiB page in the middle of the first huge page splits it: a WRITE
 * there is an access error, the rest of the split page still carries
 * data both ways and keeps what it held.
 */
static const char *t_thp_split(void)
{
	static char msg[200];
	const size_t len = 4 * MiB, huge = 2 * MiB;
	const size_t xoff = huge - 300 * 1024, xlen = 600 * 1024 + 3;
	const size_t hole = MiB, woff = hole + page_size, wlen = 512 * 1024 + 100;
	uint32_t s0 = seed_of(T_THP, 0, 0, 0), s1 = seed_of(T_THP, 1, 0, 0);
	uint32_t s2 = seed_of(T_THP, 2, 0, 0);
	char en[128] = "";
	long anon_huge;
	struct scene s;
	uint8_t *raw, *r;
	FILE *f;

	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		skip("no /sys/kernel/mm/transparent_hugepage/enabled: %s", strerror(errno));
	if (!fgets(en, sizeof(en), f))
		en[0] = '\0';
	fclose(f);
	en[strcspn(en, "\n")] = '\0';
	if (strstr(en, "[never]"))
		skip("transparent huge pages disabled (%s)", en);

	scene_base(&s, len);
	raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		sod_fail("mmap(%zu bytes): expected success got %s", len + huge,
			 strerror(errno));
	reg_res(R_MAP, raw, len + huge);
	r = (uint8_t *)align_up((uintptr_t)raw, huge);
	if (madvise(r, len, MADV_HUGEPAGE))
		skip("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	fill(r, len, s0);
	anon_huge = smaps_kib(r, "AnonHugePages");
	if (anon_huge < 4096)
		skip("the region is not backed by THPs (AnonHugePages %ld kB of 4096, enabled: %s)",
		     anon_huge, en);
	s.buf = r;
	s.mr = odp_mr(r, len, rw_access);

	scene_write(&s, s1, xoff, xlen, IBV_WC_SUCCESS,
		    "WRITE across the boundary of two huge pages");
	check(r + xoff, xlen, s1, "CPU view of the WRITE across two huge pages");
	check_off(r + xoff - GUARD, GUARD, s0, xoff - GUARD,
		  "CPU view before the WRITE (old contents)");
	check_off(r + xoff + xlen, GUARD, s0, xoff + xlen,
		  "CPU view after the WRITE (old contents)");
	scene_read(&s, xoff, xlen, IBV_WC_SUCCESS,
		   "READ across the boundary of two huge pages");
	check(s.dst, xlen, s1, "READ across the boundary of two huge pages");
	/* ODP local sink: READ from the region into the region. */
	rdma(&s.c, IBV_WR_RDMA_READ, r + 3 * MiB, 4096 + 5, s.mr, r + xoff, s.mr,
	     IBV_WC_SUCCESS, "READ from the THP region into itself");
	check(r + 3 * MiB, 4096 + 5, s1, "READ into the THP region (local sink)");
	check_off(r + 3 * MiB + 4096 + 5, GUARD, s0, 3 * MiB + 4096 + 5,
		  "after the READ into the THP region");

	if (munmap(r + hole, page_size))
		sod_fail("munmap(4 KiB in the middle of a huge page): expected success got %s",
			 strerror(errno));
	scene_write(&s, s2, hole, page_size, IBV_WC_REM_ACCESS_ERR,
		    "WRITE to the page unmapped out of a huge page");
	conn_redo(&s.c);
	scene_write(&s, s2, hole - 100, 200, IBV_WC_REM_ACCESS_ERR,
		    "WRITE straddling into the unmapped page");
	conn_redo(&s.c);

	/* The rest of the split huge page: old contents, then new data. */
	/* (the refused straddling WRITE may have stored its first 100 bytes) */
	scene_read(&s, 0, hole - 100, IBV_WC_SUCCESS,
		   "READ of the split huge page before the hole");
	check(s.dst, hole - 100, s0, "READ of the split huge page before the hole");
	scene_write(&s, s2, woff, wlen, IBV_WC_SUCCESS,
		    "WRITE to the split huge page after the hole");
	check(r + woff, wlen, s2, "CPU view of the WRITE after the split");
	check_off(r + woff + wlen, xoff - woff - wlen, s0, woff + wlen,
		  "CPU view of the rest of the split huge page");
	scene_read(&s, woff, wlen, IBV_WC_SUCCESS,
		   "READ of the split huge page after the hole");
	check(s.dst, wlen, s2, "READ of the split huge page after the hole");
	scene_read(&s, woff + wlen, huge - woff - wlen, IBV_WC_SUCCESS,
		   "READ of the rest of the split huge page");
	check_off(s.dst, xoff - woff - wlen, s0, woff + wlen,
		  "READ of the rest of the split huge page (old contents)");
	check(s.dst + xoff - woff - wlen, huge - xoff, s1,
	      "READ of the rest of the split huge page (the first WRITE)");
	snprintf(msg, sizeof(msg),
		 "THP-backed ODP region (AnonHugePages %ld kB): WRITE/READ across huge pages; munmap of 4 KiB splits one: IBV_WC_REM_ACCESS_ERR there, the rest keeps and carries data",
		 anon_huge);
	return msg;
}

/*
 * MAP_HUGETLB 2 MiB pages registered ODP: WRITE across the two pages,
 * READ back, atomics (result into the region itself); munmap and a new
 * MAP_FIXED hugetlb mapping with other contents: READ returns them.
 */
static const char *t_hugetlb(void)
{
	const size_t len = 4 * MiB, xoff = 2 * MiB - 5000, xlen = 64 * 1024 + 7;
	const uint64_t v0 = 0x0123456789abcdefull, x = 0x1111000011110001ull;
	const uint64_t y = 0xfedcba9876543210ull;
	uint32_t s0 = seed_of(T_HUGETLB, 0, 0, 0), s1 = seed_of(T_HUGETLB, 1, 0, 0);
	uint32_t s2 = seed_of(T_HUGETLB, 2, 0, 0);
	const int hflags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
	uint8_t *r, *t = NULL, *res8;
	struct ibv_sge sg;
	struct scene s;
	uint64_t got;
	void *p;

	scene_base(&s, len);
	r = mmap(NULL, len, PROT_READ | PROT_WRITE, hflags, -1, 0);
	if (r == MAP_FAILED) {
		int e = errno;

		if (e == ENOMEM && proc_val("/proc/meminfo", "HugePages_Total") <= 0)
			skip("mmap(MAP_HUGETLB): ENOMEM and no huge pages reserved (HugePages_Total 0)");
		sod_fail("mmap(MAP_HUGETLB, 4 MiB): expected success got %s (HugePages_Free %ld)",
			 strerror(e), proc_val("/proc/meminfo", "HugePages_Free"));
	}
	reg_res(R_MAP, r, len);
	fill(r, len, s0);
	s.buf = r;
	s.mr = odp_mr(r, len, all_access);

	scene_write(&s, s1, xoff, xlen, IBV_WC_SUCCESS,
		    "WRITE across two hugetlb pages");
	check(r + xoff, xlen, s1, "CPU view of the WRITE across two hugetlb pages");
	check_off(r + xoff - GUARD, GUARD, s0, xoff - GUARD, "CPU view before the WRITE");
	check_off(r + xoff + xlen, GUARD, s0, xoff + xlen, "CPU view after the WRITE");
	scene_read(&s, xoff, xlen, IBV_WC_SUCCESS, "READ across two hugetlb pages");
	check(s.dst, xlen, s1, "READ across two hugetlb pages");
	/* ODP local sink: READ from the region into the region. */
	rdma(&s.c, IBV_WR_RDMA_READ, r + 3 * MiB + 8, 8192, s.mr, r + xoff, s.mr,
	     IBV_WC_SUCCESS, "READ from the hugetlb region into itself");
	check(r + 3 * MiB + 8, 8192, s1, "READ into the hugetlb region (local sink)");

	/* Atomics on a target in the second page, result into the first. */
	t = r + 2 * MiB + 256 * 1024;
	res8 = r + 512 * 1024;
	memcpy(t, &v0, 8);
	memset(res8, POISON, 8);
	sg = sge(res8, 8, s.mr);
	post_atomic(s.c.qp[0], 900, IBV_WR_ATOMIC_FETCH_AND_ADD, &sg, (uintptr_t)t,
		    s.mr, x, 0, "fetch_add on hugetlb memory");
	expect_wc(s.c.cq[0], 900, IBV_WC_SUCCESS, IBV_WC_FETCH_ADD,
		  "fetch_add on hugetlb memory");
	memcpy(&got, res8, 8);
	if (got != v0)
		sod_fail("fetch_add on hugetlb memory: original value: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
			 v0, got);
	memcpy(&got, t, 8);
	if (got != v0 + x)
		sod_fail("fetch_add on hugetlb memory: target: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
			 v0 + x, got);
	post_atomic(s.c.qp[0], 901, IBV_WR_ATOMIC_CMP_AND_SWP, &sg, (uintptr_t)t,
		    s.mr, v0 + x, y, "cmp_swp on hugetlb memory");
	expect_wc(s.c.cq[0], 901, IBV_WC_SUCCESS, IBV_WC_COMP_SWAP,
		  "cmp_swp on hugetlb memory");
	memcpy(&got, t, 8);
	if (got != y)
		sod_fail("cmp_swp on hugetlb memory: target: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
			 y, got);
	check_off(t - GUARD, GUARD, s0, (size_t)(t - r) - GUARD, "before the atomic target");
	check_off(t + 8, GUARD, s0, (size_t)(t - r) + 8, "after the atomic target");

	/* New hugetlb pages at the same address. */
	if (munmap(r, len))
		sod_fail("munmap(hugetlb): expected success got %s", strerror(errno));
	p = mmap(r, len, PROT_READ | PROT_WRITE, hflags | MAP_FIXED, -1, 0);
	if (p != r) {
		unreg_res(R_MAP, r);
		sod_fail("mmap(MAP_HUGETLB|MAP_FIXED) at the old address: expected %p got %p (%s)",
			 (void *)r, p, strerror(errno));
	}
	fill(r, len, s2);
	scene_read(&s, 0, len, IBV_WC_SUCCESS,
		   "READ after munmap + mmap(MAP_HUGETLB|MAP_FIXED)");
	check(s.dst, len, s2, "READ after munmap + mmap(MAP_HUGETLB|MAP_FIXED) (new contents)");
	scene_write(&s, s1, xoff, xlen, IBV_WC_SUCCESS,
		    "WRITE after munmap + mmap(MAP_HUGETLB|MAP_FIXED)");
	check(r + xoff, xlen, s1, "CPU view of the WRITE into the new hugetlb pages");
	check_off(r + xoff + xlen, GUARD, s2, xoff + xlen, "CPU view after that WRITE");
	return "MAP_HUGETLB 2 MiB pages, ODP: WRITE/READ across pages, READ into the region, fetch_add/cmp_swp; after munmap + mmap(MAP_FIXED) READ returns the new contents";
}

/* ------------------------------------------------------------ shared files */

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* True if a CPU read of *p raises SIGBUS. */
static bool cpu_read_sigbus(const volatile uint8_t *p)
{
	struct sigaction sa, old;
	volatile bool bus = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)*p;
	else
		bus = true;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static void pread_all(int fd, uint8_t *buf, size_t len, off_t off, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);

		if (n <= 0)
			sod_fail("%s: pread: expected %zu bytes got %s", what, len,
				 n < 0 ? strerror(errno) : "end of file");
		done += (size_t)n;
	}
}

static void pwrite_all(int fd, const uint8_t *buf, size_t len, off_t off,
		       const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, off + (off_t)done);

		if (n <= 0)
			sod_fail("%s: pwrite: expected %zu bytes got %s", what, len,
				 n < 0 ? strerror(errno) : "0");
		done += (size_t)n;
	}
}

/*
 * A MAP_SHARED read-write mapping of 16 pages of file @fd (@kind: memfd,
 * ext4), registered ODP: WRITE then msync(MS_SYNC) then pread sees the
 * data; pwrite then READ returns it; READ into the mapping (ODP local
 * sink) reaches the file; a hole punched into a page reads as zeros and
 * takes a WRITE again; ftruncate below pages 12..15 makes WRITE and READ
 * there an access error (and the CPU gets SIGBUS), the pages below still
 * work.
 */
static const char *file_shared(int fd, int test, const char *kind)
{
	static char msg[240];
	const size_t np = 16, len = np * page_size, P = page_size;
	const size_t woff = 100, wlen = 5 * P + 100;
	uint32_t sa = seed_of(test, 0, 0, 0), sb = seed_of(test, 1, 0, 0);
	uint32_t sc = seed_of(test, 2, 0, 0);
	uint8_t *map, *tmp;
	struct scene s;
	char what[128];

	if (ftruncate(fd, (off_t)len))
		sod_fail("ftruncate(%s, %zu): expected success got %s", kind, len,
			 strerror(errno));
	scene_base(&s, len);
	tmp = mk_map(len, 0);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		sod_fail("mmap(%s, MAP_SHARED, read-write): expected success got %s", kind,
			 strerror(errno));
	reg_res(R_MAP, map, len);
	s.buf = map;
	s.mr = odp_mr(map, len, rw_access);

	/* WRITE -> msync -> pread */
	scene_write(&s, sa, woff, wlen, IBV_WC_SUCCESS, "WRITE into the shared mapping");
	if (msync(map, len, MS_SYNC))
		sod_fail("msync(MS_SYNC): expected success got %s", strerror(errno));
	snprintf(what, sizeof(what), "pread of the %s after the WRITE", kind);
	pread_all(fd, tmp, len, 0, what);
	check(tmp + woff, wlen, sa, what);
	check_val(tmp, woff, 0, what);
	check_val(tmp + woff + wlen, 8 * P - woff - wlen, 0, what);
	check(map + woff, wlen, sa, "CPU view of the WRITE");

	/* pwrite -> READ */
	fill(tmp, 4 * P, sb);
	snprintf(what, sizeof(what), "pwrite of pages 8..11 of the %s", kind);
	pwrite_all(fd, tmp, 4 * P, (off_t)(8 * P), what);
	scene_read(&s, 8 * P, 4 * P, IBV_WC_SUCCESS, "READ after pwrite");
	check(s.dst, 4 * P, sb, "READ after pwrite (the file's new contents)");

	/* ODP local sink: READ from the mapping into page 6 of it. */
	rdma(&s.c, IBV_WR_RDMA_READ, map + 6 * P, 2 * P, s.mr, map + woff, s.mr,
	     IBV_WC_SUCCESS, "READ from the shared mapping into itself");
	if (msync(map, len, MS_SYNC))
		sod_fail("msync(MS_SYNC): expected success got %s", strerror(errno));
	snprintf(what, sizeof(what), "pread of the %s after a READ into the mapping", kind);
	pread_all(fd, tmp, 2 * P, (off_t)(6 * P), what);
	check(tmp, 2 * P, sa, what);

	/* A hole in page 9: zeros; a WRITE fills it again. */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(9 * P),
		      (off_t)P))
		sod_fail("fallocate(PUNCH_HOLE, page 9 of the %s): expected success got %s",
			 kind, strerror(errno));
	scene_read(&s, 8 * P, 4 * P, IBV_WC_SUCCESS, "READ after punching a hole");
	check_off(s.dst, P, sb, 0, "READ after punching a hole: page 8");
	check_val(s.dst + P, P, 0, "READ after punching a hole: page 9 (the hole)");
	check_off(s.dst + 2 * P, 2 * P, sb, 2 * P, "READ after punching a hole: pages 10, 11");
	scene_write(&s, sc, 9 * P + 10, P - 20, IBV_WC_SUCCESS, "WRITE into the punched hole");
	if (msync(map, len, MS_SYNC))
		sod_fail("msync(MS_SYNC): expected success got %s", strerror(errno));
	snprintf(what, sizeof(what), "pread of the %s page that had a hole", kind);
	pread_all(fd, tmp, P, (off_t)(9 * P), what);
	check_val(tmp, 10, 0, what);
	check(tmp + 10, P - 20, sc, what);
	check_val(tmp + P - 10, 10, 0, what);

	/* Truncate below pages 12..15. */
	if (ftruncate(fd, (off_t)(12 * P)))
		sod_fail("ftruncate(%s, 12 pages): expected success got %s", kind,
			 strerror(errno));
	if (!cpu_read_sigbus(map + 13 * P))
		sod_fail("CPU read beyond the truncated end of the %s: expected SIGBUS got none",
			 kind);
	scene_write(&s, sa, 13 * P, P, IBV_WC_REM_ACCESS_ERR,
		    "WRITE beyond the truncated end (page the device had not mapped)");
	conn_redo(&s.c);
	scene_read(&s, 14 * P, 2 * P, IBV_WC_REM_ACCESS_ERR,
		   "READ beyond the truncated end");
	check_val(s.dst - GUARD, 2 * P + 2 * GUARD, POISON,
		  "READ destination after the refused READ (untouched expected)");
	conn_redo(&s.c);
	scene_write(&s, sa, 12 * P - 100, 200, IBV_WC_REM_ACCESS_ERR,
		    "WRITE straddling the truncated end");
	conn_redo(&s.c);
	snprintf(what, sizeof(what), "file size of the %s after the refused WRITEs", kind);
	{
		struct stat st;

		if (fstat(fd, &st))
			sod_fail("fstat: expected success got %s", strerror(errno));
		if ((size_t)st.st_size != 12 * P)
			sod_fail("%s: expected %zu got %lld", what, 12 * P,
				 (long long)st.st_size);
	}
	/* (the refused straddling WRITE may have stored its first 100 bytes) */
	scene_read(&s, 8 * P, 4 * P - 100, IBV_WC_SUCCESS, "READ below the truncated end");
	check_off(s.dst, P, sb, 0, "READ below the truncated end: page 8");
	check(s.dst + P + 10, P - 20, sc, "READ below the truncated end: page 9");
	check_off(s.dst + 2 * P, 2 * P - 100, sb, 2 * P,
		  "READ below the truncated end: pages 10, 11");
	scene_write(&s, sc, 2 * P, 3 * P, IBV_WC_SUCCESS, "WRITE below the truncated end");
	if (msync(map, len - 4 * P, MS_SYNC))
		sod_fail("msync(MS_SYNC): expected success got %s", strerror(errno));
	snprintf(what, sizeof(what), "pread of the %s after the last WRITE", kind);
	pread_all(fd, tmp, 3 * P, (off_t)(2 * P), what);
	check(tmp, 3 * P, sc, what);
	snprintf(msg, sizeof(msg),
		 "MAP_SHARED %s, ODP: WRITE+msync -> pread, pwrite -> READ, READ into the mapping -> pread, punched hole reads 0, after ftruncate IBV_WC_REM_ACCESS_ERR (CPU: SIGBUS), pages below work",
		 kind);
	return msg;
}

static const char *t_memfd_shared(void)
{
	int fd = memfd_create("sod_odp_shared", MFD_CLOEXEC);

	if (fd < 0)
		sod_fail("memfd_create: expected success got %s", strerror(errno));
	reg_res(R_FD, NULL, (size_t)fd);
	return file_shared(fd, T_MEMFD, "memfd");
}

static const char *ext4_dir;

static const char *t_ext4_file(void)
{
	char path[4096];
	int fd;

	if (!ext4_dir)
		skip("no --ext4-dir given");
	snprintf(path, sizeof(path), "%s/sod_odp_ext4.%d", ext4_dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		sod_fail("open(%s): expected success got %s", path, strerror(errno));
	reg_res(R_FD, NULL, (size_t)fd);
	unlink(path);
	return file_shared(fd, T_EXT4, "ext4 file");
}

/* ------------------------------------------------------------ swap */

/* Swap space in use (/proc/swaps has an entry). */
static bool swap_active(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}

/*
 * Under a memory limit smaller than the region (odp.sh: a cgroup with
 * memory.max 64M, zram swap): 128 MiB of anonymous memory registered ODP
 * is filled by 1 MiB RDMA WRITEs with a pattern each, which pushes the
 * earlier pieces out to swap (VmSwap > 0, else SKIP); every piece is then
 * read back by RDMA READ (from swap) and by the CPU, byte by byte.
 */
static const char *t_swap(void)
{
	static char msg[200];
	const size_t len = 128 * MiB, piece = MiB, n = len / piece;
	long swapped, swapped_after;
	uint8_t *src, *dst, *buf;
	struct ibv_mr *smr, *dmr, *mr;
	char what[96];
	struct conn c;
	long t0 = sod_now_ms();

	if (!swap_active())
		skip("no swap space active (odp.sh sets up zram swap and a memory cgroup for this sub-test)");
	conn_make(&c, NULL);
	src = mk_map(piece, 0);
	dst = mk_map(piece + 2 * GUARD, 0) + GUARD;
	smr = pin_mr(src, piece, IBV_ACCESS_LOCAL_WRITE);
	dmr = pin_mr(dst - GUARD, piece + 2 * GUARD, IBV_ACCESS_LOCAL_WRITE);
	buf = mk_map(len, 0);
	mr = odp_mr(buf, len, rw_access);

	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "WRITE of 1 MiB piece %zu of 128", i);
		fill(src, piece, seed_of(T_SWAP, 0, (int)(i & 0xff), 0));
		rdma(&c, IBV_WR_RDMA_WRITE, src, piece, smr, buf + i * piece, mr,
		     IBV_WC_SUCCESS, what);
		if (i % 32 == 31)
			sod_info("swap: %zu MiB written, VmSwap %ld kB, %ld ms", i + 1,
				 proc_val("/proc/self/status", "VmSwap"), sod_now_ms() - t0);
	}
	swapped = proc_val("/proc/self/status", "VmSwap");
	if (swapped <= 0)
		skip("nothing was swapped (VmSwap %ld kB after writing 128 MiB)", swapped);

	for (size_t i = 0; i < n; i++) {
		uint32_t seed = seed_of(T_SWAP, 0, (int)(i & 0xff), 0);

		snprintf(what, sizeof(what), "READ of 1 MiB piece %zu of 128", i);
		memset(dst - GUARD, POISON, piece + 2 * GUARD);
		rdma(&c, IBV_WR_RDMA_READ, dst, piece, dmr, buf + i * piece, mr,
		     IBV_WC_SUCCESS, what);
		check(dst, piece, seed, what);
		check_guards(dst, piece, POISON, what);
		if (i % 32 == 31)
			sod_info("swap: %zu MiB read back, VmSwap %ld kB, %ld ms", i + 1,
				 proc_val("/proc/self/status", "VmSwap"), sod_now_ms() - t0);
	}
	swapped_after = proc_val("/proc/self/status", "VmSwap");
	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "CPU view of 1 MiB piece %zu of 128", i);
		check(buf + i * piece, piece, seed_of(T_SWAP, 0, (int)(i & 0xff), 0), what);
	}
	snprintf(msg, sizeof(msg),
		 "128 MiB ODP region filled by 1 MiB WRITEs under a memory limit (VmSwap %ld kB, %ld kB after the READs): every piece read back by RDMA READ and CPU",
		 swapped, swapped_after);
	return msg;
}

/* ------------------------------------------------------------ pagemap */

/*
 * The /proc/self/pagemap entries of the @n pages from @addr into @out
 * (bit 63: present; bits 0-54: the PFN, 0 without CAP_SYS_ADMIN).
 */
static void pagemap_read(const void *addr, size_t n, uint64_t *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)addr / page_size * sizeof(uint64_t));
	ssize_t got;

	if (fd < 0)
		sod_fail("open /proc/self/pagemap: expected success got %s", strerror(errno));
	got = pread(fd, out, n * sizeof(uint64_t), off);
	close(fd);
	if (got != (ssize_t)(n * sizeof(uint64_t)))
		sod_fail("pread /proc/self/pagemap: expected %zu bytes got %zd (%s)",
			 n * sizeof(uint64_t), got, got < 0 ? strerror(errno) : "short");
}

#define PM_PRESENT (1ULL << 63)
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))

/* Pages of the @n from @addr that are present (in RAM). */
static size_t pages_present(const void *addr, size_t n)
{
	uint64_t pm[256];
	size_t cnt = 0;

	if (n > 256)
		sod_fail("internal: pages_present of %zu pages", n);
	pagemap_read(addr, n, pm);
	for (size_t i = 0; i < n; i++)
		cnt += !!(pm[i] & PM_PRESENT);
	return cnt;
}

/* ------------------------------------------------------------ madv_free */

static int sysfs_write(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, v, strlen(v)) < 0)
		e = errno;
	close(fd);
	return e;
}

/* The cgroup (v2) we were in, and the one cg_enter() made for us. */
static char cg_home[600], cg_own[700];

/* Back to cg_home, and remove cg_own (also from cleanup: R_CGROUP). */
static int cg_leave(void)
{
	char path[720];
	int e;

	if (!cg_own[0])
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_home);
	e = sysfs_write(path, "0");
	if (!e && rmdir(cg_own))
		e = errno;
	cg_own[0] = '\0';
	return e;
}

/*
 * memory.reclaim, opened for writing, of a new cgroup (v2, under
 * /sys/fs/cgroup) below ours that this process moves into, so that a
 * reclaim scans only the memory charged from now on (in our own cgroup,
 * perhaps the root, it would go through all the page cache first: ~20 s
 * on a loaded host).  Falls back to our own cgroup's memory.reclaim;
 * -1 (and @why says why) if there is none.
 */
static int reclaim_fd(char *why, size_t whylen)
{
	char line[512], path[720];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int fd;

	*why = '\0';
	cg_home[0] = '\0';
	if (!f) {
		snprintf(why, whylen, "no /proc/self/cgroup");
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cg_home, sizeof(cg_home), "/sys/fs/cgroup%s",
				 strcmp(line + 3, "/") ? line + 3 : "");
		}
	fclose(f);
	if (!cg_home[0]) {
		snprintf(why, whylen, "not in a cgroup v2 hierarchy");
		return -1;
	}
	/* Best effort: the memory controller for our children. */
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cg_home);
	sysfs_write(path, "+memory");
	snprintf(cg_own, sizeof(cg_own), "%s/sod_odp_madv_free.%d", cg_home,
		 (int)getpid());
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_own);
	if (mkdir(cg_own, 0755) == 0 && access(path, F_OK) == 0) {
		int e;

		reg_res(R_CGROUP, NULL, 0);
		e = sysfs_write(path, "0");
		if (e)
			sod_fail("moving into %s: expected success got %s", cg_own,
				 strerror(e));
		snprintf(path, sizeof(path), "%s/memory.reclaim", cg_own);
	} else {
		if (access(cg_own, F_OK) == 0)
			rmdir(cg_own);
		cg_own[0] = '\0';
		snprintf(path, sizeof(path), "%s/memory.reclaim", cg_home);
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(why, whylen, "cannot open %s: %s (odp.sh mounts cgroup2)", path,
			 strerror(errno));
	else
		reg_res(R_FD, NULL, (size_t)fd);
	return fd;
}

/*
 * madvise(MADV_FREE) of a registered, faulted region of 64 pages that the
 * CPU filled with P0 and the device mapped (READ), then before any
 * reclaim the CPU rewrites the first quarter (P1), the device READs all
 * (mapping the lazily freed pages again) and, with @dev_write (sub-test
 * madv_free_write), a remote WRITE rewrites the second quarter (P2); the
 * rest stays lazily freed.  Not reclaimed yet, the device must see exactly
 * what the CPU sees (the rewrites, P0 elsewhere).  Then memory.reclaim of
 * our cgroup, repeated until the lazily freed pages are no longer present
 * (pagemap), bounded: they read as zeros by the CPU and by READ; the
 * rewritten ones keep their data (the device's write must count as a
 * write for the kernel too, or reclaim discards the page as clean); a
 * WRITE of P3 over everything reaches the CPU and READ sees it.
 *
 * Pinned memory: a pinned page is never discarded (reclaim sees the extra
 * reference), so the scenario does not exist there: F_NOPIN.
 */
static const char *madv_free_run(bool dev_write)
{
	static char msg[256];
	const size_t np = 64, q = 16;
	struct scene s;
	char why[1000];
	size_t qlen, kept, present = 0;
	int fd, rounds = 0;
	long end;

	fd = reclaim_fd(why, sizeof(why));
	if (fd < 0)
		skip("%s", why);
	scene_make(&s, np, rw_access);
	qlen = q * page_size;
	kept = dev_write ? 2 * qlen : qlen;
	fill(s.buf, s.len, seed_of(T_MADV_FREE, 0, 0, 0));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of P0 before MADV_FREE");
	check(s.dst, s.len, seed_of(T_MADV_FREE, 0, 0, 0), "READ of P0 before MADV_FREE");

	if (madvise(s.buf, s.len, MADV_FREE))
		sod_fail("madvise(MADV_FREE): expected success got %s", strerror(errno));
	/*
	 * Not reclaimed yet: a CPU write of new data, a READ (the device maps
	 * the lazily freed pages again), and with @dev_write a device write.
	 */
	fill(s.buf, qlen, seed_of(T_MADV_FREE, 0, 0, 1));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after MADV_FREE and a CPU write");
	check(s.dst, qlen, seed_of(T_MADV_FREE, 0, 0, 1),
	      "READ after MADV_FREE and a CPU write: first quarter (P1 expected)");
	if (dev_write)
		scene_write(&s, seed_of(T_MADV_FREE, 0, 0, 2), qlen, qlen, IBV_WC_SUCCESS,
			    "WRITE of P2 into the second quarter after MADV_FREE");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after MADV_FREE (not reclaimed)");
	check(s.dst, qlen, seed_of(T_MADV_FREE, 0, 0, 1),
	      "READ after MADV_FREE and a CPU write: first quarter (P1 expected)");
	if (dev_write)
		check(s.dst + qlen, qlen, seed_of(T_MADV_FREE, 0, 0, 2),
		      "READ after MADV_FREE and a WRITE: second quarter (P2 expected)");
	check_off(s.dst + kept, s.len - kept, seed_of(T_MADV_FREE, 0, 0, 0), kept,
		  "READ after MADV_FREE (not reclaimed): lazily freed pages (P0 expected)");
	check_off(s.buf + kept, s.len - kept, seed_of(T_MADV_FREE, 0, 0, 0), kept,
		  "CPU view after MADV_FREE (not reclaimed): lazily freed pages (P0 expected)");

	/* Reclaim until the lazily freed pages are gone (bounded). */
	end = sod_now_ms() + timeout_ms;
	for (;;) {
		present = pages_present(s.buf + kept, (s.len - kept) / page_size);
		if (present == 0)
			break;
		if (sod_now_ms() > end)
			sod_fail("memory.reclaim: expected the %zu lazily freed pages discarded within %ld ms, %zu still present after %d rounds",
				 (s.len - kept) / page_size, timeout_ms, present, rounds);
		rounds++;
		if (write(fd, "64M", 3) < 0 && errno != EAGAIN)
			sod_fail("write 64M to memory.reclaim: expected success got %s",
				 strerror(errno));
	}
	present = pages_present(s.buf, q);
	if (present != q)
		sod_fail("after reclaim: expected the %zu pages rewritten by the CPU present got %zu (discarded although dirty)",
			 q, present);
	if (dev_write) {
		present = pages_present(s.buf + qlen, q);
		if (present != q)
			sod_fail("after reclaim: expected the %zu pages rewritten by the RDMA WRITE present got %zu (the device's write did not make the lazily freed page dirty: reclaim discarded its data)",
				 q, present);
	}
	check(s.buf, qlen, seed_of(T_MADV_FREE, 0, 0, 1),
	      "CPU view after reclaim: first quarter, rewritten by the CPU (P1 expected)");
	if (dev_write)
		check(s.buf + qlen, qlen, seed_of(T_MADV_FREE, 0, 0, 2),
		      "CPU view after reclaim: second quarter, rewritten by a WRITE (P2 expected)");
	check_val(s.buf + kept, s.len - kept, 0,
		  "CPU view after reclaim: lazily freed pages (zeros expected)");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after reclaim");
	check(s.dst, qlen, seed_of(T_MADV_FREE, 0, 0, 1),
	      "READ after reclaim: first quarter (P1 expected)");
	if (dev_write)
		check(s.dst + qlen, qlen, seed_of(T_MADV_FREE, 0, 0, 2),
		      "READ after reclaim: second quarter (P2 expected)");
	check_val(s.dst + kept, s.len - kept, 0,
		  "READ after reclaim: lazily freed pages (zeros expected)");

	scene_write(&s, seed_of(T_MADV_FREE, 0, 0, 3), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE of P3 after reclaim");
	check(s.buf, s.len, seed_of(T_MADV_FREE, 0, 0, 3), "CPU view of P3 after reclaim");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of P3 after reclaim");
	check(s.dst, s.len, seed_of(T_MADV_FREE, 0, 0, 3), "READ of P3 after reclaim");
	snprintf(msg, sizeof(msg),
		 "after MADV_FREE the device sees the %s rewrites; after reclaim (%d memory.reclaim rounds) the %zu freed pages read as zeros by CPU and READ, the rewritten ones keep their data, a WRITE reaches the CPU",
		 dev_write ? "CPU's and its own" : "CPU's", rounds,
		 (s.len - kept) / page_size);
	return msg;
}

static const char *t_madv_free(void)
{
	return madv_free_run(false);
}

/*
 * MADV_FREE leaves the PTE writable but clean, and hmm_range_fault() does
 * not fault a writable PTE: unless the device marks the pages it wrote
 * dirty itself, reclaim discards what an RDMA WRITE put there (softodp
 * before 833b56c lost all 16 pages here).
 */
static const char *t_madv_free_write(void)
{
	return madv_free_run(true);
}

/* ------------------------------------------------------------ migrate */

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

/* Online NUMA nodes: how many, and the lowest two in @first, @second. */
static int numa_nodes(int *first, int *second)
{
	int n = 0;

	*first = *second = -1;
	for (int i = 0; i < 64; i++) {
		char path[80];

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", i);
		if (access(path, F_OK))
			continue;
		if (n == 0)
			*first = i;
		else if (n == 1)
			*second = i;
		n++;
	}
	return n;
}

/* move_pages(2) of this process; @nodes NULL: query only. */
static long move_pages_sys(size_t n, void **pages, const int *nodes, int *status)
{
	return syscall(SYS_move_pages, 0, (unsigned long)n, pages, nodes, status,
		       MPOL_MF_MOVE);
}

/* Every page of @pages is on node @node (move_pages query), else FAIL. */
static void check_nodes(size_t n, void **pages, int node, const char *what)
{
	int status[64];

	if (move_pages_sys(n, pages, NULL, status))
		sod_fail("%s: move_pages query: expected success got %s", what, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (status[i] != node)
			sod_fail("%s: page %zu: expected on node %d got status %d", what, i,
				 node, status[i]);
}

/*
 * move_pages() of a registered region of 16 pages that the CPU filled
 * (P0) and the device mapped (READ and WRITE) to the other node: the
 * status query (nodes NULL) must show every page on the new node, and
 * /proc/self/pagemap a new PFN for each (when readable: root).  Then
 * READ sees P0; the CPU writes P1 into the first half, READ sees P1 | P0;
 * a WRITE of P2 reaches the CPU, and the pages are still the new ones
 * (node, PFN).  A device that kept its old entries would read and write
 * the freed source pages.
 *
 * Pinned memory cannot migrate (move_pages reports -EBUSY/-EAGAIN for
 * pinned pages): F_NOPIN.
 */
static const char *t_migrate(void)
{
	static char msg[256];
	const size_t np = 16;
	uint64_t pm0[16], pm1[16], pm2[16];
	void *pages[16];
	int nodes[16], status[16];
	int from, to, n0, n1;
	bool pfns;
	struct scene s;
	size_t half;

	if (numa_nodes(&n0, &n1) < 2)
		skip("one NUMA node: nothing to migrate to (odp.sh's header asks for 'numa: 2'; run-vm.sh --numa 2)");
	scene_make(&s, np, rw_access);
	half = s.len / 2;
	fill(s.buf, s.len, seed_of(T_MIGRATE, 0, 0, 0));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ of P0 before migration");
	check(s.dst, s.len, seed_of(T_MIGRATE, 0, 0, 0), "READ of P0 before migration");
	/* Map the pages writable on the device too (same data). */
	memcpy(s.src, s.buf, s.len);
	rdma(&s.c, IBV_WR_RDMA_WRITE, s.src, s.len, s.smr, s.buf, s.mr, IBV_WC_SUCCESS,
	     "WRITE of P0 before migration");

	for (size_t i = 0; i < np; i++)
		pages[i] = s.buf + i * page_size;
	if (move_pages_sys(np, pages, NULL, status))
		sod_fail("move_pages query: expected success got %s", strerror(errno));
	from = status[0];
	if (from != n0 && from != n1)
		sod_fail("move_pages query: page 0: expected node %d or %d got status %d",
			 n0, n1, from);
	check_nodes(np, pages, from, "before migration");
	to = from == n0 ? n1 : n0;
	pagemap_read(s.buf, np, pm0);
	pfns = PM_PFN(pm0[0]) != 0;

	for (size_t i = 0; i < np; i++)
		nodes[i] = to;
	/* A page may be busy for a moment (-EBUSY, -EAGAIN): a few tries. */
	for (int tries = 1;; tries++) {
		size_t bad = np;

		if (move_pages_sys(np, pages, nodes, status))
			sod_fail("move_pages to node %d: expected success got %s", to,
				 strerror(errno));
		for (size_t i = 0; i < np && bad == np; i++)
			if (status[i] != to)
				bad = i;
		if (bad == np)
			break;
		if (tries == 5)
			sod_fail("move_pages to node %d (%d tries): page %zu: expected status %d got %d",
				 to, tries, bad, to, status[bad]);
	}
	check_nodes(np, pages, to, "after move_pages");
	pagemap_read(s.buf, np, pm1);
	for (size_t i = 0; pfns && i < np; i++)
		if (!(pm1[i] & PM_PRESENT) || PM_PFN(pm1[i]) == PM_PFN(pm0[i]))
			sod_fail("after move_pages: page %zu: expected a new PFN got %#llx (was %#llx)",
				 i, (unsigned long long)PM_PFN(pm1[i]),
				 (unsigned long long)PM_PFN(pm0[i]));

	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after migration");
	check(s.dst, s.len, seed_of(T_MIGRATE, 0, 0, 0), "READ after migration (P0 expected)");
	fill(s.buf, half, seed_of(T_MIGRATE, 0, 0, 1));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after migration and a CPU write");
	check(s.dst, half, seed_of(T_MIGRATE, 0, 0, 1),
	      "READ after migration and a CPU write: first half (P1 expected)");
	check_off(s.dst + half, s.len - half, seed_of(T_MIGRATE, 0, 0, 0), half,
		  "READ after migration: second half (P0 expected)");
	scene_write(&s, seed_of(T_MIGRATE, 0, 0, 2), 0, s.len, IBV_WC_SUCCESS,
		    "WRITE of P2 after migration");
	check(s.buf, s.len, seed_of(T_MIGRATE, 0, 0, 2),
	      "CPU view of the migrated pages after the WRITE of P2");
	check_nodes(np, pages, to, "after the WRITE");
	pagemap_read(s.buf, np, pm2);
	for (size_t i = 0; pfns && i < np; i++)
		if (PM_PFN(pm2[i]) != PM_PFN(pm1[i]))
			sod_fail("after the WRITE: page %zu: expected the migrated PFN %#llx got %#llx",
				 i, (unsigned long long)PM_PFN(pm1[i]),
				 (unsigned long long)PM_PFN(pm2[i]));
	snprintf(msg, sizeof(msg),
		 "%zu mapped pages moved from node %d to node %d (move_pages query%s): READ sees the same data, then the CPU's new data; a WRITE lands in the new pages",
		 np, from, to, pfns ? ", every PFN new" : "; PFNs not readable");
	return msg;
}

/* ------------------------------------------------------------ ksm */

#define KSM_DIR "/sys/kernel/mm/ksm/"

static const char *const ksm_knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };
static char ksm_saved[3][32];
static bool ksm_changed;

static bool sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static long ksm_val(const char *name)
{
	char path[128], v[32];

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	return sysfs_read(path, v, sizeof(v)) ? strtol(v, NULL, 10) : -1;
}

/* Put back run, pages_to_scan, sleep_millisecs (also from cleanup). */
static int ksm_restore(void)
{
	int e = 0;

	if (!ksm_changed)
		return 0;
	ksm_changed = false;
	/* run first: stop ksmd before it goes back to sleeping less. */
	for (size_t i = 0; i < 3; i++) {
		char path[128];
		int r;

		snprintf(path, sizeof(path), KSM_DIR "%s", ksm_knobs[i]);
		r = sysfs_write(path, ksm_saved[i]);
		e = e ? e : r;
	}
	return e;
}

/* Fill each page of p[0..len) with the same page of pattern @seed. */
static void fill_pages(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t off = 0; off < len; off += page_size)
		fill(p + off, page_size, seed);
}

static void check_pages(const uint8_t *p, size_t len, uint32_t seed, const char *what)
{
	for (size_t off = 0; off < len; off += page_size)
		check(p + off, page_size, seed, what);
}

/*
 * KSM: a registered region of 16 identical pages (Q), mapped by the
 * device (READ), and an unregistered twin region of the same 16 pages,
 * both MADV_MERGEABLE; ksmd runs (pages_to_scan 10000, sleep 0) until the
 * 32 pages are merged: one PFN for all of them in /proc/self/pagemap
 * (root), or else pages_sharing >= 31, polled with a deadline.  Then READ
 * sees Q; a WRITE of P1 into the first half must break the sharing (COW)
 * and land only there: the CPU sees P1 | Q, the twin keeps Q everywhere,
 * READ sees P1 | Q.  A device that kept its pre-merge entries would write
 * into pages KSM freed.
 *
 * Pinned memory is never merged (KSM skips pages with extra references):
 * F_NOPIN.
 */
static const char *t_ksm(void)
{
	static char msg[300];
	const size_t np = 16;
	uint64_t pm[16], tm[16];
	struct scene s;
	uint8_t *twin;
	size_t half;
	long end, sharing0, full0, sharing = 0, full = 0;
	bool pfns = false, merged = false;
	int e;

	if (access(KSM_DIR "run", W_OK))
		skip("no writable " KSM_DIR "run: %s (KSM not available)", strerror(errno));
	scene_make(&s, np, rw_access);
	half = s.len / 2;
	twin = mk_map(s.len, 0);
	fill_pages(s.buf, s.len, seed_of(T_KSM, 0, 0, 0));
	fill_pages(twin, s.len, seed_of(T_KSM, 0, 0, 0));
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ before merging");
	check_pages(s.dst, s.len, seed_of(T_KSM, 0, 0, 0), "READ before merging");
	/* Device entries writable too: a stale one would take a WRITE. */
	memcpy(s.src, s.buf, s.len);
	rdma(&s.c, IBV_WR_RDMA_WRITE, s.src, s.len, s.smr, s.buf, s.mr, IBV_WC_SUCCESS,
	     "WRITE of the same data before merging");

	if (madvise(s.buf, s.len, MADV_MERGEABLE) || madvise(twin, s.len, MADV_MERGEABLE))
		sod_fail("madvise(MADV_MERGEABLE): expected success got %s", strerror(errno));
	for (size_t i = 0; i < 3; i++) {
		char path[128];

		snprintf(path, sizeof(path), KSM_DIR "%s", ksm_knobs[i]);
		if (!sysfs_read(path, ksm_saved[i], sizeof(ksm_saved[i])))
			sod_fail("read %s: expected a value got %s", path, strerror(errno));
	}
	ksm_changed = true;
	reg_res(R_KSM, NULL, 0);
	sharing0 = ksm_val("pages_sharing");
	full0 = ksm_val("full_scans");
	if ((e = sysfs_write(KSM_DIR "sleep_millisecs", "0")) ||
	    (e = sysfs_write(KSM_DIR "pages_to_scan", "10000")) ||
	    (e = sysfs_write(KSM_DIR "run", "1")))
		sod_fail("KSM settings (sleep_millisecs 0, pages_to_scan 10000, run 1): expected success got %s",
			 strerror(e));

	end = sod_now_ms() + 3 * timeout_ms;
	while (!merged) {
		pagemap_read(s.buf, np, pm);
		pagemap_read(twin, np, tm);
		pfns = PM_PFN(pm[0]) != 0;
		sharing = ksm_val("pages_sharing");
		full = ksm_val("full_scans");
		if (pfns) {
			merged = true;
			for (size_t i = 0; i < np; i++)
				merged &= PM_PFN(pm[i]) == PM_PFN(pm[0]) &&
					  PM_PFN(tm[i]) == PM_PFN(pm[0]);
		} else {
			merged = sharing - sharing0 >= (long)(2 * np - 1);
		}
		if (merged)
			break;
		if (sod_now_ms() > end)
			sod_fail("KSM: expected the %zu identical pages merged within %ld ms got pages_sharing %ld (was %ld), full_scans %ld (was %ld)%s",
				 2 * np, 3 * timeout_ms, sharing, sharing0, full, full0,
				 pfns ? ", PFNs still differ" : "");
		nap_us(10000);
	}
	e = ksm_restore();
	unreg_res(R_KSM, NULL);
	if (e)
		sod_fail("restoring the KSM settings: expected success got %s", strerror(e));

	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after merging");
	check_pages(s.dst, s.len, seed_of(T_KSM, 0, 0, 0), "READ after merging");
	scene_write(&s, seed_of(T_KSM, 0, 0, 1), 0, half, IBV_WC_SUCCESS,
		    "WRITE of P1 into the first half after merging");
	check(s.buf, half, seed_of(T_KSM, 0, 0, 1),
	      "CPU view of the first half after the WRITE (P1 expected)");
	check_pages(s.buf + half, s.len - half, seed_of(T_KSM, 0, 0, 0),
		    "CPU view of the second half after the WRITE (Q expected)");
	check_pages(twin, s.len, seed_of(T_KSM, 0, 0, 0),
		    "the unregistered twin after the WRITE (Q expected: the merged pages must not be written)");
	scene_read(&s, 0, s.len, IBV_WC_SUCCESS, "READ after the WRITE");
	check(s.dst, half, seed_of(T_KSM, 0, 0, 1), "READ after the WRITE: first half (P1 expected)");
	check_pages(s.dst + half, s.len - half, seed_of(T_KSM, 0, 0, 0),
		    "READ after the WRITE: second half (Q expected)");
	if (pfns) {
		uint64_t m = PM_PFN(tm[0]);

		pagemap_read(s.buf, np, pm);
		pagemap_read(twin, np, tm);
		for (size_t i = 0; i < np; i++) {
			bool written = i * page_size < half;

			if ((PM_PFN(pm[i]) == m) == written)
				sod_fail("after the WRITE: page %zu: expected %s the KSM page %#llx got %#llx",
					 i, written ? "a PFN other than" : "still",
					 (unsigned long long)m, (unsigned long long)PM_PFN(pm[i]));
			if (PM_PFN(tm[i]) != m)
				sod_fail("after the WRITE: twin page %zu: expected still the KSM page %#llx got %#llx",
					 i, (unsigned long long)m, (unsigned long long)PM_PFN(tm[i]));
		}
	}
	snprintf(msg, sizeof(msg),
		 "%zu identical pages merged by KSM (%s; pages_sharing %ld, full_scans +%ld): READ sees them, a WRITE breaks the sharing and lands only in the registered region, the twin keeps its data",
		 2 * np, pfns ? "one PFN in pagemap" : "PFNs not readable", sharing,
		 full - full0);
	return msg;
}

/* ------------------------------------------------------------ main */

enum {
	F_ODP = 1,	/* needs ODP (SKIP without it, unless --pinned) */
	F_NOPIN = 2,	/* means nothing for pinned memory: SKIP under --pinned */
};

static const struct subtest {
	const char *name;
	const char *(*fn)(void);
	int flags;
} tests[] = {
	{ "caps", t_caps, F_NOPIN },
	{ "reg_nolock", t_reg_nolock, F_ODP | F_NOPIN },
	{ "reg_huge", t_reg_huge, F_ODP | F_NOPIN },
	{ "ops", t_ops, F_ODP },
	{ "ud", t_ud, F_ODP },
	{ "remap", t_remap, F_ODP | F_NOPIN },
	{ "dontneed", t_dontneed, F_ODP | F_NOPIN },
	{ "fork_cow", t_fork_cow, F_ODP | F_NOPIN },
	{ "mprotect", t_mprotect, F_ODP | F_NOPIN },
	{ "mremap", t_mremap, F_ODP | F_NOPIN },
	{ "readonly", t_readonly, F_ODP },
	{ "unmapped", t_unmapped, F_ODP | F_NOPIN },
	{ "thp_split", t_thp_split, F_ODP | F_NOPIN },
	{ "hugetlb", t_hugetlb, F_ODP | F_NOPIN },
	{ "memfd_shared", t_memfd_shared, F_ODP | F_NOPIN },
	{ "ext4_file", t_ext4_file, F_ODP | F_NOPIN },
	{ "swap", t_swap, F_ODP | F_NOPIN },
	{ "madv_free", t_madv_free, F_ODP | F_NOPIN },
	{ "madv_free_write", t_madv_free_write, F_ODP | F_NOPIN },
	{ "migrate", t_migrate, F_ODP | F_NOPIN },
	{ "ksm", t_ksm, F_ODP | F_NOPIN },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static bool selected[NTESTS];

static void parse_tests(const char *s)
{
	sod_opt_select(usage, "test", "sub-test", s, &tests[0].name,
		       sizeof(tests[0]), NTESTS, selected);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "gid-index", required_argument, NULL, 'g' },
		{ "test", required_argument, NULL, 'T' },
		{ "list", no_argument, NULL, 'l' },
		{ "pinned", no_argument, NULL, 'P' },
		{ "require-odp", no_argument, NULL, 'R' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "qp-timeout", required_argument, NULL, 'q' },
		{ "ext4-dir", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	for (size_t i = 0; i < NTESTS; i++)
		selected[i] = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dev_name = optarg; break;
		case 'g':
			sod_opt_long(usage, "gid-index", optarg, 0, 255, &v);
			gid_index = (int)v;
			break;
		case 'T': parse_tests(optarg); break;
		case 'P': opt_pinned = true; break;
		case 'R': opt_require_odp = true; break;
		case 't': sod_opt_long(usage, "timeout-ms", optarg, 1, 3600000, &timeout_ms); break;
		case 'q':
			if (!sod_parse_long(optarg, 1, 31, &qp_timeout))
				sod_usage_error(usage, "invalid --qp-timeout '%s' (1..31)",
						optarg);
			break;
		case 'E': ext4_dir = optarg; break;
		default:
			sod_opt_subtests(c, usage, argv, &tests[0].name,
					 sizeof(tests[0]), NTESTS);
		}
	}
	sod_opt_done(usage, argc, argv, dev_name);
	if (opt_pinned && opt_require_odp)
		sod_usage_error(usage, "--pinned and --require-odp exclude each other");
}

/* Read the ODP capabilities once, for the SKIP decisions. */
static void probe_odp(void)
{
	struct ibv_device_attr_ex ax;

	memset(&ax, 0, sizeof(ax));
	if (ibv_query_device_ex(ctx, NULL, &ax) == 0)
		has_odp = ax.odp_caps.general_caps & IBV_ODP_SUPPORT;
}

int main(int argc, char **argv)
{
	struct ibv_port_attr pa;
	char gs[INET6_ADDRSTRLEN];
	int ec = SOD_EXIT_FAIL;
	long t0 = sod_now_ms();

	sod_init(argv[0]);
	sod_set_fail_handler(on_fail);
	parse_args(argc, argv);
	ctx = sod_open_port(dev_name, IB_PORT, &gid_index, &my_gid, &pa, &ec);
	if (!ctx)
		return ec;
	port_mtu_bytes = sod_mtu_to_bytes(pa.active_mtu);
	path_mtu = pa.active_mtu < IBV_MTU_1024 ? pa.active_mtu : IBV_MTU_1024;
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		sod_err("ibv_alloc_pd: %s", strerror(errno));
		return SOD_EXIT_FAIL;
	}
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	probe_odp();
	inet_ntop(AF_INET6, my_gid.raw, gs, sizeof(gs));
	sod_info("device %s gid[%d] %s port MTU %d, ODP %s%s", dev_name, gid_index,
		 gs, port_mtu_bytes, has_odp ? "advertised" : "not advertised",
		 opt_pinned ? ", --pinned: every MR is pinned" : "");

	for (size_t i = 0; i < NTESTS; i++) {
		/* volatile: read after longjmp */
		volatile long start = sod_now_ms();
		const char *volatile what = NULL;
		int r;
		bool ok;

		if (!selected[i])
			continue;
		cur_test = tests[i].name;
		if (opt_pinned && (tests[i].flags & F_NOPIN)) {
			printf("%s: SKIP %s: --pinned: this sub-test needs ODP semantics\n",
			       sod_prog, cur_test);
			n_skip++;
			continue;
		}
		if (!opt_pinned && (tests[i].flags & F_ODP) && !has_odp) {
			printf("%s: SKIP %s: device has no ODP\n", sod_prog, cur_test);
			n_skip++;
			continue;
		}
		r = setjmp(fail_jmp);
		if (r == 0)
			what = tests[i].fn();
		ok = r == 0 && what != NULL;
		/* A failed cleanup prints its own FAIL line. */
		if (!cleanup()) {
			n_fail++;
		} else if (r == 2) {
			n_skip++;
		} else if (ok) {
			printf("%s: PASS %s: %s (%ld ms)\n", sod_prog, cur_test, what,
			       sod_now_ms() - start);
			n_pass++;
		} else {
			n_fail++;
		}
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	printf("%s: %d passed, %d failed, %d skipped in %ld ms\n", sod_prog, n_pass,
	       n_fail, n_skip, sod_now_ms() - t0);
	return n_fail ? SOD_EXIT_FAIL : SOD_EXIT_OK;
}
