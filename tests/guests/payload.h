/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control block shared by the test guest payloads and the host-side harness
 * (tests/e2e/qemu_harness.py mirrors these numbers; keep them in sync).
 *
 * The control block (CB) is two 4 KiB pages at a fixed guest-physical
 * address per architecture, outside the payload's ELF image so that the
 * host can pre-load the token with `-device loader,addr=CB+8,data=..`.
 * All fields are little-endian u64.
 */
#ifndef QLD_PAYLOAD_H
#define QLD_PAYLOAD_H

#define PAGE_SIZE		4096ULL

/* "QLDPAYL1" read as a little-endian u64 */
#define CB_MAGIC		0x314c594150444c51ULL

#define CB_OFF_MAGIC		0x00	/* written by the payload first */
#define CB_OFF_TOKEN		0x08	/* written by the host (loader) */
#define CB_OFF_STATE		0x10	/* see CB_STATE_* */
#define CB_OFF_HEARTBEAT	0x18	/* incremented forever after stamping */
#define CB_OFF_NRANGES		0x20	/* entries at CB_OFF_RANGES */
#define CB_OFF_PAGES		0x28	/* number of pages stamped */
#define CB_OFF_CHURN_START	0x30
#define CB_OFF_CHURN_SIZE	0x38
#define CB_OFF_RESV_START	0x40	/* never stamped: payload, CB, churn */
#define CB_OFF_RESV_END		0x48
#define CB_OFF_ARCH		0x50	/* CB_ARCH_* */
#define CB_OFF_NREGIONS		0x58	/* entries at CB_OFF_REGIONS */
#define CB_OFF_DIMMS		0x60	/* x86: DIMMs found (and stamped) */
#define CB_OFF_EJECTED		0x68	/* x86: DIMMs ejected on request */
#define CB_OFF_RANGES		0x100	/* {start, end} pairs, end exclusive */
#define CB_MAX_RANGES		240
#define CB_OFF_REGIONS		0x1000	/* RAM as the firmware described it */
#define CB_MAX_REGIONS		255

#define CB_STATE_STAMPING	1
#define CB_STATE_DONE		2
#define CB_STATE_ERROR		3	/* firmware info unusable */

#define CB_ARCH_X86_64		1
#define CB_ARCH_AARCH64		2
#define CB_ARCH_PPC64		3	/* big- or little-endian pseries */
#define CB_ARCH_S390X		4

#define CB_SIZE			(2 * PAGE_SIZE)
#define CHURN_SIZE		(64 * 1024ULL)	/* directly after the CB */

#ifndef __ASSEMBLER__
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

/* stamp.c */
void cb_init(u64 cb, u64 arch, u64 resv_start, u64 resv_end);
void cb_add_region(u64 start, u64 size);
void cb_fail(void);
/* poll (may be NULL) runs once per heartbeat, after the churn. */
void stamp_and_spin(void (*poll)(void)) __attribute__((noreturn));
/* Bump a CB counter (for the arch code). */
void cb_count(u64 off);
#endif

#endif
