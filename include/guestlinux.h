/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guestlinux.h - what a guest Linux kernel says of itself in its
 * VMCOREINFO note, and what that lets us read of it from guest RAM.
 *
 * Everything here comes from the guest, so it is untrusted: values are
 * parsed strictly, and what is read back is checked against the note
 * (the utsname must name the release VMCOREINFO names) before it is used.
 */
#ifndef QLD_GUESTLINUX_H
#define QLD_GUESTLINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

/*
 * The value of the line "KEY=value" of VMCOREINFO text (KEY such as
 * "OSRELEASE", "SYMBOL(init_uts_ns)", "NUMBER(phys_base)"), as a number:
 * SYMBOL() and KERNELOFFSET are hex as the kernel prints them, the rest
 * decimal or 0x-prefixed hex.  False if the line is missing or the value
 * is not exactly one number.
 */
bool ld_vmci_number(const char *text, size_t len, const char *key,
		    uint64_t *value);

/* The same for a string value, copied NUL-terminated into val[cap]. */
bool ld_vmci_string(const char *text, size_t len, const char *key,
		    char *val, size_t cap);

/*
 * The guest-physical address of va in the kernel image (its text and
 * data): x86_64 from phys_base, aarch64 from kimage_voffset, ppc64 in
 * the linear map at 0xc000000000000000.  False for other arches or when
 * the note lacks what is needed.
 */
bool ld_guestlinux_kimage_pa(const struct ld_arch *arch, const char *vmci,
			     size_t len, uint64_t va, uint64_t *pa);

#define LD_UTS_FIELD 65		/* __NEW_UTS_LEN + 1 */

/* struct new_utsname, each field NUL-terminated. */
struct ld_utsname {
	char sysname[LD_UTS_FIELD];
	char nodename[LD_UTS_FIELD];
	char release[LD_UTS_FIELD];
	char version[LD_UTS_FIELD];
	char machine[LD_UTS_FIELD];
	char domainname[LD_UTS_FIELD];
};

/* Reads guest-physical memory (guest RAM only). */
struct ld_guest_ram {
	struct ld_error *(*read)(void *ctx, uint64_t gpa, void *buf,
				 size_t len);
	void *ctx;
};

/*
 * The running kernel's utsname (init_uts_ns.name, what makedumpfile puts
 * in its header), read from guest RAM where VMCOREINFO places it.  An
 * error says why not: a fact missing from the note, a failed read, or
 * something read that is not that kernel's utsname.
 */
struct ld_error *ld_guestlinux_utsname(const struct ld_arch *arch,
				       const char *vmci, size_t len,
				       const struct ld_guest_ram *ram,
				       struct ld_utsname *out);

#endif /* QLD_GUESTLINUX_H */
