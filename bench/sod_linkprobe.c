// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_linkprobe - what the link between two guests costs without any RDMA
 * device: a busy-polling UDP ping-pong (the round-trip floor of a latency
 * test) and a one-way UDP stream of RoCE-sized datagrams (the ceiling of a
 * bandwidth test).  A diagnostic of bench/run.sh (bench/guest.sh,
 * sod.bench.link), not a test.
 *
 *   sod_linkprobe --server [--port P]
 *   sod_linkprobe --client ADDR [--port P] [--pingpong N] [--stream N]
 *                 [--size BYTES]
 *
 * Both sides busy-poll (non-blocking receive in a loop), as perftest does,
 * so that neither guest halts between packets.  The server answers every
 * ping datagram, counts stream datagrams, reports the count on request and
 * leaves when told to or after 120 s without a datagram.  The client prints
 *   linkprobe: pingpong n N min A p25 B med C p75 D p90 E us
 *   linkprobe: stream S B x N: offered X MB/s, received R (P %), Y MB/s
 * (MB/s = 10^6 bytes per second, perftest's unit; Y is the receiver's rate
 * from its first to its last datagram).  Exit 0, or 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM 4096
#define IDLE_US 120000000.0

enum { T_PING = 'p', T_STREAM = 's', T_REPORT = 'r', T_QUIT = 'q' };

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sod_linkprobe --server [--port P]\n"
		   "       sod_linkprobe --client ADDR [--port P] [--pingpong N] [--stream N] [--size BYTES]\n");
}

static int serve(int s)
{
	static char buf[MAX_DGRAM];
	long count = 0, bytes = 0;
	double first = 0, last = 0, idle = now_us();

	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		char out[96];
		int n;

		if (r <= 0) {
			if (now_us() - idle > IDLE_US)
				return 0;
			continue;
		}
		idle = now_us();
		switch (buf[0]) {
		case T_PING:
			sendto(s, buf, r, 0, (struct sockaddr *)&from, fl);
			break;
		case T_STREAM:
			last = now_us();
			if (!count++)
				first = last;
			bytes += r;
			break;
		case T_REPORT:
			n = snprintf(out, sizeof(out), "%c %ld %ld %.0f",
				     T_REPORT, count, bytes, last - first);
			sendto(s, out, n + 1, 0, (struct sockaddr *)&from, fl);
			count = bytes = 0;
			break;
		case T_QUIT:
			return 0;
		}
	}
}

/* Wait (busy) for a datagram of type @type; false after @to_us. */
static bool await(int s, char *buf, size_t len, char type, double to_us)
{
	double t0 = now_us();

	while (now_us() - t0 < to_us) {
		ssize_t r = recv(s, buf, len - 1, MSG_DONTWAIT);

		if (r > 0 && buf[0] == type) {
			buf[r] = '\0';
			return true;
		}
	}
	return false;
}

static int pingpong(int s, int n)
{
	static char buf[MAX_DGRAM];
	double *v = calloc(n, sizeof(*v));
	int i, lost = 0;

	if (!v)
		return 1;
	for (i = -n / 10; i < n; i++) {
		double t0 = now_us();

		buf[0] = T_PING;
		if (send(s, buf, 8, 0) < 0 ||
		    !await(s, buf, sizeof(buf), T_PING, 1e6)) {
			lost++;
			i--;
			if (lost > 10) {
				printf("linkprobe: pingpong failed: no answer\n");
				free(v);
				return 1;
			}
			continue;
		}
		if (i >= 0)
			v[i] = now_us() - t0;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	printf("linkprobe: pingpong n %d min %.1f p25 %.1f med %.1f p75 %.1f p90 %.1f us\n",
	       n, v[0], v[n / 4], v[n / 2], v[3 * n / 4], v[9 * n / 10]);
	free(v);
	return 0;
}

static int stream(int s, int n, int size)
{
	static char buf[MAX_DGRAM];
	long count, bytes;
	double t0, t1, span;
	int i;

	memset(buf, T_STREAM, size);
	t0 = now_us();
	for (i = 0; i < n; i++)
		while (send(s, buf, size, 0) < 0 &&
		       (errno == ENOBUFS || errno == EAGAIN))
			;
	t1 = now_us();
	/* Let the last datagrams arrive, then ask (busy, as everything). */
	while (now_us() - t1 < 300000)
		;
	buf[0] = T_REPORT;
	if (send(s, buf, 1, 0) < 0 ||
	    !await(s, buf, sizeof(buf), T_REPORT, 2e6) ||
	    sscanf(buf + 1, "%ld %ld %lf", &count, &bytes, &span) != 3) {
		printf("linkprobe: stream failed: no report\n");
		return 1;
	}
	printf("linkprobe: stream %d B x %d: offered %.1f MB/s, received %ld (%.1f %%), %.1f MB/s\n",
	       size, n, (double)size * n / (t1 - t0), count, 100.0 * count / n,
	       span > 0 ? bytes / span : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", no_argument, NULL, 'S' },
		{ "client", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "pingpong", required_argument, NULL, 'n' },
		{ "stream", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct sockaddr_in a = { .sin_family = AF_INET };
	int server = 0, port = 18790, pings = 2000, msgs = 12000;
	int size = 1100, c, s, rc = 0;
	const char *peer = NULL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S': server = 1; break;
		case 'c': peer = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': pings = atoi(optarg); break;
		case 'm': msgs = atoi(optarg); break;
		case 'z': size = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (server == !!peer || optind != argc || port <= 0 || port > 65535 ||
	    pings < 0 || msgs < 0 || size < 1 || size > MAX_DGRAM) {
		usage(stderr);
		return 2;
	}
	a.sin_port = htons(port);
	if (peer && inet_pton(AF_INET, peer, &a.sin_addr) != 1) {
		fprintf(stderr, "sod_linkprobe: not an IPv4 address: %s\n", peer);
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("sod_linkprobe: socket");
		return 1;
	}
	if (server) {
		if (bind(s, (struct sockaddr *)&a, sizeof(a))) {
			perror("sod_linkprobe: bind");
			return 1;
		}
		return serve(s);
	}
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("sod_linkprobe: connect");
		return 1;
	}
	if (pings)
		rc |= pingpong(s, pings);
	if (msgs)
		rc |= stream(s, msgs, size);
	{
		char q = T_QUIT;

		send(s, &q, 1, 0);
	}
	return rc;
}
