// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_failnth: make every kernel allocation of one operation fail in turn.
 *
 *   sod_failnth --op newlink --ndev ETH [--max N]
 *   sod_failnth --op ucontext|pd --dev NAME [--max N]
 *
 * Uses the kernel's per-task fault injection (/proc/thread-self/fail-nth,
 * CONFIG_FAULT_INJECTION with failslab/fail_page_alloc armed for sleeping
 * allocations): writing N makes the N-th fault-injectable call of this
 * thread fail.  For N = 1, 2, ... the operation runs once with the N-th
 * allocation failing, until a run completes without the fault being
 * reached: then every allocation of the path has been failed once.
 *
 * Each failed run must report an errno (no success with a half-made object,
 * no hang), must leave nothing behind (the caller checks with kmemleak and
 * by unloading the module), and the device must work normally afterwards,
 * which is checked after every run.
 *
 * Exit: 0 all runs behaved, 1 a check failed, 2 usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "sod_common.h"

static const char usage[] =
	"--op newlink|ucontext|pd [--dev NAME] [--ndev ETH] [--max N]\n";

static int failnth_fd = -1;
/* Whether the fault armed for the last run was actually injected. */
static bool failnth_last_injected;

/* Arm the fault injection: the n-th injectable call of this thread fails. */
static void failnth_arm(long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", n);

	if (pwrite(failnth_fd, buf, (size_t)len, 0) != len) {
		fprintf(stderr, "sod_failnth: writing fail-nth: %s\n",
			strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
}

/*
 * Disarm; remember whether the armed fault was injected (reading fail-nth
 * gives 0 once it was, the remaining count otherwise).
 */
static void failnth_disarm(void)
{
	char buf[32] = "";
	ssize_t r = pread(failnth_fd, buf, sizeof(buf) - 1, 0);

	failnth_last_injected = r > 0 && atol(buf) == 0;
	if (pwrite(failnth_fd, "0", 1, 0) != 1) {
		fprintf(stderr, "sod_failnth: resetting fail-nth: %s\n",
			strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
}

/* ------------------------------------------------------------ netlink */

struct nl_req {
	struct nlmsghdr hdr;
	char attrs[256];
};

static void nl_put_str(struct nl_req *req, unsigned short type, const char *s)
{
	struct nlattr *a = (struct nlattr *)((char *)req +
					      NLMSG_ALIGN(req->hdr.nlmsg_len));
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, s, len);
	req->hdr.nlmsg_len = NLMSG_ALIGN(req->hdr.nlmsg_len) +
			     NLA_ALIGN(a->nla_len);
}

/*
 * Send one RDMA_NLDEV command and return 0 or the negative errno from the
 * kernel's ack.  The socket is created before fault injection is armed by
 * the caller, so only the command itself can fail.
 */
static int nl_rdma_cmd(int sk, int cmd, const char *name, const char *type,
		       const char *ndev)
{
	static unsigned int seq;
	struct nl_req req;
	char ack[1024];
	struct nlmsghdr *h = (struct nlmsghdr *)ack;
	ssize_t r;

	memset(&req, 0, sizeof(req));
	req.hdr.nlmsg_len = NLMSG_LENGTH(0);
	req.hdr.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd);
	req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.hdr.nlmsg_seq = ++seq;
	nl_put_str(&req, RDMA_NLDEV_ATTR_DEV_NAME, name);
	if (type)
		nl_put_str(&req, RDMA_NLDEV_ATTR_LINK_TYPE, type);
	if (ndev)
		nl_put_str(&req, RDMA_NLDEV_ATTR_NDEV_NAME, ndev);

	if (send(sk, &req, req.hdr.nlmsg_len, 0) < 0)
		return -errno;
	r = recv(sk, ack, sizeof(ack), 0);
	if (r < 0)
		return -errno;
	if (!NLMSG_OK(h, (unsigned int)r) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/*
 * Deleting needs the device index (RDMA_NLDEV_ATTR_DEV_INDEX); the rdma
 * tool looks it up.  Runs without fault injection armed.
 */
static bool link_delete(void)
{
	return system("rdma link delete sodfail0") == 0 &&
	       access("/sys/class/infiniband/sodfail0", F_OK) != 0;
}

static int nl_open(void)
{
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);

	if (sk < 0) {
		fprintf(stderr, "sod_failnth: netlink socket: %s\n",
			strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
	return sk;
}

/* ------------------------------------------------------------ operations */

struct op_ctx {
	const char *dev;
	const char *ndev;
	int nl;
	struct ibv_context *ctx;	/* for "pd": opened before injection */
};

/*
 * Each op runs once with injection armed and returns 0 on success (having
 * undone itself, without injection) or a positive errno.
 */
static int op_newlink(struct op_ctx *o, long n)
{
	int err;

	failnth_arm(n);
	err = nl_rdma_cmd(o->nl, RDMA_NLDEV_CMD_NEWLINK, "sodfail0", "softodp",
			  o->ndev);
	failnth_disarm();
	/*
	 * The fault may hit only the netlink ack after the device was made:
	 * then the call reports an error but the device exists, and must
	 * work (device_works() checks) and be deletable.
	 */
	if (err && access("/sys/class/infiniband/sodfail0", F_OK))
		return -err;
	if (!link_delete()) {
		fprintf(stderr, "run %ld: deleting the device failed\n", n);
		exit(1);
	}
	return 0;
}

static struct ibv_device *find_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_device *found = NULL;

	for (int i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			found = list[i];
	/* The list entries stay valid: libibverbs keeps devices cached. */
	ibv_free_device_list(list);
	return found;
}

static int op_ucontext(struct op_ctx *o, long n)
{
	struct ibv_device *d = find_dev(o->dev);
	struct ibv_context *ctx;
	int err;

	if (!d) {
		fprintf(stderr, "sod_failnth: no device %s\n", o->dev);
		exit(SOD_EXIT_USAGE);
	}
	failnth_arm(n);
	ctx = ibv_open_device(d);
	err = ctx ? 0 : errno;
	failnth_disarm();
	if (ctx)
		ibv_close_device(ctx);
	return err ? err : 0;
}

static int op_pd(struct op_ctx *o, long n)
{
	struct ibv_pd *pd;
	int err;

	failnth_arm(n);
	pd = ibv_alloc_pd(o->ctx);
	err = pd ? 0 : errno;
	failnth_disarm();
	if (pd && ibv_dealloc_pd(pd)) {
		fprintf(stderr, "run %ld: dealloc_pd failed\n", n);
		exit(1);
	}
	return err;
}

/* After every run, the device must work normally again. */
static bool device_works(struct op_ctx *o)
{
	if (o->ndev) {
		int err = nl_rdma_cmd(o->nl, RDMA_NLDEV_CMD_NEWLINK, "sodfail0",
				      "softodp", o->ndev);

		if (err) {
			fprintf(stderr, "newlink without injection: %s\n",
				strerror(-err));
			return false;
		}
		return link_delete();
	} else {
		struct ibv_context *ctx = ibv_open_device(find_dev(o->dev));
		struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
		bool ok = pd && !ibv_dealloc_pd(pd);

		if (ctx)
			ibv_close_device(ctx);
		return ok;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "dev", required_argument, NULL, 'd' },
		{ "ndev", required_argument, NULL, 'n' },
		{ "max", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct op_ctx o = { .dev = "", .nl = -1 };
	int (*op)(struct op_ctx *, long) = NULL;
	long max = 2000, n, failed = 0;
	int c;

	sod_prog = "sod_failnth";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "newlink"))
				op = op_newlink;
			else if (!strcmp(optarg, "ucontext"))
				op = op_ucontext;
			else if (!strcmp(optarg, "pd"))
				op = op_pd;
			else
				sod_usage_error(usage, "unknown --op '%s'", optarg);
			break;
		case 'd':
			o.dev = optarg;
			break;
		case 'n':
			o.ndev = optarg;
			break;
		case 'm':
			if (!sod_parse_long(optarg, 1, 1000000, &max))
				sod_usage_error(usage, "invalid --max '%s'", optarg);
			break;
		default:
			sod_usage_error(usage, "unknown option");
		}
	}
	if (!op || (op == op_newlink) != !!o.ndev ||
	    (op != op_newlink && !*o.dev))
		sod_usage_error(usage, "--op newlink needs --ndev, others --dev");

	failnth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (failnth_fd < 0) {
		fprintf(stderr, "sod_failnth: /proc/thread-self/fail-nth: %s "
			"(kernel without CONFIG_FAULT_INJECTION?)\n",
			strerror(errno));
		return SOD_EXIT_USAGE;
	}
	o.nl = nl_open();
	if (op == op_pd) {
		struct ibv_device *d = find_dev(o.dev);

		o.ctx = d ? ibv_open_device(d) : NULL;
		if (!o.ctx) {
			fprintf(stderr, "sod_failnth: cannot open %s\n", o.dev);
			return SOD_EXIT_USAGE;
		}
	}

	for (n = 1; n <= max; n++) {
		int err = op(&o, n);

		/*
		 * A run that failed must fail with an allocation-type errno.
		 * A run that succeeded although the fault was injected had a
		 * fallback; one that succeeded without reaching the n-th
		 * point means that every point has now been covered.
		 */
		if (err) {
			failed++;
			/*
			 * Errnos the kernel gives for a failed allocation.
			 * ibv_open_device() reports libibverbs' own errno
			 * (e.g. ENOENT when opening the char device failed),
			 * so only the outcome counts there.
			 */
			if (op != op_ucontext && err != ENOMEM && err != ENOBUFS && err != ENFILE &&
			    err != EMFILE && err != EAGAIN && err != EINTR &&
			    err != EFAULT) {
				fprintf(stderr, "run %ld: unexpected errno %d (%s)\n",
					n, err, strerror(err));
				return 1;
			}
		}
		printf("run %ld: %s%s\n", n, err ? strerror(err) : "ok",
		       failnth_last_injected ? "" : " (fault point not reached)");
		fflush(stdout);
		if (!device_works(&o)) {
			fprintf(stderr, "run %ld: device broken after the run\n", n);
			return 1;
		}
		if (!err && !failnth_last_injected)
			break;
	}
	if (n > max) {
		fprintf(stderr, "sod_failnth: still reaching new fault points after %ld runs\n",
			max);
		return 1;
	}
	printf("sod_failnth: %ld fault points, %ld runs failed cleanly, %ld absorbed\n",
	       n - 1, failed, n - 1 - failed);
	if (o.ctx)
		ibv_close_device(o.ctx);
	close(o.nl);
	return 0;
}
