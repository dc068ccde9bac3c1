// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - the end-of-run summary and its JSON twin; see report.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "report.h"
#include "textfile.h"

void ld_report_print_warnings(const struct ld_report *r, FILE *f)
{
	for (unsigned int i = 0; i < r->warnings.count; i++)
		fprintf(f, "qemu-livedump: warning: %s\n", r->warnings.text[i]);
	if (r->warnings.dropped)
		fprintf(f, "qemu-livedump: warning: %u more warnings not shown\n",
			r->warnings.dropped);
}

void ld_report_set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

void ld_report_free(struct ld_report *r)
{
	ld_warnings_free(&r->warnings);
	ld_report_set(&r->layout_source, NULL);
	ld_report_set(&r->layout_cached, NULL);
	ld_report_set(&r->qemu_version, NULL);
	ld_report_set(&r->qemu_build_id, NULL);
	ld_report_set(&r->qemu_root, NULL);
	ld_report_set(&r->qemu_binary, NULL);
	ld_report_set(&r->vm_name, NULL);
	ld_report_set(&r->machine, NULL);
	ld_report_set(&r->freeze_priority, NULL);
	free(r->mem_blocks);
	r->mem_blocks = NULL;
	r->nmem_blocks = 0;
	ld_report_set(&r->vmcoreinfo_source, NULL);
	ld_backtraces_free(&r->backtraces);
}

static double mib(uint64_t bytes)
{
	return bytes / (1024.0 * 1024.0);
}

/* What the dump level left out, class by class. */
static void print_dump_level(const struct ld_report *r, FILE *f)
{
	fprintf(f, "  dump level %u: left out", r->dump_level.level);
	for (unsigned int c = 0; c < LD_EXCL_CLASSES; c++)
		fprintf(f, "%s %" PRIu64 " %s", c ? "," : "",
			r->dump_level.excluded[c], ld_excluded_class_name(c));
	fprintf(f, " pages");
	if (r->dump_level.walked)
		fprintf(f, " (%" PRIu64 " struct pages read in %.3f s)",
			r->dump_level.struct_pages, r->dump_level.walk_s);
	fputc('\n', f);
}

void ld_report_print_summary(const struct ld_report *r, FILE *f)
{
	double rate = r->copy_s > 0 ? mib(r->bytes_total) / r->copy_s : 0;

	fprintf(f, "qemu-livedump: pid %d -> %s (%s)\n", (int)r->pid,
		r->output ? r->output : "?", r->arch ? r->arch : "?");
	fprintf(f, "  blocks %" PRIu64 ", %.1f MiB of guest RAM (%.1f MiB written, %.1f MiB holes), %" PRIu64 " vCPUs\n",
		r->blocks, mib(r->bytes_total), mib(r->bytes_written),
		mib(r->bytes_hole), r->vcpus);
	fprintf(f, "  duration %.3f s (copy %.3f s, %.1f MiB/s), VM frozen %" PRIu64 " us (%s mode, %" PRIu64 " threads)\n",
		r->duration_s, r->copy_s, rate, r->freeze_us,
		r->freeze_mode ? r->freeze_mode : "?", r->threads);
	if (r->kdump.present)
		fprintf(f, "  %s%s: %" PRIu64 " pages, %" PRIu64 " zero, %" PRIu64 " compressed, %" PRIu64 " stored as is (%u threads)\n",
			r->format, r->kdump.flattened ? " (flattened)" : "",
			r->kdump.pages, r->kdump.zero_pages,
			r->kdump.compressed_pages, r->kdump.raw_pages,
			r->kdump.threads);
	if (r->dump_level.level)
		print_dump_level(r, f);
	if (r->skipped_ram_device || r->skipped_nonvolatile)
		fprintf(f, "  left out as QEMU's dump does: %" PRIu64 " device RAM region(s) (never read), %" PRIu64 " non-volatile region(s)\n",
			r->skipped_ram_device, r->skipped_nonvolatile);
	if (r->backtraces.count)
		fprintf(f, "  backtraces of %zu QEMU threads taken while frozen%s\n",
			r->backtraces.count,
			r->exit_code || !r->report_path ? "" : " (in the JSON report)");
	fprintf(f, "  QEMU %s%s%s, layouts from %s (resolved in %" PRIu64 " us), vmcoreinfo: %s\n",
		r->qemu_version ? r->qemu_version : "?",
		r->qemu_root ? " in another root: " : "",
		r->qemu_root ? r->qemu_root : "",
		r->layout_source ? r->layout_source : "?", r->debuginfo_us,
		r->vmcoreinfo ? r->vmcoreinfo_source : "none");
	if (r->layout_cached)
		fprintf(f, "  layouts cached as %s\n", r->layout_cached);
}

