/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtool.h - test helpers: run src/qemu-livedump as a child process and
 * capture what it says; open the vmcore it wrote with libelf.
 */
#ifndef QLD_TEST_RUNTOOL_H
#define QLD_TEST_RUNTOOL_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tool_run {
	int status;		/* exit code, or 128 + signal */
	char err[16384];	/* what it printed on stderr */
};

/*
 * Run the tool with argv (argv[0] ignored, NULL-terminated) and extra
 * environment entries ("K=V", NULL-terminated, may be NULL).  stdout goes
 * to stdout_fd if >= 0, else /dev/null.  Returns false on timeout (the
 * child is killed).
 */
bool tool_run(struct tool_run *r, const char *const *argv,
	      const char *const *env, int stdout_fd, int timeout_s);

/* Start the tool without waiting; its stderr goes to a file in /tmp. */
pid_t tool_spawn(const char *const *argv, const char *const *env);

/* A fresh, empty temporary directory (removed by tmpdir_remove). */
char *tmpdir_make(void);
void tmpdir_remove(char *dir);
/* Number of entries (besides . and ..) in dir. */
int dir_entries(const char *dir);

/* The vmcore as libelf sees it, mapped read-only. */
struct vmcore {
	int fd;
	Elf *elf;
	const unsigned char *data;
	size_t size;
	size_t phnum;
};

bool vmcore_open(struct vmcore *vc, const char *path);
void vmcore_close(struct vmcore *vc);
/* Count notes of the given name and type; copy the desc of the first. */
int vmcore_notes(struct vmcore *vc, const char *name, uint32_t type,
		 void *first_desc, size_t desc_len);

/* True if every thread of pid is not in a ptrace stop ('t'). */
bool all_threads_running(pid_t pid);
/* Read a u64 of another process (process_vm_readv). */
uint64_t peek_u64(pid_t pid, uint64_t addr);
/* True if the u64 at addr in pid changes within timeout_ms. */
bool value_advances(pid_t pid, uint64_t addr, int timeout_ms);

#endif
