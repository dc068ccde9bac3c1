/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * error.h - error values carried up the stack.
 *
 * Every fallible function returns a struct ld_error * (NULL on success).
 * Callers add context on the way up ("reading FlatView at 0x...: ...") and
 * only main() prints the message, once.  The category decides the exit code.
 */
#ifndef QLD_ERROR_H
#define QLD_ERROR_H

#include <stdarg.h>

/* Exit codes, documented in the man page.  Keep them stable. */
enum ld_exit {
	LD_EXIT_OK = 0,
	LD_EXIT_FAILURE = 1,     /* anything not listed below */
	LD_EXIT_USAGE = 2,       /* bad command line */
	LD_EXIT_TARGET = 3,      /* no such process, or not a QEMU process */
	LD_EXIT_PERMISSION = 4,  /* ptrace / process_vm_readv not permitted */
	LD_EXIT_DEBUGINFO = 5,   /* symbols or layouts unavailable */
	LD_EXIT_MODEL = 6,       /* QEMU's structures fail validation */
	LD_EXIT_OUTPUT = 7,      /* cannot create or write the vmcore */
	LD_EXIT_COPY = 8,        /* guest RAM vanished or unreadable mid-dump */
	LD_EXIT_INTERRUPTED = 9, /* SIGINT, SIGTERM or SIGHUP */
	LD_EXIT_BUSY = 10,       /* QEMU is traced by another process: retry */
};

struct ld_error {
	enum ld_exit code;
	int errnum;		/* errno behind it, 0 if none */
	char *message;
};

/* A new error; the message is printf-formatted. */
struct ld_error *ld_error(enum ld_exit code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A new error that ends with ": strerror(errnum)". */
struct ld_error *ld_error_errno(enum ld_exit code, int errnum,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix context to err ("context: old message") and return it.  Passing
 * NULL returns NULL, so "return ld_error_context(f(), ...)" is safe.
 */
struct ld_error *ld_error_context(struct ld_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void ld_error_free(struct ld_error *err);

/*
 * Replace every byte of s that is not printable ASCII with '?': strings read
 * from the target (region names, guest text) end up in messages and JSON.
 */
void ld_make_printable(char *s);

/* Shared object returned when allocating an error itself fails. */
extern struct ld_error ld_error_nomem;

#endif /* QLD_ERROR_H */