/* Every block of guest RAM in the vmcore, in file order. */
/* The kdump format's page counts, or null for ELF. */
static void json_kdump(FILE *f, const struct ld_report *r)
{
	bool first = true;

	if (!r->kdump.present) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	ld_json_key(f, "flattened", &first);
	fputs(r->kdump.flattened ? "true" : "false", f);
	ld_json_key(f, "threads", &first);
	fprintf(f, "%u", r->kdump.threads);
	ld_json_key(f, "pages", &first);
	fprintf(f, "%" PRIu64, r->kdump.pages);
	ld_json_key(f, "zero_pages", &first);
	fprintf(f, "%" PRIu64, r->kdump.zero_pages);
	ld_json_key(f, "compressed_pages", &first);
	fprintf(f, "%" PRIu64, r->kdump.compressed_pages);
	ld_json_key(f, "raw_pages", &first);
	fprintf(f, "%" PRIu64, r->kdump.raw_pages);
	fputc('}', f);
}

/* The dump level and the pages it left out, per class. */
static void json_dump_level(FILE *f, const struct ld_report *r)
{
	bool first = true, efirst = true;

	fputc('{', f);
	ld_json_key(f, "level", &first);
	fprintf(f, "%u", r->dump_level.level);
	ld_json_key(f, "struct_pages_read", &first);
	fputs(r->dump_level.walked ? "true" : "false", f);
	ld_json_key(f, "struct_pages", &first);
	fprintf(f, "%" PRIu64, r->dump_level.struct_pages);
	ld_json_key(f, "walk_s", &first);
	fprintf(f, "%.6f", r->dump_level.walk_s);
	ld_json_key(f, "excluded_pages", &first);
	fputc('{', f);
	for (unsigned int c = 0; c < LD_EXCL_CLASSES; c++) {
		ld_json_key(f, ld_excluded_class_name(c), &efirst);
		fprintf(f, "%" PRIu64, r->dump_level.excluded[c]);
	}
	fputs("}}", f);
}

static void json_blocks(FILE *f, const struct ld_report *r)
{
	fputc('[', f);
	for (size_t i = 0; i < r->nmem_blocks; i++) {
		const struct ld_block *b = &r->mem_blocks[i];

		fprintf(f, "%s\n    {\"gpa\": %" PRIu64 ", \"size\": %" PRIu64
			", \"host\": %" PRIu64 ", \"region\": ", i ? "," : "",
			b->gpa, b->size, b->host);
		ld_json_string(f, b->name);
		fputs(", \"ramblock\": ", f);
		ld_json_string(f, b->ramblock[0] ? b->ramblock : NULL);
		fputc('}', f);
	}
	fputs(r->nmem_blocks ? "\n  ]" : "]", f);
}

/* "0x... sym+0x10 (softmmu/cpus.c:123)": one frame, as both outputs say it. */
static void frame_text(const struct ld_frame *fr, char *text, size_t len)
{
	int n;

	if (fr->sym[0])
		n = snprintf(text, len, "0x%016" PRIx64 " %s+0x%" PRIx64,
			     fr->ip, fr->sym, fr->offset);
	else
		n = snprintf(text, len, "0x%016" PRIx64 " ?", fr->ip);
	if (fr->file[0] && n > 0 && (size_t)n < len)
		snprintf(text + n, len - (size_t)n, " (%s:%u)", fr->file,
			 fr->line);
}

