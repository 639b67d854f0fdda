// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the plugin registers, and how its device-level ops behave against
 * the real libibverbs, without an RDMA device.
 *
 * This executable defines verbs_register_driver_34 itself (exported at
 * version IBVERBS_PRIVATE_34, see test_plugin_ops.map), so when the plugin's
 * constructor runs during dlopen() the call lands here and the test gets
 * the plugin's struct verbs_device_ops.  Every other private function the
 * plugin calls still resolves to the real libibverbs the plugin pulls in.
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
		ops->uninit_device(vdev);
	}

	write_hca_type(NULL);
	CHECK(rmdir(scratch) == 0);
	return sod_test_done("test_plugin_ops");
}
