/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwcfg.h - QEMU's fw_cfg device as the tool follows it: from the machine
 * (current_machine) to its fw_cfg device, the device's file directory and
 * one named file's entry.  This is how the vmcoreinfo device is found in
 * QEMU builds that do not export vmcoreinfo_state (Debian's stripped
 * binaries export current_machine).
 *
 * Only machines whose fw_cfg pointer is a known member are followed: x86
 * (X86MachineState: pc, q35, microvm) and arm virt (VirtMachineState),
 * told by their QOM ancestry, not by a cast on faith.  Everything read is
 * checked: the fw_cfg device's own QOM type, the file count against the
 * device's file_slots, names NUL-terminated, the selector against the
 * entry array's bound.  Nothing is written to the target.
 */
#ifndef QLD_FWCFG_H
#define QLD_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "reader.h"

/* One fw_cfg file as QEMU serves it. */
struct ld_fwcfg_file {
	uint32_t size;		/* FWCfgFile.size: what the directory says */
	uint16_t select;	/* FWCfgFile.select */
	uint32_t len;		/* FWCfgEntry.len */
	uint64_t data;		/* FWCfgEntry.data: the bytes, in QEMU */
	uint64_t opaque;	/* FWCfgEntry.callback_opaque: their owner */
};

/* Whether the layout has every fact a walk needs (then it may be tried). */
bool ld_fwcfg_can_walk(const struct ld_layout *layout);

/*
 * The machine's fw_cfg file name.  *found is false, and no error, when the
 * layout lacks a fact, current_machine is unset, the machine is of another
 * kind or has no fw_cfg, or no file has that name; structures that fail a
 * check are an error (the caller decides whether that is a warning).
 */
struct ld_error *ld_fwcfg_find_file(const struct ld_layout *layout,
				    const struct ld_reader *rd,
				    const char *name,
				    struct ld_fwcfg_file *out, bool *found);

#endif /* QLD_FWCFG_H */
