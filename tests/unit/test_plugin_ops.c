// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the plugin registers, and how its device-level ops behave against
 * the real libibverbs, without an RDMA device.
 *
 * This executable defines verbs_register_driver_34 itself (exported at
 * version IBVERBS_PRIVATE_34, see test_plugin_ops.map), so when the plugin's
 * constructor runs during dlopen() the call lands here and the test gets
 * the plugin's struct verbs_device_ops.  It also stands in for
 * ibv_cmd_get_context (which can be told to succeed without a kernel) and
 * verbs_set_ops (which records the context ops table), both forwarding to
 * the real libibverbs otherwise.  Every other private function the plugin
 * calls resolves to the real libibverbs the plugin pulls in.
 *
 * usage: test_plugin_ops PATH/libsoftodp-rdmav34.so SCRATCH_DIR
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rdma/softodp-abi.h>

#include "ibverbs-private.h"
#include "sod_test.h"

static const struct verbs_device_ops *registered_ops;
static unsigned int registered_count;

/* Interposes libibverbs' function of the same name and version. */
void verbs_register_driver_34(const struct verbs_device_ops *ops)
{
	registered_ops = ops;
	registered_count++;
}

/* The real libibverbs function of that name (loaded by the plugin). */
static void *real_fn(const char *name)
{
	void *lib = dlopen("libibverbs.so.1", RTLD_NOW | RTLD_NOLOAD);
	void *fn = lib ? dlvsym(lib, name, "IBVERBS_PRIVATE_34") : NULL;

	if (!fn) {
		fprintf(stderr, "no real %s: %s\n", name, dlerror());
		abort();
	}
	return fn;
}

/* When set, GET_CONTEXT "succeeds" with an all-zero response. */
static bool fake_get_context;

int ibv_cmd_get_context(struct verbs_context *context,
			struct ibv_get_context *cmd, size_t cmd_size,
			struct ib_uverbs_get_context_resp *resp,
			size_t resp_size)
{
	int (*real)(struct verbs_context *, struct ibv_get_context *, size_t,
		    struct ib_uverbs_get_context_resp *, size_t);

	if (fake_get_context) {
		memset(resp, 0, resp_size);
		return 0;
	}
	*(void **)&real = real_fn("ibv_cmd_get_context");
	return real(context, cmd, cmd_size, resp, resp_size);
}

static const struct verbs_context_ops *set_ops;

void verbs_set_ops(struct verbs_context *vctx,
		   const struct verbs_context_ops *ops)
{
	void (*real)(struct verbs_context *, const struct verbs_context_ops *);

	set_ops = ops;
	*(void **)&real = real_fn("verbs_set_ops");
	real(vctx, ops);
}

/* Scratch directory standing in for /sys/class/infiniband/<dev>. */
static char scratch[IBV_SYSFS_PATH_MAX];

