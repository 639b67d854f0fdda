// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Command-line contract of the VM test programs (tests/progs), checked on
 * the host: usage errors and a missing device exit with status 2 and say
 * why on stderr; --help exits 0.  No RDMA device is needed: the device name
 * used here never exists.
 *
 * usage: test_progs_cli PROGS_DIR
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sod_test.h"

#define NODEV "sod_no_such_device_0"

static const char *progs_dir;

struct result {
	int status;		/* exit status, or -1 if it did not exit */
	char out[8192];		/* stdout and stderr, interleaved */
};

static void run(struct result *r, const char *prog, const char *const *args)
{
	char path[4096];
	char *argv[32];
	int fds[2];
	size_t n = 0, used = 0;
	ssize_t got;
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/%s", progs_dir, prog);
	argv[n++] = path;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	r->status = -1;
	r->out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0) {
		CHECK(!"pipe2");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv(path, argv);
		_exit(126);
	}
	close(fds[1]);
	while (used < sizeof(r->out) - 1 &&
	       (got = read(fds[0], r->out + used, sizeof(r->out) - 1 - used)) > 0)
		used += (size_t)got;
	r->out[used] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		CHECK(!"fork/waitpid");
		return;
	}
	if (WIFEXITED(status))
		r->status = WEXITSTATUS(status);
}

