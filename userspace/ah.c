// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Address handles: created by the kernel, which resolves the address
 * vector; UD send WQEs name the AH by the ah_num it returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "softodp.h"

struct ibv_ah *softodp_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
	struct softodp_resp_create_ah resp;
	struct softodp_ah *ah;
	int ret;

	ah = calloc(1, sizeof(*ah));
	if (!ah) {
		errno = ENOMEM;
		return NULL;
	}

	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_create_ah(pd, &ah->ibv_ah, attr,
				softodp_core_resp(&resp,
						  struct ib_uverbs_create_ah_resp),
				sizeof(resp));
	if (ret) {
		free(ah);
		errno = ret;
		return NULL;
	}
	ah->ah_num = resp.drv.ah_num;
	return &ah->ibv_ah;
}

int softodp_destroy_ah(struct ibv_ah *ibah)
{
	int ret;

	ret = ibv_cmd_destroy_ah(ibah);
	if (ret)
		return ret;
	free(to_sah(ibah));
	return 0;
}