static void write_hca_type(const char *content)
{
	char path[IBV_SYSFS_PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/hca_type", scratch);
	unlink(path);
	if (!content)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
	close(fd);
}

static bool match_with(const struct verbs_device_ops *ops,
		       struct verbs_sysfs_dev *sysfs, const char *content)
{
	write_hca_type(content);
	return ops->match_device(sysfs);
}

static void check_match_device(const struct verbs_device_ops *ops,
			       struct verbs_sysfs_dev *sysfs)
{
	/* The kernel's show() ends the attribute with a newline. */
	CHECK(match_with(ops, sysfs, SOFTODP_HCA_TYPE "\n"));
	CHECK(match_with(ops, sysfs, SOFTODP_HCA_TYPE));
	CHECK(!match_with(ops, sysfs, "MT4119\n"));
	CHECK(!match_with(ops, sysfs, SOFTODP_HCA_TYPE "2\n"));
	CHECK(!match_with(ops, sysfs, "\n"));
	CHECK(!match_with(ops, sysfs, ""));
	/* Most devices have no hca_type at all. */
	CHECK(!match_with(ops, sysfs, NULL));
	/* Longer than the provider's read buffer: refused, not truncated. */
	CHECK(!match_with(ops, sysfs,
			  SOFTODP_HCA_TYPE
			  "-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"));
}

/*
 * alloc_context on an fd that is not a uverbs device: the GET_CONTEXT
 * command fails, and the provider must undo everything
 * _verbs_init_and_alloc_context() did: drop its device reference and close
 * the cmd_fd it was given ownership of.
 */
static void check_alloc_context_failure(const struct verbs_device_ops *ops,
					struct verbs_device *vdev)
{
	struct verbs_context *vctx;
	int fds[2];

	CHECK(pipe2(fds, O_CLOEXEC) == 0);
	errno = 0;
	/* The read end: ioctl() gives ENOTTY, write() gives EBADF. */
	vctx = ops->alloc_context(&vdev->device, fds[0], NULL);
	CHECK(vctx == NULL);
	CHECK(errno != 0);
	printf("alloc_context on a pipe failed with errno %d (%s)\n", errno,
	       strerror(errno));
	CHECK(fcntl(fds[0], F_GETFD) == -1 && errno == EBADF);
	CHECK(atomic_load(&vdev->refcount) == 1);
	close(fds[1]);
}

/* The context ops the provider must set; every other slot stays NULL. */
#define OP(name) { #name, offsetof(struct verbs_context_ops, name) }
static const struct {
	const char *name;
	size_t off;
} expected_ops[] = {
	OP(advise_mr),	   OP(alloc_pd),      OP(create_ah),
	OP(create_cq),	   OP(create_cq_ex),  OP(create_qp),
	OP(create_qp_ex),  OP(create_srq),    OP(create_srq_ex),
	OP(dealloc_pd),	   OP(dereg_mr),      OP(destroy_ah),
	OP(destroy_cq),	   OP(destroy_qp),    OP(destroy_srq),
	OP(free_context),  OP(modify_qp),     OP(modify_srq),
	OP(poll_cq),	   OP(post_recv),     OP(post_send),
	OP(post_srq_recv), OP(query_device_ex), OP(query_port),
	OP(query_qp),	   OP(query_srq),     OP(reg_mr),
	OP(req_notify_cq), OP(rereg_mr),      OP(resize_cq),
};
#undef OP

static void check_ops_table(const struct verbs_context_ops *ops)
{
	enum { NSLOTS = sizeof(*ops) / sizeof(void (*)(void)) };
	void (*slots[NSLOTS])(void);
	bool want[NSLOTS];
	void (*advise)(void);

	static_assert(sizeof(*ops) % sizeof(void (*)(void)) == 0, "slots");
	memcpy(slots, ops, sizeof(slots));
	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < sizeof(expected_ops) / sizeof(expected_ops[0]); i++)
		want[expected_ops[i].off / sizeof(void (*)(void))] = true;

	for (size_t i = 0; i < NSLOTS; i++) {
		if (want[i] != (slots[i] != NULL))
			fprintf(stderr, "ops slot %zu: %s but %s\n", i,
				want[i] ? "expected" : "not expected",
				slots[i] ? "set" : "NULL");
		CHECK(want[i] == (slots[i] != NULL));
	}

	/* advise_mr is libibverbs' own command. */
	*(void **)&advise = real_fn("ibv_cmd_advise_mr");
	CHECK(ops->advise_mr != NULL &&
	      (void (*)(void))ops->advise_mr == advise);
}

/* Requests the provider refuses before any command reaches the kernel. */
static void check_early_rejects(const struct verbs_context_ops *ops,
				struct ibv_context *ctx)
{
	struct ibv_pd pd = { .context = ctx };
	struct ibv_cq_init_attr_ex cq_attr;
	struct ibv_qp_init_attr_ex qp_attr;
	struct ibv_srq_init_attr_ex srq_attr;
	struct ibv_srq_attr srq_mod;
	struct ibv_qp_init_attr qp_basic;
	struct ibv_srq srq = { .context = ctx };