/* "sleeping, in futex": what the thread was doing when it was stopped. */
static void state_text(const struct ld_thread_trace *t, char *text, size_t len)
{
	const char *call = ld_backtrace_syscall_name(t->syscall);
	int n = snprintf(text, len, "%s", ld_backtrace_state_name(t->state));

	if (n < 0 || (size_t)n >= len)
		return;
	if (t->syscall == -1)
		snprintf(text + n, len - (size_t)n, ", in user code");
	else if (t->syscall >= 0 && call)
		snprintf(text + n, len - (size_t)n, ", in %s", call);
	else if (t->syscall >= 0)
		snprintf(text + n, len - (size_t)n, ", in syscall %ld", t->syscall);
}

static void json_threads(FILE *f, const struct ld_backtraces *bt)
{
	fputc('[', f);
	for (size_t i = 0; i < bt->count; i++) {
		const struct ld_thread_trace *t = &bt->threads[i];
		char state[2] = { t->state, '\0' }, text[300];

		fprintf(f, "%s\n    {\"tid\": %d, \"name\": ", i ? "," : "",
			(int)t->tid);
		ld_json_string(f, t->name);
		fputs(", \"state\": ", f);
		ld_json_string(f, t->state == '?' ? NULL : state);
		state_text(t, text, sizeof(text));
		fputs(", \"doing\": ", f);
		ld_json_string(f, text);
		fputs(", \"syscall\": ", f);
		if (t->syscall >= -1)
			fprintf(f, "%ld", t->syscall);
		else
			fputs("null", f);
		fputs(", \"frames\": [", f);
		for (unsigned int j = 0; j < t->nframes; j++) {
			frame_text(&t->frames[j], text, sizeof(text));
			fputs(j ? ", " : "", f);
			ld_json_string(f, text);
		}
		fputs("], \"error\": ", f);
		ld_json_string(f, t->error[0] ? t->error : NULL);
		fputc('}', f);
	}
	fputs(bt->count ? "\n  ]" : "]", f);
}

