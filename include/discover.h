/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * discover.h - finding the QEMU processes of this host (--list, --name):
 * what each one is, from /proc and its binary, without touching the VM
 * (no ptrace, no reads of its memory).
 */
#ifndef QLD_DISCOVER_H
#define QLD_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "profile.h"

#define LD_MAX_QEMUS 4096

struct ld_qemu_proc {
	pid_t pid;
	char name[128];		/* -name NAME or -name guest=NAME,...; "" */
	char binary[512];	/* /proc/PID/exe as QEMU sees it */
	struct ld_binary_id id;	/* version, target, build-id */
	uint64_t ram_bytes;	/* from -m (QEMU's default 128 MiB); 0: ? */
	char machine[64];	/* -machine / -M type, "" if none given */
	char accel[16];		/* kvm, tcg... as asked on the command line */
	char layouts[512];	/* where the tool would take its layouts */
	pid_t tracer;		/* TracerPid: another debugger holds it */
};

/* Every QEMU process found; *out is malloc'd (free it). */
struct ld_error *ld_discover(struct ld_qemu_proc **out, size_t *count);

/*
 * The pid of the one QEMU whose -name is name; an error listing the
 * candidates when none or several match.
 */
struct ld_error *ld_discover_by_name(const char *name, pid_t *pid);

/* One line per process (with a header), or a JSON array. */
void ld_discover_print(FILE *f, const struct ld_qemu_proc *qemus,
		       size_t count, bool json);

/*
 * What /proc says of one process: its binary and, from its command line,
 * name, RAM, machine and accelerator (q->pid set by the caller).  The
 * layouts and build-id are left empty: cheap, for the incident record.
 */
void ld_discover_cmdline(struct ld_qemu_proc *q);

/* Parse QEMU's -m argument ("4G", "4096", "size=4G,maxmem=8G"): bytes. */
uint64_t ld_parse_qemu_mem(const char *arg);

#endif /* QLD_DISCOVER_H */
