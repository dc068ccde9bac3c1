/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guestpaging.h - a guest Linux kernel's virtual addresses turned into
 * guest-physical ones through the kernel's own page tables, found where
 * its VMCOREINFO note says: x86_64 (init_top_pgt, 4 or 5 levels as
 * pgtable_l5_enabled says) and arm64 (swapper_pg_dir, the granule of
 * PAGESIZE, the VA bits of TCR_EL1_T1SZ or VA_BITS).
 *
 * The tables are guest memory, so untrusted: every entry is read through
 * ld_guest_ram (guest RAM only), and an address that does not translate
 * is an error, never a guess.
 */
#ifndef QLD_GUESTPAGING_H
#define QLD_GUESTPAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "guestlinux.h"

#define LD_PAGING_MAX_LEVELS 5

struct ld_guest_paging {
	const struct ld_arch *arch;
	const struct ld_guest_ram *ram;
	uint64_t root;		/* gpa of the top-level table */
	unsigned int levels;	/* 2..5 */
	unsigned int page_shift;	/* 12, 14 or 16 */
	unsigned int va_bits;	/* translated: the rest must be all ones */
};

/*
 * Find the kernel's page tables from its VMCOREINFO text.  An error names
 * the fact that is missing or implausible.
 */
struct ld_error *ld_guest_paging_init(const struct ld_arch *arch,
				      const char *vmci, size_t len,
				      const struct ld_guest_ram *ram,
				      struct ld_guest_paging *pg);

/*
 * The guest-physical address of kernel virtual address va, and in *span
 * how many bytes from va on the same mapping (page or block) covers.
 */
struct ld_error *ld_guest_paging_translate(const struct ld_guest_paging *pg,
					   uint64_t va, uint64_t *pa,
					   uint64_t *span);

/*
 * Read len bytes of kernel virtual memory at va (any number of mappings).
 */
struct ld_error *ld_guest_paging_read(const struct ld_guest_paging *pg,
				      uint64_t va, void *buf, size_t len);

/*
 * True if a vCPU whose MMU root (ld_cpus_mmu_root) is root runs on the
 * kernel pg describes: x86_64 when root's entry for the kernel image is
 * that of the kernel's own top-level table (any process's root, or a PTI
 * user root's kernel twin), arm64 when root is swapper_pg_dir.  Tells the
 * running kernel's VMCOREINFO from a stale copy of an earlier one.
 */
bool ld_guest_paging_runs_on(const struct ld_guest_paging *pg, uint64_t root);

/*
 * True if the kernel VMCOREINFO text vmci describes is the one running:
 * its utsname is where the note places it, and a vCPU whose MMU root is
 * one of roots[n] runs on its page tables.
 */
bool ld_guest_kernel_is_running(const struct ld_arch *arch, const char *vmci,
				size_t len, const struct ld_guest_ram *ram,
				const uint64_t *roots, size_t n);

#endif /* QLD_GUESTPAGING_H */
