// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_async_wait: run a command and wait for the port event it should cause.
 *
 *   sod_async_wait --dev softodp0 --event port_err --timeout-ms 5000 \
 *       -- ip link set veth1 down
 *
 * Opens the device first (so no event can be missed), then fork/execs the
 * command and poll()s the async event fd and a pidfd of the child until the
 * wanted event has been seen on the port and the command has exited, or
 * the timeout (counted from the start of the command) expires.  Every event
 * read is acknowledged; other events are printed and ignored.
 *
 * Exit status: 0 the event was seen and the command succeeded; 1 the event
 * was not seen in time; 2 usage error, no such device, or the command
 * could not run or failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

static const char usage[] =
	"--dev NAME --event port_err|port_active --timeout-ms T [--port N] -- CMD [ARG...]\n"
	"  --dev NAME        RDMA device to watch\n"
	"  --event E         port_err or port_active\n"
	"  --timeout-ms T    give up T ms after starting CMD\n"
	"  --port N          port to watch (default 1)\n"
	"  CMD...            command that should cause the event\n";

struct opts {
	const char *dev;
	enum ibv_event_type event;
	long timeout_ms;
	long port;
	char **cmd;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "event", required_argument, NULL, 'e' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_event = false, have_timeout = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->port = 1;
	opterr = 0;
	/* "+": stop at the first non-option, CMD's options are its own. */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "port_err") == 0)
				o->event = IBV_EVENT_PORT_ERR;
			else if (strcmp(optarg, "port_active") == 0)
				o->event = IBV_EVENT_PORT_ACTIVE;
			else
				sod_usage_error(usage,
						"invalid --event '%s' (port_err or port_active)",
						optarg);
			have_event = true;
			break;
		case 't':
			if (!sod_parse_long(optarg, 0, 3600 * 1000L,
					    &o->timeout_ms))
				sod_usage_error(usage, "invalid --timeout-ms '%s'",
						optarg);
			have_timeout = true;
			break;
		case 'p':
			if (!sod_parse_long(optarg, 1, 255, &o->port))
				sod_usage_error(usage, "invalid --port '%s'",
						optarg);
			break;
		default:
			sod_opt_other(c, usage, argv);
		}
	}
	if (!o->dev)
		sod_usage_error(usage, "--dev is required");
	if (!have_event)
		sod_usage_error(usage, "--event is required");
	if (!have_timeout)
		sod_usage_error(usage, "--timeout-ms is required");
	if (optind >= argc)
		sod_usage_error(usage, "no command given after --");
	o->cmd = &argv[optind];
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t spawn(char **cmd, int *pidfd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sod_err("fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: cannot run '%s': %s\n", sod_prog, cmd[0],
			strerror(errno));
		_exit(127);
	}

	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		sod_err("pidfd_open failed: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Reap the child; true if it exited with status 0. */
static bool reap(pid_t pid, char **cmd)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		sod_err("waitpid failed: %s", strerror(errno));
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		sod_err("command '%s' exited with status %d", cmd[0],
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		sod_err("command '%s' killed by signal %d", cmd[0],
			WTERMSIG(status));
	return false;
}

/* Read and ack every pending event; true if the wanted one was among them. */
static bool drain_events(struct ibv_context *ctx, const struct opts *o)
{
	struct ibv_async_event ev;
	bool seen = false;

	while (ibv_get_async_event(ctx, &ev) == 0) {
		bool is_port_event = ev.event_type == IBV_EVENT_PORT_ERR ||
				     ev.event_type == IBV_EVENT_PORT_ACTIVE ||
				     ev.event_type == IBV_EVENT_LID_CHANGE ||
				     ev.event_type == IBV_EVENT_PKEY_CHANGE ||
				     ev.event_type == IBV_EVENT_SM_CHANGE ||
				     ev.event_type == IBV_EVENT_CLIENT_REREGISTER ||
				     ev.event_type == IBV_EVENT_GID_CHANGE;

		if (is_port_event)
			sod_info("async event %s on port %d",
				 ibv_event_type_str(ev.event_type),
				 ev.element.port_num);
		else
			sod_info("async event %s (ignored)",
				 ibv_event_type_str(ev.event_type));

		if (ev.event_type == o->event && ev.element.port_num == o->port)
			seen = true;
		ibv_ack_async_event(&ev);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		sod_err("ibv_get_async_event failed: %s", strerror(errno));
	return seen;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct opts o;
	bool seen = false, child_done = false, child_ok = false;
	bool async_ok = true;
	long long deadline;
	int code = SOD_EXIT_FAIL;
	int pidfd = -1;
	int flags;
	pid_t pid;

	sod_init(argv[0]);
	parse_args(argc, argv, &o);

	ctx = sod_open_device(o.dev, &code);
	if (!ctx)
		return code;

	/* Non-blocking, and not inherited by the command. */
	flags = fcntl(ctx->async_fd, F_GETFL);
	if (flags < 0 || fcntl(ctx->async_fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(ctx->async_fd, F_SETFD, FD_CLOEXEC) < 0) {
		sod_err("cannot set up the async event fd: %s", strerror(errno));
		ibv_close_device(ctx);
		return SOD_EXIT_USAGE;
	}

	deadline = now_ms() + o.timeout_ms;
	pid = spawn(o.cmd, &pidfd);
	if (pid < 0) {
		ibv_close_device(ctx);
		return SOD_EXIT_USAGE;
	}

	while (!(seen && child_done)) {
		struct pollfd pfd[2] = {
			{ .fd = async_ok ? ctx->async_fd : -1, .events = POLLIN },
			{ .fd = child_done ? -1 : pidfd, .events = POLLIN },
		};
		long long left = deadline - now_ms();
		int n;

		if (left < 0)
			left = 0;
		n = poll(pfd, 2, (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sod_err("poll failed: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (drain_events(ctx, &o))
				seen = true;
		} else if (pfd[0].revents) {
			sod_err("async event fd failed (revents 0x%x)",
				(unsigned int)pfd[0].revents);
			async_ok = false;
		}
		if (pfd[1].revents & POLLIN) {
			child_ok = reap(pid, o.cmd);
			child_done = true;
		}
		if (!async_ok && child_done)
			break;		/* nothing left to wait for */
		if (!(seen && child_done) && now_ms() >= deadline)
			break;
	}

	if (!child_done) {
		sod_err("command '%s' still running after %ld ms; killed it",
			o.cmd[0], o.timeout_ms);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		code = SOD_EXIT_USAGE;
	} else if (!child_ok) {
		code = SOD_EXIT_USAGE;
	} else if (seen) {
		sod_info("OK: %s seen on port %ld",
			 ibv_event_type_str(o.event), o.port);
		code = SOD_EXIT_OK;
	} else {
		sod_err("FAIL: %s not seen on port %ld within %ld ms",
			ibv_event_type_str(o.event), o.port, o.timeout_ms);
		code = SOD_EXIT_FAIL;
	}
	close(pidfd);

	if (ibv_close_device(ctx)) {
		sod_err("ibv_close_device failed: %s", strerror(errno));
		if (code == SOD_EXIT_OK)
			code = SOD_EXIT_FAIL;
	}
	return code;
}
