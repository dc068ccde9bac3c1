/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmcoreinfo.h - the guest kernel's VMCOREINFO note, as published to QEMU's
 * vmcoreinfo device (-device vmcoreinfo + the guest's fw_cfg driver).
 *
 * The device says where in guest RAM the note is; the note is read through
 * the guest memory map and validated (ELF note format, name "VMCOREINFO",
 * size within QEMU's 1 MiB limit, text with OSRELEASE= and PAGESIZE=).
 */
#ifndef QLD_VMCOREINFO_H
#define QLD_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "error.h"
#include "layout.h"
#include "memmap.h"

#define LD_VMCOREINFO_MAX (1u << 20)

struct ld_vmcoreinfo {
	bool present;
	char *desc;		/* note payload: "OSRELEASE=...\n..." */
	size_t descsz;
	uint32_t type;		/* n_type as the guest wrote it */
	char *source;		/* "vmcoreinfo device", for the report */
};

/*
 * Read the device's note if there is a device and the guest filled it.
 * No device, or nothing published, is not an error (present = false);
 * a published note that fails validation is a warning carried in *warning
 * (caller prints it) and present = false.
 */
struct ld_error *ld_vmcoreinfo_from_device(const struct ld_layout *layout,
					   const struct ld_reader *rd,
					   const struct ld_memmap *map,
					   const struct ld_arch *arch,
					   struct ld_vmcoreinfo *out,
					   char **warning);

/*
 * Parse a whole ELF note (header + name + desc) in guest byte order, as it
 * sits in guest RAM; true if it is a valid VMCOREINFO note.
 */
bool ld_vmcoreinfo_parse(const void *note, size_t len, bool big_endian,
			 struct ld_vmcoreinfo *out, char **why);

void ld_vmcoreinfo_free(struct ld_vmcoreinfo *vmci);

#endif /* QLD_VMCOREINFO_H */
