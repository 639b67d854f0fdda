/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tiny assertion helpers for the host unit tests.  A failed CHECK reports
 * file:line and the expression, and the test carries on so one run shows
 * every failure; sod_test_done() prints the tally and gives main()'s exit
 * status (non-zero if anything failed).
 */
#ifndef SOD_TEST_H
#define SOD_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned int sod_test_checks;
static unsigned int sod_test_failures;

#define CHECK(cond)                                                       \
	do {                                                              \
		sod_test_checks++;                                        \
		if (!(cond)) {                                            \
			sod_test_failures++;                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",      \
				__FILE__, __LINE__, #cond);               \
		}                                                         \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                \
	do {                                                              \
		uint64_t sod_a_ = (uint64_t)(a), sod_b_ = (uint64_t)(b);  \
		sod_test_checks++;                                        \
		if (sod_a_ != sod_b_) {                                   \
			sod_test_failures++;                              \
			fprintf(stderr,                                   \
				"%s:%d: CHECK failed: %s == %s (%" PRIu64 \
				" != %" PRIu64 ")\n",                     \
				__FILE__, __LINE__, #a, #b, sod_a_,       \
				sod_b_);                                  \
		}                                                         \
	} while (0)

#define CHECK_STREQ(a, b)                                                 \
	do {                                                              \
		const char *sod_a_ = (a), *sod_b_ = (b);                  \
		sod_test_checks++;                                        \
		if (!sod_a_ || !sod_b_ || strcmp(sod_a_, sod_b_) != 0) {  \
			sod_test_failures++;                              \
			fprintf(stderr,                                   \
				"%s:%d: CHECK failed: %s == %s "          \
				"(\"%s\" != \"%s\")\n",                   \
				__FILE__, __LINE__, #a, #b,               \
				sod_a_ ? sod_a_ : "(null)",               \
				sod_b_ ? sod_b_ : "(null)");              \
		}                                                         \
	} while (0)

static inline int sod_test_done(const char *name)
{
	printf("%s: %u checks, %u passed, %u failed\n", name, sod_test_checks,
	       sod_test_checks - sod_test_failures, sod_test_failures);
	return sod_test_failures ? 1 : 0;
}

#endif /* SOD_TEST_H */
