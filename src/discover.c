// SPDX-License-Identifier: GPL-2.0-or-later
/* discover.c - the QEMU processes of this host; see discover.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "json.h"
#include "layout_source.h"

#define MAX_CMDLINE (1u << 20)
#define QEMU_DEFAULT_RAM (128ull << 20)

/* The whole of a small /proc file, NUL-terminated; NULL if unreadable. */
static char *read_proc_file(pid_t pid, const char *what, size_t *len)
{
	char path[64];
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	int fd;

	if (!buf)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = cap < MAX_CMDLINE ? realloc(buf, 2 * cap + 1) : NULL;

			if (!nb)
				break;	/* bounded: what fits is enough */
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

uint64_t ld_parse_qemu_mem(const char *arg)
{
	char val[64];
	const char *p = arg;
	char *end;
	uint64_t v;

	/* "size=4G,slots=2,maxmem=8G" or "4G,maxmem=8G" */
	if (!strncmp(p, "size=", 5))
		p += 5;
	snprintf(val, sizeof(val), "%.*s", (int)strcspn(p, ","), p);
	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || end == val)
		return 0;
	switch (tolower((unsigned char)*end)) {
	case '\0': case 'm': v <<= 20; break;	/* MiB without a suffix */
	case 'k': v <<= 10; break;
	case 'g': v <<= 30; break;
	case 't': v <<= 40; break;
	case 'b': break;
	default: return 0;
	}
	return v;
}

/* "guest=NAME,debug-threads=on" (libvirt) or "NAME[,process=...]". */
static void parse_name(const char *arg, char *out, size_t len)
{
	const char *p = arg;

	if (!strncmp(p, "guest=", 6))
		p += 6;
	snprintf(out, len, "%.*s", (int)strcspn(p, ","), p);
	ld_make_printable(out);
}

/* "-machine pc-q35-7.2,accel=kvm" / "type=q35,..." / "-M virt". */
static void parse_machine(const char *arg, char *machine, size_t mlen,
			  char *accel, size_t alen)
{
	const char *p = arg, *acc = strstr(arg, "accel=");

	if (!strncmp(p, "type=", 5))
		p += 5;
	if (strchr(p, '=') > p + strcspn(p, ",") || !strchr(p, '='))
		snprintf(machine, mlen, "%.*s", (int)strcspn(p, ","), p);
	if (acc)
		snprintf(accel, alen, "%.*s", (int)strcspn(acc + 6, ",:"), acc + 6);
	ld_make_printable(machine);
	ld_make_printable(accel);
}

static void parse_cmdline(struct ld_qemu_proc *q, const char *buf, size_t len)
{
	const char *args[256];
	size_t n = 0;

	for (size_t off = 0; off < len && n < 256; off += strlen(buf + off) + 1)
		args[n++] = buf + off;
	q->ram_bytes = QEMU_DEFAULT_RAM;
	for (size_t i = 1; i < n; i++) {
		const char *a = args[i], *v = i + 1 < n ? args[i + 1] : NULL;

		if (a[0] == '-' && a[1] == '-')
			a++;	/* QEMU takes --opt like -opt */
		if (!v)
			break;
		if (!strcmp(a, "-name"))
			parse_name(v, q->name, sizeof(q->name));
		else if (!strcmp(a, "-m"))
			q->ram_bytes = ld_parse_qemu_mem(v);
		else if (!strcmp(a, "-machine") || !strcmp(a, "-M"))
			parse_machine(v, q->machine, sizeof(q->machine),
				      q->accel, sizeof(q->accel));
		else if (!strcmp(a, "-accel"))
			snprintf(q->accel, sizeof(q->accel), "%.*s",
				 (int)strcspn(v, ","), v);
		else
			continue;
		i++;
	}
	for (size_t i = 1; i < n; i++)
		if (!strcmp(args[i], "-enable-kvm") && !q->accel[0])
			snprintf(q->accel, sizeof(q->accel), "kvm");
	ld_make_printable(q->accel);
}

static pid_t tracer_of(pid_t pid)
{
	size_t len;
	char *st = read_proc_file(pid, "status", &len), *t;
	pid_t tracer = 0;

	if (st && (t = strstr(st, "\nTracerPid:")))
		tracer = (pid_t)strtol(t + 11, NULL, 10);
	free(st);
	return tracer;
}

/* Is the executable a QEMU system emulator?  Fills binary. */
static bool is_qemu(pid_t pid, char *binary, size_t len)
{
	char link[64];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, binary, len - 1);
	if (n <= 0)
		return false;
	binary[n] = '\0';
	base = strrchr(binary, '/');
	base = base ? base + 1 : binary;
	return !strncmp(base, "qemu-system-", 12) || !strncmp(base, "qemu-kvm", 8);
}

void ld_discover_cmdline(struct ld_qemu_proc *q)
{
	size_t len;
	char *cmd = read_proc_file(q->pid, "cmdline", &len);

	if (!q->binary[0])
		is_qemu(q->pid, q->binary, sizeof(q->binary));
	if (cmd)
		parse_cmdline(q, cmd, len);
	free(cmd);
	q->tracer = tracer_of(q->pid);
	ld_make_printable(q->binary);
}

static void describe(struct ld_qemu_proc *q)
{
	char exe[64];
	struct ld_error *err;

	ld_discover_cmdline(q);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)q->pid);
	err = ld_binary_identify(exe, q->binary, &q->id);
	ld_error_free(err);
	ld_layout_source_guess(q->pid, &q->id, q->layouts, sizeof(q->layouts));
}