static void json_render(const struct ld_report *r, FILE *f)
{
	bool first = true;

	fputc('{', f);
	ld_json_key(f, "tool", &first);
	ld_json_string(f, PACKAGE_STRING);
	ld_json_key(f, "pid", &first);
	fprintf(f, "%d", (int)r->pid);
	ld_json_key(f, "arch", &first);
	ld_json_string(f, r->arch);
	ld_json_key(f, "arch_source", &first);
	ld_json_string(f, r->arch_source);
	ld_json_key(f, "output", &first);
	ld_json_string(f, r->output);
	ld_json_key(f, "freeze_mode", &first);
	ld_json_string(f, r->freeze_mode);
	ld_json_key(f, "freeze_us", &first);
	fprintf(f, "%" PRIu64, r->freeze_us);
	ld_json_key(f, "freeze_priority", &first);
	ld_json_string(f, r->freeze_priority);
	ld_json_key(f, "threads_frozen", &first);
	fprintf(f, "%" PRIu64, r->threads);
	ld_json_key(f, "result", &first);
	ld_json_string(f, r->exit_code ? "failed" : "ok");
	ld_json_key(f, "vm_name", &first);
	ld_json_string(f, r->vm_name);
	ld_json_key(f, "machine", &first);
	ld_json_string(f, r->machine);
	ld_json_key(f, "qemu_binary", &first);
	ld_json_string(f, r->qemu_binary);
	ld_json_key(f, "qemu_version", &first);
	ld_json_string(f, r->qemu_version);
	ld_json_key(f, "qemu_build_id", &first);
	ld_json_string(f, r->qemu_build_id);
	ld_json_key(f, "qemu_root", &first);
	ld_json_string(f, r->qemu_root);
	ld_json_key(f, "layout_source", &first);
	ld_json_string(f, r->layout_source);
	ld_json_key(f, "layout_cached", &first);
	ld_json_string(f, r->layout_cached);
	ld_json_key(f, "debuginfo_us", &first);
	fprintf(f, "%" PRIu64, r->debuginfo_us);
	ld_json_key(f, "accel", &first);
	ld_json_string(f, r->accel);
	ld_json_key(f, "format", &first);
	ld_json_string(f, r->format ? r->format : "elf");
	ld_json_key(f, "kdump", &first);
	json_kdump(f, r);
	ld_json_key(f, "dump_level", &first);
	json_dump_level(f, r);
	ld_json_key(f, "elf_class", &first);
	fprintf(f, "%u", r->elf_class);
	ld_json_key(f, "elf_machine", &first);
	fprintf(f, "%u", r->elf_machine);
	ld_json_key(f, "cpu_notes_source", &first);
	ld_json_string(f, r->cpu_notes_source);
	ld_json_key(f, "blocks", &first);
	fprintf(f, "%" PRIu64, r->blocks);
	ld_json_key(f, "memory_blocks", &first);
	json_blocks(f, r);
	ld_json_key(f, "bytes_total", &first);
	fprintf(f, "%" PRIu64, r->bytes_total);
	ld_json_key(f, "bytes_copied", &first);
	fprintf(f, "%" PRIu64, r->bytes_total);
	ld_json_key(f, "bytes_written", &first);
	fprintf(f, "%" PRIu64, r->bytes_written);
	ld_json_key(f, "bytes_hole", &first);
	fprintf(f, "%" PRIu64, r->bytes_hole);
	ld_json_key(f, "skipped_ram_device", &first);
	fprintf(f, "%" PRIu64, r->skipped_ram_device);
	ld_json_key(f, "skipped_nonvolatile", &first);
	fprintf(f, "%" PRIu64, r->skipped_nonvolatile);
	ld_json_key(f, "vcpus", &first);
	fprintf(f, "%" PRIu64, r->vcpus);
	ld_json_key(f, "vmcoreinfo", &first);
	ld_json_string(f, r->vmcoreinfo ? r->vmcoreinfo_source : NULL);
	ld_json_key(f, "duration_s", &first);
	fprintf(f, "%.6f", r->duration_s);
	ld_json_key(f, "copy_s", &first);
	fprintf(f, "%.6f", r->copy_s);
	ld_json_key(f, "throughput_mib_s", &first);
	fprintf(f, "%.1f", r->copy_s > 0 ? mib(r->bytes_total) / r->copy_s : 0.0);
	ld_json_key(f, "warnings", &first);
	fputc('[', f);
	for (unsigned int i = 0; i < r->warnings.count; i++) {
		if (i)
			fputs(", ", f);
		ld_json_string(f, r->warnings.text[i]);
	}
	fputc(']', f);
	ld_json_key(f, "warnings_not_kept", &first);
	fprintf(f, "%u", r->warnings.dropped);
	ld_json_key(f, "threads", &first);
	json_threads(f, &r->backtraces);
	ld_json_key(f, "exit_code", &first);
	fprintf(f, "%d", r->exit_code);
	ld_json_key(f, "error", &first);
	ld_json_string(f, r->error);
	fputs("\n}\n", f);
}

static void render_json(FILE *f, const void *ctx)
{
	json_render(ctx, f);
}

struct ld_error *ld_report_write_json(const struct ld_report *r,
				      const char *path)
{
	/* The report names the guest and where its memory went: 0600 too. */
	return ld_write_text_file(path, 0600, "report", render_json, r);
}

static void render_threads(FILE *f, const void *ctx)
{
	const struct ld_report *r = ctx;
	const struct ld_backtraces *bt = &r->backtraces;

	fprintf(f, "# QEMU pid %d: %zu threads, stacks taken while frozen by %s\n",
		(int)r->pid, bt->count, PACKAGE_STRING);
	fputs("# (state just before the freeze, the system call it was stopped in)\n", f);
	for (size_t i = 0; i < bt->count; i++) {
		const struct ld_thread_trace *t = &bt->threads[i];
		char text[300];

		state_text(t, text, sizeof(text));
		fprintf(f, "\nThread %d \"%s\" (%s)\n", (int)t->tid, t->name, text);
		for (unsigned int j = 0; j < t->nframes; j++) {
			frame_text(&t->frames[j], text, sizeof(text));
			fprintf(f, "  #%-2u %s\n", j, text);
		}
		if (t->error[0])
			fprintf(f, "  (unwinding stopped: %s)\n", t->error);
	}
}

struct ld_error *ld_report_write_threads(const struct ld_report *r,
					 const char *path)
{
	/* Stacks can hold guest-related pointers: as private as the vmcore. */
	return ld_write_text_file(path, 0600, "thread backtraces",
				  render_threads, r);
}
