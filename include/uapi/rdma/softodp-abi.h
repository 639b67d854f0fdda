/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * softodp user/kernel ABI: the driver-private parts of the uverbs commands
 * exchanged between softodp.ko and the rdma-core provider libsoftodp.
 *
 * Rules: fixed-width __u types only, every struct padded explicitly to a
 * multiple of 8 bytes, never reorder or reuse a field.  Any incompatible
 * change bumps SOFTODP_ABI_VERSION; the kernel reports it as uverbs_abi_ver
 * and the provider only binds to a device with exactly this version.
 */
#ifndef SOFTODP_ABI_USER_H
#define SOFTODP_ABI_USER_H

#include <linux/types.h>

#define SOFTODP_ABI_VERSION 1

/* Content of the device's sysfs attribute "hca_type"; the provider matches on it. */
#define SOFTODP_HCA_TYPE "softodp"

/* Identity in query_device: no IEEE OUI is claimed (like rxe). */
#define SOFTODP_VENDOR_ID	0xffffff
#define SOFTODP_VENDOR_PART_ID	0x50d0

/* query_device's 64-bit fw_ver packs major.minor.sub_minor like this. */
#define SOFTODP_FW_VER(major, minor, sub) \
	(((__u64)(major) << 32) | ((__u64)(minor) << 16) | (__u64)(sub))
#define SOFTODP_FW_VER_MAJOR(v)	((__u32)((v) >> 32))
#define SOFTODP_FW_VER_MINOR(v)	((__u32)(((v) >> 16) & 0xffff))
#define SOFTODP_FW_VER_SUB(v)	((__u32)((v) & 0xffff))

/* Bits of softodp_alloc_ucontext_resp.features (none defined yet). */
enum softodp_ucontext_features {
	SOFTODP_UCTX_FEATURE_NONE = 0,
};

/* Driver part of the GET_CONTEXT command (the provider sends it empty). */
struct softodp_alloc_ucontext_cmd {
	__aligned_u64 comp_mask;	/* must be 0 */
};

/* Driver part of the GET_CONTEXT response. */
struct softodp_alloc_ucontext_resp {
	__aligned_u64 features;		/* enum softodp_ucontext_features */
	__u32 mmap_page_size;		/* rings are mapped in units of this */
	__u32 reserved;
};

/* Driver part of the ALLOC_PD response. */
struct softodp_alloc_pd_resp {
	__u32 pdn;			/* device-wide PD number */
	__u32 reserved;
};

#endif /* SOFTODP_ABI_USER_H */
