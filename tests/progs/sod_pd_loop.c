// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_pd_loop: protection domain churn on a softodp device.
 *
 * Opens K contexts on the device, then
 *   1. N times: on every context, allocate a PD and free it again;
 *   2. on every context, hold --hold PDs (default 1000) at once, check
 *      their handles are distinct, then free them all;
 * then closes the contexts.  Every return value is checked; the first
 * failure stops the run with exit status 1 (see sod_common.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sod_common.h"

static const char usage[] =
	"--dev NAME --iters N [--contexts K] [--hold M]\n"
	"  --dev NAME      RDMA device to use\n"
	"  --iters N       alloc/dealloc rounds per context\n"
	"  --contexts K    contexts opened at once (default 1)\n"
	"  --hold M        PDs held at once per context (default 1000, 0 = skip)\n";

struct opts {
	const char *dev;
	long iters;
	long contexts;
	long hold;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "iters", required_argument, NULL, 'i' },
		{ "contexts", required_argument, NULL, 'c' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_iters = false;
	int c;

	o->dev = NULL;
	o->iters = 0;
	o->contexts = 1;
	o->hold = 1000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'i':
			if (!sod_parse_long(optarg, 0, 100000000, &o->iters))
				sod_usage_error(usage, "invalid --iters '%s'",
						optarg);
			have_iters = true;
			break;
		case 'c':
			if (!sod_parse_long(optarg, 1, 4096, &o->contexts))
				sod_usage_error(usage,
						"invalid --contexts '%s' (1..4096)",
						optarg);
			break;
		case 'H':
			if (!sod_parse_long(optarg, 0, 1000000, &o->hold))
				sod_usage_error(usage, "invalid --hold '%s'",
						optarg);
			break;
		default:
			sod_opt_other(c, usage, argv);
		}
	}
	sod_opt_done(usage, argc, argv, o->dev);
	if (!have_iters)
		sod_usage_error(usage, "--iters is required");
}

static struct ibv_pd *alloc_pd_checked(struct ibv_context *ctx, long k,
				       long i)
{
	struct ibv_pd *pd;

	errno = 0;
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		sod_err("FAIL: ibv_alloc_pd (context %ld, #%ld) failed: %s", k,
			i, strerror(errno ? errno : EINVAL));
		return NULL;
	}
	if (pd->context != ctx) {
		sod_err("FAIL: PD #%ld of context %ld points to another context",
			i, k);
		ibv_dealloc_pd(pd);
		return NULL;
	}
	return pd;
}

static bool dealloc_pd_checked(struct ibv_pd *pd, long k, long i)
{
	int ret = ibv_dealloc_pd(pd);

	if (ret) {
		sod_err("FAIL: ibv_dealloc_pd (context %ld, #%ld) failed: %s",
			k, i, strerror(ret));
		return false;
	}
	return true;
}

static bool churn(struct ibv_context **ctxs, const struct opts *o)
{
	for (long i = 0; i < o->iters; i++) {
		for (long k = 0; k < o->contexts; k++) {
			struct ibv_pd *pd = alloc_pd_checked(ctxs[k], k, i);

			if (!pd || !dealloc_pd_checked(pd, k, i))
				return false;
		}
	}
	sod_info("%ld alloc/dealloc round(s) on %ld context(s) done", o->iters,
		 o->contexts);
	return true;
}

static int cmp_handle(const void *a, const void *b)
{
	uint32_t ha = (*(struct ibv_pd *const *)a)->handle;
	uint32_t hb = (*(struct ibv_pd *const *)b)->handle;

	return ha < hb ? -1 : ha > hb;
}

static bool hold_many(struct ibv_context **ctxs, const struct opts *o)
{
	size_t total = (size_t)o->hold * (size_t)o->contexts;
	struct ibv_pd **pds, **sorted;
	size_t n = 0;
	bool ok = true;

	if (o->hold == 0)
		return true;

	pds = calloc(total, sizeof(*pds));
	sorted = calloc(o->hold, sizeof(*sorted));
	if (!pds || !sorted) {
		sod_err("FAIL: out of memory");
		free(pds);
		free(sorted);
		return false;
	}

	for (long k = 0; k < o->contexts && ok; k++) {
		for (long i = 0; i < o->hold; i++) {
			pds[n] = alloc_pd_checked(ctxs[k], k, i);
			if (!pds[n]) {
				ok = false;
				break;
			}
			n++;
		}
	}

	/* Within a context every live PD has its own handle. */
	for (long k = 0; ok && k < o->contexts; k++) {
		memcpy(sorted, &pds[(size_t)k * (size_t)o->hold],
		       (size_t)o->hold * sizeof(*sorted));
		qsort(sorted, (size_t)o->hold, sizeof(*sorted), cmp_handle);
		for (long i = 1; i < o->hold; i++) {
			if (sorted[i]->handle == sorted[i - 1]->handle) {
				sod_err("FAIL: two live PDs of context %ld share handle %u",
					k, sorted[i]->handle);
				ok = false;
				break;
			}
		}
	}
	if (ok)
		sod_info("held %ld PD(s) on each of %ld context(s) at once",
			 o->hold, o->contexts);

	/* Free in reverse order of allocation, whatever happened. */
	while (n > 0) {
		n--;
		if (!dealloc_pd_checked(pds[n], (long)(n / (size_t)o->hold),
					(long)(n % (size_t)o->hold)))
			ok = false;
	}

	free(sorted);
	free(pds);
	return ok;
}

int main(int argc, char **argv)
{
	struct ibv_context **ctxs;
	struct opts o;
	int code = SOD_EXIT_OK;
	long opened = 0;

	sod_init(argv[0]);
	parse_args(argc, argv, &o);

	ctxs = calloc((size_t)o.contexts, sizeof(*ctxs));
	if (!ctxs) {
		sod_err("FAIL: out of memory");
		return SOD_EXIT_FAIL;
	}

	for (; opened < o.contexts; opened++) {
		ctxs[opened] = sod_open_device(o.dev, &code);
		if (!ctxs[opened])
			break;
	}

	if (opened == o.contexts) {
		sod_info("opened %ld context(s) on %s", opened, o.dev);
		if (!churn(ctxs, &o) || !hold_many(ctxs, &o))
			code = SOD_EXIT_FAIL;
	}

	while (opened > 0) {
		opened--;
		if (ibv_close_device(ctxs[opened])) {
			sod_err("FAIL: ibv_close_device (context %ld) failed: %s",
				opened, strerror(errno));
			code = SOD_EXIT_FAIL;
		}
	}
	free(ctxs);

	if (code == SOD_EXIT_OK)
		sod_info("OK");
	return code;
}