/* Run; require the exit status and that the output contains needle. */
#define EXPECT(prog, want_status, needle, ...)                                  \
	do {                                                                    \
		static const char *const args_[] = { __VA_ARGS__, NULL };       \
		struct result r_;                                               \
		run(&r_, prog, args_);                                          \
		if (r_.status != (want_status) || !strstr(r_.out, needle)) {    \
			fprintf(stderr,                                         \
				"--- %s (want exit %d and \"%s\") gave exit %d:\n%s---\n", \
				prog, want_status, needle, r_.status, r_.out);  \
		}                                                               \
		CHECK_EQ_U64(r_.status, want_status);                           \
		CHECK(strstr(r_.out, needle) != NULL);                          \
	} while (0)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PROGS_DIR\n", argv[0]);
		return 2;
	}
	progs_dir = argv[1];

	/* sod_devcheck */
	EXPECT("sod_devcheck", 0, "Usage:", "--help");
	EXPECT("sod_devcheck", 2, "--dev is required", "--mtu", "1024");
	EXPECT("sod_devcheck", 2, "invalid --mtu", "--dev", NODEV, "--mtu", "1000");
	EXPECT("sod_devcheck", 2, "invalid --mtu", "--dev", NODEV, "--mtu", "1k");
	EXPECT("sod_devcheck", 2, "invalid --gid-ip", "--dev", NODEV,
	       "--gid-ip", "10.0.0.256");
	EXPECT("sod_devcheck", 2, "invalid --state", "--dev", NODEV,
	       "--state", "up");
	EXPECT("sod_devcheck", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--bogus");
	EXPECT("sod_devcheck", 2, "unknown or incomplete option", "--dev");
	EXPECT("sod_devcheck", 2, "unexpected argument", "--dev", NODEV, "extra");
	EXPECT("sod_devcheck", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--mtu", "1024", "--gid-ip", "10.0.0.1", "--state", "active");

	/* sod_pd_loop */
	EXPECT("sod_pd_loop", 0, "Usage:", "--help");
	EXPECT("sod_pd_loop", 2, "--iters is required", "--dev", NODEV);
	EXPECT("sod_pd_loop", 2, "invalid --iters", "--dev", NODEV, "--iters", "-1");
	EXPECT("sod_pd_loop", 2, "invalid --iters", "--dev", NODEV, "--iters", "x");
	EXPECT("sod_pd_loop", 2, "invalid --contexts", "--dev", NODEV,
	       "--iters", "1", "--contexts", "0");
	EXPECT("sod_pd_loop", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--iters", "10", "--contexts", "2");

	/* sod_async_wait */
	EXPECT("sod_async_wait", 0, "Usage:", "--help");
	EXPECT("sod_async_wait", 2, "invalid --event", "--dev", NODEV, "--event",
	       "link_down", "--timeout-ms", "10", "--", "true");
	EXPECT("sod_async_wait", 2, "--timeout-ms is required", "--dev", NODEV,
	       "--event", "port_err", "--", "true");
	EXPECT("sod_async_wait", 2, "no command given", "--dev", NODEV, "--event",
	       "port_err", "--timeout-ms", "10", "--");
	EXPECT("sod_async_wait", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--event", "port_active", "--timeout-ms", "10", "--", "true");

	/* sod_fuzz */
	EXPECT("sod_fuzz", 0, "Usage:", "--help");
	EXPECT("sod_fuzz", 2, "exactly one of --target and --sender", "--port", "100");
	EXPECT("sod_fuzz", 2, "exactly one of --target and --sender", "--target",
	       "--sender", "127.0.0.1", "--dev", NODEV);
	EXPECT("sod_fuzz", 2, "--dev is required", "--target");
	EXPECT("sod_fuzz", 2, "invalid --packets", "--sender", "127.0.0.1",
	       "--packets", "0");
	EXPECT("sod_fuzz", 2, "invalid --mtu", "--target", "--dev", NODEV,
	       "--mtu", "1000");
	EXPECT("sod_fuzz", 2, "not an IPv4 address", "--sender", "nohost");
	EXPECT("sod_fuzz", 2, "device '" NODEV "' not found", "--target", "--dev",
	       NODEV);

	/* sod_traffic */
	EXPECT("sod_traffic", 0, "Usage:", "--help");
	EXPECT("sod_traffic", 2, "--dev is required", "--server");
	EXPECT("sod_traffic", 2, "exactly one of --server and --client", "--dev", NODEV);
	EXPECT("sod_traffic", 2, "exactly one of --server and --client", "--dev", NODEV,
	       "--server", "--client", "127.0.0.1");
	EXPECT("sod_traffic", 2, "invalid --mtu", "--dev", NODEV, "--server",
	       "--mtu", "1000");
	EXPECT("sod_traffic", 2, "unknown op 'bogus'", "--dev", NODEV, "--server",
	       "--ops", "send,bogus");
	EXPECT("sod_traffic", 2, "invalid --sizes", "--dev", NODEV, "--server",
	       "--sizes", "1,x");
	EXPECT("sod_traffic", 2, "invalid --sizes", "--dev", NODEV, "--server",
	       "--sizes", "-1");
	EXPECT("sod_traffic", 2, "invalid --iters", "--dev", NODEV, "--server",
	       "--iters", "0");
	EXPECT("sod_traffic", 2, "invalid --port", "--dev", NODEV, "--server",
	       "--port", "70000");
	EXPECT("sod_traffic", 2, "invalid --gid-index", "--dev", NODEV, "--server",
	       "--gid-index", "256");
	EXPECT("sod_traffic", 2, "invalid --rd-atomic", "--dev", NODEV, "--server",
	       "--rd-atomic", "0");
	EXPECT("sod_traffic", 2, "invalid --burst", "--dev", NODEV, "--server",
	       "--burst", "61");
	EXPECT("sod_traffic", 0, "rd_burst", "--help");
	EXPECT("sod_traffic", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--client", "127.0.0.1", "--ops", "rd_burst,ud_reply", "--rd-atomic", "16");
	EXPECT("sod_traffic", 2, "unknown case 'nope'", "--dev", NODEV, "--server",
	       "--check-errors", "--errors", "rnr,nope");
	EXPECT("sod_traffic", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--server", "--bogus");
	EXPECT("sod_traffic", 2, "unexpected argument", "--dev", NODEV, "--server",
	       "extra");
	EXPECT("sod_traffic", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--client", "127.0.0.1", "--ops", "send,ud_send", "--srq");

	/* sod_failnth */
	EXPECT("sod_failnth", 0, "Usage:", "--help");
	EXPECT("sod_failnth", 0, "qp-srq", "--help");
	EXPECT("sod_failnth", 2, "--op is required", "--dev", NODEV);
	EXPECT("sod_failnth", 2, "unknown --op 'qp'", "--op", "qp", "--dev", NODEV);
	EXPECT("sod_failnth", 2, "unknown --op 'bogus'", "--op", "bogus", "--dev", NODEV);
	EXPECT("sod_failnth", 2, "--op cq needs --dev", "--op", "cq");
	EXPECT("sod_failnth", 2, "--op mr needs --dev", "--op", "mr", "--dev", NODEV,
	       "--ndev", "lo");
	EXPECT("sod_failnth", 2, "--op newlink needs --ndev", "--op", "newlink",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "invalid --max", "--op", "qp-rc", "--dev", NODEV,
	       "--max", "0");
	EXPECT("sod_failnth", 2, "invalid --max", "--op", "qp-ud", "--dev", NODEV,
	       "--max", "x");
	EXPECT("sod_failnth", 2, "unknown or incomplete option", "--op", "srq",
	       "--dev", NODEV, "--bogus");
	EXPECT("sod_failnth", 2, "unexpected argument", "--op", "ah", "--dev", NODEV,
	       "extra");
	EXPECT("sod_failnth", 2, "netdev 'sod_no_such_nd0' not found", "--op",
	       "newlink", "--ndev", "sod_no_such_nd0");
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "ucontext",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "pd",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "cq",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "qp-rc",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "qp-ud",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "qp-srq",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "srq",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "mr",
	       "--dev", NODEV);
	EXPECT("sod_failnth", 2, "device '" NODEV "' not found", "--op", "ah",
	       "--dev", NODEV);
	/* sod_verbs */
	EXPECT("sod_verbs", 0, "Usage:", "--help");
	EXPECT("sod_verbs", 0, "qp_sqd", "--list");
	EXPECT("sod_verbs", 2, "--dev is required", "--only", "cq_ex");
	EXPECT("sod_verbs", 2, "unknown sub-test 'bogus'", "--dev", NODEV,
	       "--only", "cq_ex,bogus");
	EXPECT("sod_verbs", 2, "invalid --only", "--dev", NODEV, "--only", ",");
	EXPECT("sod_verbs", 2, "invalid --timeout-ms", "--dev", NODEV,
	       "--timeout-ms", "0");
	EXPECT("sod_verbs", 2, "invalid --quiet-ms", "--dev", NODEV,
	       "--quiet-ms", "x");
	EXPECT("sod_verbs", 2, "invalid --gid-index", "--dev", NODEV,
	       "--gid-index", "256");
	EXPECT("sod_verbs", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--bogus");
	EXPECT("sod_verbs", 2, "unexpected argument", "--dev", NODEV, "extra");
	EXPECT("sod_verbs", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--only", "qp_query,srq_limit");

	/* sod_odp */
	EXPECT("sod_odp", 0, "Usage:", "--help");
	EXPECT("sod_odp", 0, "fork_cow", "--list");
	EXPECT("sod_odp", 2, "--dev is required", "--pinned");
	EXPECT("sod_odp", 2, "invalid --test", "--dev", NODEV, "--test", ",");
	EXPECT("sod_odp", 2, "unknown sub-test 'bogus'", "--dev", NODEV,
	       "--test", "ops,bogus");
	EXPECT("sod_odp", 2, "exclude each other", "--dev", NODEV, "--pinned",
	       "--require-odp");
	EXPECT("sod_odp", 0, "ext4_file", "--list");
	EXPECT("sod_odp", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--ext4-dir");
	EXPECT("sod_odp", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--ext4-dir", "/tmp", "--test", "ext4_file");
	EXPECT("sod_odp", 2, "device '" NODEV "' not found", "--dev", NODEV);

	/* sod_odp_stress */
	EXPECT("sod_odp_stress", 0, "Usage:", "--help");
	EXPECT("sod_odp_stress", 2, "--dev is required", "--seconds", "1");
	EXPECT("sod_odp_stress", 2, "invalid --seconds", "--dev", NODEV,
	       "--seconds", "0");
	EXPECT("sod_odp_stress", 2, "invalid --workers", "--dev", NODEV,
	       "--workers", "5");
	EXPECT("sod_odp_stress", 2, "invalid --gid-index", "--dev", NODEV,
	       "--gid-index", "x");
	EXPECT("sod_odp_stress", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--bogus");
	EXPECT("sod_odp_stress", 2, "unexpected argument", "--dev", NODEV, "extra");
	EXPECT("sod_odp_stress", 2, "device '" NODEV "' not found", "--dev", NODEV);

	/* sod_odp_bench */
	EXPECT("sod_odp_bench", 0, "Usage:", "--help");
	EXPECT("sod_odp_bench", 2, "--dev is required", "--reps", "1");
	EXPECT("sod_odp_bench", 2, "invalid --reps", "--dev", NODEV, "--reps", "0");
	EXPECT("sod_odp_bench", 2, "invalid --big-reps", "--dev", NODEV, "--big-reps", "51");
	EXPECT("sod_odp_bench", 2, "invalid --depth", "--dev", NODEV, "--depth", "17");
	EXPECT("sod_odp_bench", 2, "invalid --bytes", "--dev", NODEV, "--bytes", "x");
	EXPECT("sod_odp_bench", 2, "invalid --cold-pages", "--dev", NODEV,
	       "--cold-pages", "0");
	EXPECT("sod_odp_bench", 2, "invalid --reg-mib", "--dev", NODEV, "--reg-mib", "-1");
	EXPECT("sod_odp_bench", 2, "invalid --inval-mib", "--dev", NODEV,
	       "--inval-mib", "4096");
	EXPECT("sod_odp_bench", 2, "invalid --inval-map", "--dev", NODEV,
	       "--inval-map", "touch");
	EXPECT("sod_odp_bench", 2, "unknown test 'bogus'", "--dev", NODEV,
	       "--tests", "warm,bogus");
	EXPECT("sod_odp_bench", 2, "invalid --warm-mr", "--dev", NODEV, "--warm-mr", "all");
	EXPECT("sod_odp_bench", 2, "invalid --poll", "--dev", NODEV, "--poll", "spin");
	EXPECT("sod_odp_bench", 2, "invalid --qp-timeout", "--dev", NODEV,
	       "--qp-timeout", "32");
	EXPECT("sod_odp_bench", 2, "invalid --gid-index", "--dev", NODEV,
	       "--gid-index", "x");
	EXPECT("sod_odp_bench", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--bogus");
	EXPECT("sod_odp_bench", 2, "unexpected argument", "--dev", NODEV, "extra");
	EXPECT("sod_odp_bench", 2, "device '" NODEV "' not found", "--dev", NODEV);
	EXPECT("sod_odp_bench", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--tests", "reg,inval", "--inval-map", "advise");
	/* sod_loss */
	EXPECT("sod_loss", 0, "Usage:", "--help");
	EXPECT("sod_loss", 2, "--dev is required", "--server");
	EXPECT("sod_loss", 2, "exactly one of --server and --client", "--dev", NODEV);
	EXPECT("sod_loss", 2, "unknown test 'bogus'", "--dev", NODEV, "--server",
	       "--tests", "write,bogus");
	EXPECT("sod_loss", 2, "cut must be the last test", "--dev", NODEV, "--server",
	       "--tests", "cut,write");
	EXPECT("sod_loss", 2, "invalid --size", "--dev", NODEV, "--server",
	       "--size", "67108872");
	EXPECT("sod_loss", 2, "multiples of 8", "--dev", NODEV, "--server",
	       "--size", "1001");
	EXPECT("sod_loss", 2, "larger than --size", "--dev", NODEV, "--server",
	       "--size", "4096", "--chunk", "8192");
	EXPECT("sod_loss", 2, "invalid --depth", "--dev", NODEV, "--server",
	       "--depth", "65");
	EXPECT("sod_loss", 2, "invalid --mtu", "--dev", NODEV, "--server",
	       "--mtu", "9000");
	EXPECT("sod_loss", 2, "invalid --timeout", "--dev", NODEV, "--server",
	       "--timeout", "32");
	EXPECT("sod_loss", 2, "invalid --retry-cnt", "--dev", NODEV, "--server",
	       "--retry-cnt", "8");
	EXPECT("sod_loss", 2, "unknown or incomplete option", "--dev", NODEV,
	       "--server", "--bogus");
	EXPECT("sod_loss", 2, "unexpected argument", "--dev", NODEV, "--server",
	       "extra");
	EXPECT("sod_loss", 2, "device '" NODEV "' not found", "--dev", NODEV,
	       "--client", "127.0.0.1", "--tests", "faa,cut");
	return sod_test_done("test_progs_cli");
}