	memset(&cq_attr, 0, sizeof(cq_attr));
	cq_attr.cqe = 16;
	cq_attr.wc_flags = IBV_WC_EX_WITH_COMPLETION_TIMESTAMP;
	errno = 0;
	CHECK(ops->create_cq_ex(ctx, &cq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);
	cq_attr.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_CVLAN;
	errno = 0;
	CHECK(ops->create_cq_ex(ctx, &cq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);
	cq_attr.wc_flags = IBV_WC_STANDARD_FLAGS;
	cq_attr.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	cq_attr.flags = IBV_CREATE_CQ_ATTR_IGNORE_OVERRUN;
	errno = 0;
	CHECK(ops->create_cq_ex(ctx, &cq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);
	cq_attr.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
	errno = 0;
	CHECK(ops->create_cq_ex(ctx, &cq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);

	memset(&qp_attr, 0, sizeof(qp_attr));
	qp_attr.qp_type = IBV_QPT_RC;
	qp_attr.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	qp_attr.pd = &pd;
	qp_attr.send_ops_flags = IBV_QP_EX_WITH_SEND;
	errno = 0;
	CHECK(ops->create_qp_ex(ctx, &qp_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);
	qp_attr.comp_mask = IBV_QP_INIT_ATTR_PD;
	for (int t = IBV_QPT_UC; t <= IBV_QPT_DRIVER; t++) {
		if (t == IBV_QPT_UD)
			continue;
		qp_attr.qp_type = (enum ibv_qp_type)t;
		errno = 0;
		CHECK(ops->create_qp_ex(ctx, &qp_attr) == NULL);
		CHECK_EQ_U64(errno, EOPNOTSUPP);
	}
	qp_attr.qp_type = IBV_QPT_UD;
	qp_attr.comp_mask = 0;
	errno = 0;
	CHECK(ops->create_qp_ex(ctx, &qp_attr) == NULL);
	CHECK_EQ_U64(errno, EINVAL);

	memset(&qp_basic, 0, sizeof(qp_basic));
	qp_basic.qp_type = IBV_QPT_UC;
	errno = 0;
	CHECK(ops->create_qp(&pd, &qp_basic) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);

	memset(&srq_attr, 0, sizeof(srq_attr));
	srq_attr.comp_mask = IBV_SRQ_INIT_ATTR_PD | IBV_SRQ_INIT_ATTR_TYPE;
	srq_attr.pd = &pd;
	srq_attr.srq_type = IBV_SRQT_XRC;
	errno = 0;
	CHECK(ops->create_srq_ex(ctx, &srq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);
	srq_attr.srq_type = IBV_SRQT_BASIC;
	srq_attr.comp_mask |= IBV_SRQ_INIT_ATTR_CQ;
	errno = 0;
	CHECK(ops->create_srq_ex(ctx, &srq_attr) == NULL);
	CHECK_EQ_U64(errno, EOPNOTSUPP);

	memset(&srq_mod, 0, sizeof(srq_mod));
	srq_mod.max_wr = 100;
	CHECK_EQ_U64(ops->modify_srq(&srq, &srq_mod, IBV_SRQ_MAX_WR), EOPNOTSUPP);
}

/*
 * alloc_context with GET_CONTEXT faked to succeed: the provider installs
 * its ops table; check it, try the early rejections, and free the context.
 */
static void check_context_ops(const struct verbs_device_ops *ops,
			      struct verbs_device *vdev)
{
	struct verbs_context *vctx;
	int fds[2];

	CHECK(pipe2(fds, O_CLOEXEC) == 0);
	set_ops = NULL;
	fake_get_context = true;
	vctx = ops->alloc_context(&vdev->device, fds[0], NULL);
	fake_get_context = false;
	CHECK(vctx != NULL);
	CHECK(set_ops != NULL);
	if (vctx && set_ops) {
		check_ops_table(set_ops);
		check_early_rejects(set_ops, &vctx->context);
		set_ops->free_context(&vctx->context);
	}
	CHECK(atomic_load(&vdev->refcount) == 1);
	close(fds[1]);
}

int main(int argc, char **argv)
{
	const struct verbs_device_ops *ops;
	struct verbs_sysfs_dev sysfs;
	struct verbs_device *vdev;
	void *handle;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PLUGIN.so SCRATCH_DIR\n", argv[0]);
		return 2;
	}

	handle = dlopen(argv[1], RTLD_NOW);
	if (!handle)
		fprintf(stderr, "dlopen(%s): %s\n", argv[1], dlerror());
	CHECK(handle != NULL);
	CHECK_EQ_U64(registered_count, 1);
	ops = registered_ops;
	CHECK(ops != NULL);
	if (!ops)
		return sod_test_done("test_plugin_ops");

	/* The registration itself. */
	CHECK_STREQ(ops->name, "softodp");
	CHECK_EQ_U64(ops->match_min_abi_version, SOFTODP_ABI_VERSION);
	CHECK_EQ_U64(ops->match_max_abi_version, SOFTODP_ABI_VERSION);
	CHECK(ops->match_table != NULL);
	if (ops->match_table)
		CHECK_EQ_U64(ops->match_table[0].kind, VERBS_MATCH_SENTINEL);
	CHECK(ops->static_providers == NULL);
	CHECK(ops->match_device != NULL);
	CHECK(ops->alloc_device != NULL);
	CHECK(ops->uninit_device != NULL);
	CHECK(ops->alloc_context != NULL);
	CHECK(ops->import_context == NULL);
	if (!ops->match_device || !ops->alloc_device || !ops->uninit_device ||
	    !ops->alloc_context)
		return sod_test_done("test_plugin_ops");

	/* A fake discovered device whose sysfs directory is our scratch dir. */
	if (strlen(argv[2]) + sizeof("/plugin_ops.XXXXXX") > sizeof(scratch)) {
		fprintf(stderr, "scratch dir path too long: %s\n", argv[2]);
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "%s/plugin_ops.XXXXXX", argv[2]);
	if (!mkdtemp(scratch)) {
		fprintf(stderr, "mkdtemp(%s): %s\n", scratch, strerror(errno));
		return 2;
	}
	memset(&sysfs, 0, sizeof(sysfs));
	snprintf(sysfs.ibdev_name, sizeof(sysfs.ibdev_name), "softodp0");
	snprintf(sysfs.sysfs_name, sizeof(sysfs.sysfs_name), "uverbs0");
	static_assert(sizeof(sysfs.ibdev_path) == sizeof(scratch), "sizes");
	memcpy(sysfs.ibdev_path, scratch, sizeof(scratch));
	sysfs.abi_ver = SOFTODP_ABI_VERSION;

	check_match_device(ops, &sysfs);

	/* What libibverbs' try_driver() does after a match. */
	vdev = ops->alloc_device(&sysfs);
	CHECK(vdev != NULL);
	if (vdev) {
		vdev->ops = ops;
		atomic_init(&vdev->refcount, 1);
		vdev->sysfs = &sysfs;
		check_alloc_context_failure(ops, vdev);
		check_context_ops(ops, vdev);
		ops->uninit_device(vdev);
	}

	write_hca_type(NULL);
	CHECK(rmdir(scratch) == 0);
	return sod_test_done("test_plugin_ops");
}