static int by_pid(const void *a, const void *b)
{
	const struct ld_qemu_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

struct ld_error *ld_discover(struct ld_qemu_proc **out, size_t *count)
{
	DIR *d = opendir("/proc");
	struct ld_qemu_proc *qs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	*out = NULL;
	*count = 0;
	if (!d)
		return ld_error_errno(LD_EXIT_FAILURE, errno, "listing /proc");
	while ((e = readdir(d)) && n < LD_MAX_QEMUS) {
		char *end, binary[512];
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid() ||
		    !is_qemu((pid_t)pid, binary, sizeof(binary)))
			continue;
		if (n == cap) {
			struct ld_qemu_proc *nq;

			cap = cap ? 2 * cap : 16;
			nq = reallocarray(qs, cap, sizeof(*qs));
			if (!nq) {
				free(qs);
				closedir(d);
				return &ld_error_nomem;
			}
			qs = nq;
		}
		memset(&qs[n], 0, sizeof(qs[n]));
		qs[n].pid = (pid_t)pid;
		snprintf(qs[n].binary, sizeof(qs[n].binary), "%s", binary);
		describe(&qs[n]);
		n++;
	}
	closedir(d);
	qsort(qs, n, sizeof(*qs), by_pid);
	*out = qs;
	*count = n;
	return NULL;
}

/* "4 GiB", "512 MiB", "?". */
static void ram_text(uint64_t b, char *out, size_t len)
{
	if (!b)
		snprintf(out, len, "?");
	else if (b % (1ull << 30) == 0)
		snprintf(out, len, "%" PRIu64 "G", b >> 30);
	else
		snprintf(out, len, "%" PRIu64 "M", b >> 20);
}

static void version_text(const struct ld_qemu_proc *q, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(q->id.version, " "),
		 q->id.version[0] ? q->id.version : "?");
}

static void print_json(FILE *f, const struct ld_qemu_proc *qs, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct ld_qemu_proc *q = &qs[i];
		bool first = true;

		fputs(i ? ",\n{" : "\n{", f);
		ld_json_key(f, "pid", &first);
		fprintf(f, "%d", (int)q->pid);
		ld_json_key(f, "name", &first);
		ld_json_string(f, q->name[0] ? q->name : NULL);
		ld_json_key(f, "binary", &first);
		ld_json_string(f, q->binary);
		ld_json_key(f, "qemu_version", &first);
		ld_json_string(f, q->id.version[0] ? q->id.version : NULL);
		ld_json_key(f, "build_id", &first);
		ld_json_string(f, q->id.build_id[0] ? q->id.build_id : NULL);
		ld_json_key(f, "target", &first);
		ld_json_string(f, q->id.target[0] ? q->id.target : NULL);
		ld_json_key(f, "ram_bytes", &first);
		fprintf(f, "%" PRIu64, q->ram_bytes);
		ld_json_key(f, "machine", &first);
		ld_json_string(f, q->machine[0] ? q->machine : NULL);
		ld_json_key(f, "accel", &first);
		ld_json_string(f, q->accel[0] ? q->accel : NULL);
		ld_json_key(f, "layouts", &first);
		ld_json_string(f, q->layouts);
		ld_json_key(f, "tracer_pid", &first);
		fprintf(f, "%d", (int)q->tracer);
		fputs("\n}", f);
	}
	fputs("\n]\n", f);
}

void ld_discover_print(FILE *f, const struct ld_qemu_proc *qs, size_t n,
		       bool json)
{
	if (json) {
		print_json(f, qs, n);
		return;
	}
	fprintf(f, "%-8s %-20s %-10s %-9s %-6s %-14s %-8s %s\n", "PID", "NAME",
		"QEMU", "TARGET", "RAM", "MACHINE", "TRACED", "LAYOUTS / BINARY");
	for (size_t i = 0; i < n; i++) {
		const struct ld_qemu_proc *q = &qs[i];
		char ram[32], ver[32], traced[16];

		ram_text(q->ram_bytes, ram, sizeof(ram));
		version_text(q, ver, sizeof(ver));
		if (q->tracer)
			snprintf(traced, sizeof(traced), "%d", (int)q->tracer);
		else
			snprintf(traced, sizeof(traced), "no");
		fprintf(f, "%-8d %-20s %-10s %-9s %-6s %-14s %-8s %s\n         %s\n",
			(int)q->pid, q->name[0] ? q->name : "-", ver,
			q->id.target[0] ? q->id.target : "?", ram,
			q->machine[0] ? q->machine : "-", traced, q->layouts,
			q->binary);
	}
	if (!n)
		fprintf(f, "(no QEMU process found)\n");
}

struct ld_error *ld_discover_by_name(const char *name, pid_t *pid)
{
	struct ld_qemu_proc *qs;
	size_t n, hits = 0;
	char list[2048] = "";
	size_t used = 0;
	struct ld_error *err = ld_discover(&qs, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		int w;

		if (!strcmp(qs[i].name, name)) {
			hits++;
			*pid = qs[i].pid;
		}
		w = snprintf(list + used, sizeof(list) - used, "%s%d (%s)",
			     used ? ", " : "", (int)qs[i].pid,
			     qs[i].name[0] ? qs[i].name : "no name");
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += w;
	}
	free(qs);
	if (hits == 1)
		return NULL;
	return ld_error(LD_EXIT_TARGET, "%s QEMU process is named '%s'; QEMU processes here: %s",
			hits ? "more than one" : "no", name,
			n ? list : "none");
}
