// SPDX-License-Identifier: GPL-2.0-or-later
/* debuginfo.c - symbols and struct layouts from DWARF via libdwfl. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo.h"

/* Nesting bounds: DWARF is input too, a broken one must not recurse away. */
#define MAX_TYPE_DEPTH 16
#define MAX_SCOPE_DEPTH 32

struct ld_debuginfo {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	char *path;		/* the executable, for messages */
	char *debuginfo_file;	/* explicit separate debuginfo, or NULL */
	char *build_id;		/* hex, or NULL */
	pid_t pid;		/* live process, or 0 */
	char *root;		/* "/proc/PID/root" when QEMU's root is not
				   ours (container, chroot), else NULL */
	char *search_path;	/* libdwfl's debuginfo_path for this one */
	Dwfl_Callbacks callbacks;	/* dwfl keeps a pointer: lives here */
	bool no_search;		/* never look for separate debuginfo */
	/* Set by the find_debuginfo callback for open_*() to report. */
	int debuginfo_errno;
	bool debuginfo_mismatch;
};

/*
 * Function-static symbols live only in DWARF (the symbol table, if any,
 * has them as "name.N").  Function bodies are searched only in CUs that
 * name the variable's type at top level (QEMU: hw/misc/vmcoreinfo.c, and
 * a few that include its header), which keeps the DWARF pass cheap.
 */
static const struct {
	enum ld_symbol sym;
	const char *type;
} static_symbols[] = {
	{ LS_VMCOREINFO_STATE, "VMCoreInfoState" },
};

/* ---- opening ----------------------------------------------------------- */

static char *hex_string(const unsigned char *bytes, size_t len)
{
	char *s = malloc(len * 2 + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		sprintf(s + 2 * i, "%02x", bytes[i]);
	s[len * 2] = '\0';
	return s;
}

/*
 * libdwfl calls this when the module itself has no DWARF.  With an explicit
 * file we hand that file over (after checking it belongs to the module:
 * DWARF of another build would give wrong offsets silently); otherwise the
 * standard search (build-id, .gnu_debuglink, debuginfod).
 */
static int find_debuginfo_cb(Dwfl_Module *mod, void **userdata,
			     const char *modname, Dwarf_Addr base,
			     const char *file_name, const char *debuglink_file,
			     GElf_Word debuglink_crc,
			     char **debuginfo_file_name)
{
	struct ld_debuginfo *di = *userdata;
	const unsigned char *mod_id;
	const void *file_id;
	GElf_Addr vaddr;
	ssize_t file_len;
	int mod_len, fd;
	bool mismatch;
	Elf *elf;

	if (di && di->no_search)
		return -1;
	if (!di || !di->debuginfo_file)
		return dwfl_standard_find_debuginfo(mod, userdata, modname,
						    base, file_name,
						    debuglink_file,
						    debuglink_crc,
						    debuginfo_file_name);
	fd = open(di->debuginfo_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		di->debuginfo_errno = errno;
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		di->debuginfo_errno = ENOEXEC;
		close(fd);
		return -1;
	}
	mod_len = dwfl_module_build_id(mod, &mod_id, &vaddr);
	file_len = dwelf_elf_gnu_build_id(elf, &file_id);
	mismatch = mod_len > 0 && file_len > 0 &&
		   (file_len != mod_len || memcmp(file_id, mod_id, mod_len));
	elf_end(elf);	/* file_id pointed into it */
	if (mismatch) {
		di->debuginfo_mismatch = true;
		close(fd);
		return -1;
	}
	*debuginfo_file_name = strdup(di->debuginfo_file);
	return fd;
}

/* Path without the " (deleted)" the kernel appends to replaced files. */
static size_t path_len(const char *p)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(p), dl = sizeof(deleted) - 1;

	if (len > dl && !strcmp(p + len - dl, deleted))
		return len - dl;
	return len;
}

/*
 * The executable of a live process is read through /proc/PID/exe: that is
 * the file actually running even after an upgrade deleted or replaced it
 * (QEMU runs for months), and it works across mount namespaces.  Other
 * modules (never used here) go the standard way.
 */
static int proc_find_elf_cb(Dwfl_Module *mod, void **userdata,
			    const char *module_name, Dwarf_Addr base,
			    char **file_name, Elf **elfp)
{
	struct ld_debuginfo *di = *userdata;
	char link[64];
	int fd;

	if (!di || di->pid <= 0 || di->mod != mod)
		return dwfl_linux_proc_find_elf(mod, userdata, module_name,
						base, file_name, elfp);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)di->pid);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/*
	 * The name libdwfl reports and searches .gnu_debuglink beside: in
	 * QEMU's own root, which may not be ours.
	 */
	if (di->root) {
		if (asprintf(file_name, "%s%.*s", di->root,
			     (int)path_len(di->path), di->path) < 0)
			*file_name = NULL;
	} else {
		*file_name = strndup(di->path, path_len(di->path));
	}
	*elfp = NULL;
	return fd;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = proc_find_elf_cb,
	.find_debuginfo = find_debuginfo_cb,
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo_cb,
	.section_address = dwfl_offline_section_address,
};

/*
 * Where separate debuginfo is looked for: libdwfl's default (beside the
 * binary, its .debug/, /usr/lib/debug), with QEMU's own /usr/lib/debug
 * first when QEMU lives in another root.  The build-id decides which file
 * fits, so looking in both is safe.
 */
static struct ld_error *set_search_path(struct ld_debuginfo *di)
{
	int n;

	if (di->root)
		n = asprintf(&di->search_path, ":.debug:%s/usr/lib/debug:/usr/lib/debug",
			     di->root);
	else
		n = asprintf(&di->search_path, ":.debug:/usr/lib/debug");
	if (n < 0) {
		di->search_path = NULL;
		return &ld_error_nomem;
	}
	di->callbacks.debuginfo_path = &di->search_path;
	return NULL;
}

static struct ld_error *di_new(const char *path, const char *debuginfo_file,
			       const Dwfl_Callbacks *cb, const char *root,
			       struct ld_debuginfo **out)
{
	struct ld_debuginfo *di = calloc(1, sizeof(*di));

	if (!di)
		return &ld_error_nomem;
	di->path = strdup(path);
	di->debuginfo_file = debuginfo_file ? strdup(debuginfo_file) : NULL;
	di->root = root ? strdup(root) : NULL;
	di->callbacks = *cb;
	if (!di->path || (debuginfo_file && !di->debuginfo_file) ||
	    (root && !di->root) || set_search_path(di)) {
		ld_debuginfo_close(di);
		return &ld_error_nomem;
	}
	di->dwfl = dwfl_begin(&di->callbacks);
	if (!di->dwfl) {
		ld_debuginfo_close(di);
		return ld_error(LD_EXIT_FAILURE, "libdwfl: %s",
				dwfl_errmsg(-1));
	}
	*out = di;
	return NULL;
}

/*
 * Common tail of both opens: attach ourselves to the module (the
 * find_debuginfo callback needs the explicit file), note the build-id and,
 * with an explicit debuginfo file, load it now so that a wrong file is
 * reported here rather than as "no DWARF" later.
 */
static struct ld_error *di_finish(struct ld_debuginfo *di)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	Dwarf_Addr bias;
	void **userdata;
	int len;

	dwfl_module_info(di->mod, &userdata, NULL, NULL, NULL, NULL, NULL,
			 NULL);
	*userdata = di;
	if (!dwfl_module_getelf(di->mod, &bias))
		return ld_error(LD_EXIT_TARGET, "cannot read ELF file %s: %s",
				di->path, dwfl_errmsg(-1));
	len = dwfl_module_build_id(di->mod, &id, &vaddr);
	if (len > 0) {
		di->build_id = hex_string(id, len);
		if (!di->build_id)
			return &ld_error_nomem;
	}
	if (!di->debuginfo_file)
		return NULL;
	if (!dwfl_module_getdwarf(di->mod, &bias)) {
		if (di->debuginfo_mismatch)
			return ld_error(LD_EXIT_DEBUGINFO,
					"debuginfo file %s does not belong to %s (build-id %s differs)",
					di->debuginfo_file, di->path,
					di->build_id ? di->build_id : "?");
		if (di->debuginfo_errno)
			return ld_error_errno(LD_EXIT_DEBUGINFO,
					      di->debuginfo_errno,
					      "opening debuginfo file %s",
					      di->debuginfo_file);
		return ld_error(LD_EXIT_DEBUGINFO,
				"no DWARF in debuginfo file %s: %s",
				di->debuginfo_file, dwfl_errmsg(-1));
	}
	/* (Not called at all when the executable has DWARF of its own.) */
	return NULL;
}

struct ld_error *ld_debuginfo_open_file(const char *binary,
					const char *debuginfo_file,
					struct ld_debuginfo **out)
{
	struct ld_debuginfo *di;
	struct ld_error *err;
	int fd;

	*out = NULL;
	/* libdwfl's errors do not say "no such file": check ourselves. */
	fd = open(binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ld_error_errno(LD_EXIT_TARGET, errno, "opening %s",
				      binary);
	close(fd);
	err = di_new(binary, debuginfo_file, &offline_callbacks, NULL, &di);
	if (err)
		return err;
	dwfl_report_begin(di->dwfl);
	/*
	 * dwfl_report_elf at base 0 rather than dwfl_report_offline: the
	 * latter moves PIE executables away from 0, and --write-profile
	 * wants addresses as linked.
	 */
	di->mod = dwfl_report_elf(di->dwfl, binary, binary, -1, 0, false);
	if (!di->mod) {
		err = ld_error(LD_EXIT_TARGET, "%s: %s", binary,
			       dwfl_errmsg(-1));
		ld_debuginfo_close(di);
		return err;
	}
	dwfl_report_end(di->dwfl, NULL, NULL);
	err = di_finish(di);
	if (err) {
		ld_debuginfo_close(di);
		return err;
	}
	*out = di;
	return NULL;
}

struct find_main {
	const char *exe;
	Dwfl_Module *mod;
};

static int find_main_cb(Dwfl_Module *mod, void **userdata, const char *name,
			Dwarf_Addr start, void *arg)
{
	struct find_main *fm = arg;
	size_t len = path_len(fm->exe);

	(void)userdata;
	(void)start;
	if (name && path_len(name) == len && !strncmp(name, fm->exe, len)) {
		fm->mod = mod;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/* Is QEMU's root directory ours?  Unknown counts as ours. */
static bool same_root(const char *proc_root)
{
	struct stat a, b;

	if (stat(proc_root, &a) || stat("/", &b))
		return true;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

struct ld_error *ld_debuginfo_open_pid(pid_t pid, const char *debuginfo_file,
				       struct ld_debuginfo **out)
{
	char link[64], root[64], exe[PATH_MAX];
	struct find_main fm = { exe, NULL };
	struct ld_debuginfo *di;
	struct ld_error *err;
	ssize_t len;
	int rc;

	*out = NULL;
	if (pid <= 0)
		return ld_error(LD_EXIT_TARGET, "invalid pid %d", (int)pid);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	len = readlink(link, exe, sizeof(exe) - 1);
	if (len < 0) {
		int e = errno;

		if (e == ENOENT || e == ESRCH)
			return ld_error(LD_EXIT_TARGET, "no process %d",
					(int)pid);
		return ld_error_errno(e == EACCES || e == EPERM ?
				      LD_EXIT_PERMISSION : LD_EXIT_TARGET, e,
				      "reading %s", link);
	}
	exe[len] = '\0';
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	err = di_new(exe, debuginfo_file, &proc_callbacks,
		     same_root(root) ? NULL : root, &di);
	if (err)
		return err;
	dwfl_report_begin(di->dwfl);
	rc = dwfl_linux_proc_report(di->dwfl, pid);
	dwfl_report_end(di->dwfl, NULL, NULL);
	if (rc) {
		if (rc > 0)
			err = ld_error_errno(rc == EACCES || rc == EPERM ?
					     LD_EXIT_PERMISSION :
					     LD_EXIT_TARGET, rc,
					     "reading the memory map of process %d",
					     (int)pid);
		else
			err = ld_error(LD_EXIT_TARGET,
				       "reading the memory map of process %d: %s",
				       (int)pid, dwfl_errmsg(-1));
		ld_debuginfo_close(di);
		return err;
	}
	/* The executable is the module mapped from /proc/PID/exe's file. */
	dwfl_getmodules(di->dwfl, find_main_cb, &fm, 0);
	if (!fm.mod) {
		ld_debuginfo_close(di);
		return ld_error(LD_EXIT_TARGET,
				"executable %s of process %d not found in its memory map",
				exe, (int)pid);
	}
	di->mod = fm.mod;
	di->pid = pid;
	err = di_finish(di);
	if (err) {
		ld_debuginfo_close(di);
		return ld_error_context(err, "process %d", (int)pid);
	}
	*out = di;
	return NULL;
}

bool ld_debuginfo_has_own_dwarf(struct ld_debuginfo *di)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(di->mod, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") ||
			     !strcmp(name, ".zdebug_info")))
			return true;
	}
	return false;
}

void ld_debuginfo_no_search(struct ld_debuginfo *di)
{
	di->no_search = true;
}

const char *ld_debuginfo_root(struct ld_debuginfo *di)
{
	return di->root;
}

const char *ld_debuginfo_path(struct ld_debuginfo *di)
{
	return di->path;
}

bool ld_debuginfo_has_dwarf(struct ld_debuginfo *di)
{
	Dwarf_Addr bias;

	return dwfl_module_getdwarf(di->mod, &bias) != NULL;
}

const char *ld_debuginfo_build_id(struct ld_debuginfo *di)
{
	return di->build_id;
}

bool ld_debuginfo_source_line(struct ld_debuginfo *di, uint64_t addr,
			      char *file, size_t len, unsigned int *line)
{
	Dwfl_Line *dl;
	const char *src, *base;
	int lineno = 0;

	file[0] = '\0';
	*line = 0;
	if (!di->mod)
		return false;
	dl = dwfl_module_getsrc(di->mod, addr);
	if (!dl)
		return false;
	src = dwfl_lineinfo(dl, NULL, &lineno, NULL, NULL, NULL);
	if (!src || lineno <= 0)
		return false;
	/* "softmmu/cpus.c" says more than "cpus.c", a build path less */
	base = strrchr(src, '/');
	if (base) {
		const char *dir = base;

		while (dir > src && dir[-1] != '/')
			dir--;
		base = dir;
	} else {
		base = src;
	}
	snprintf(file, len, "%s", base);
	*line = (unsigned int)lineno;
	return true;
}

void ld_debuginfo_close(struct ld_debuginfo *di)
{
	if (!di)
		return;
	if (di->dwfl)
		dwfl_end(di->dwfl);
	free(di->path);
	free(di->root);
	free(di->search_path);
	free(di->debuginfo_file);
	free(di->build_id);
	free(di);
}

/* ---- symbols ----------------------------------------------------------- */

/*
 * One pass over the symbol table (.symtab, or .dynsym when stripped).
 * Only defined data objects count.  A global definition wins; a local one
 * is taken only if it is the only one (a static of the same name in some
 * other file would be a different variable).  "name.N" is how GCC names
 * function-statics; those are used only when DWARF cannot say.
 */
struct sym_match {
	uint64_t addr;
	int globals, locals, dotted;
	uint64_t local_addr, dotted_addr;
};

static bool dotted_name(const char *name, const char *want)
{
	size_t n = strlen(want);

	if (strncmp(name, want, n) || name[n] != '.' || !name[n + 1])
		return false;
	for (const char *p = name + n + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void scan_symbols(struct ld_debuginfo *di,
			 struct sym_match m[LS_COUNT][LD_MAX_VARIANTS])
{
	int n = dwfl_module_getsymtab(di->mod);

	for (int i = 1; i < n; i++) {
		const char *name;
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;

		name = dwfl_module_getsym_info(di->mod, i, &sym, &addr, &shndx,
					       NULL, NULL);
		if (!name || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    shndx == SHN_UNDEF)
			continue;
		for (int s = 0; s < LS_COUNT; s++) {
			const char *const *names = ld_symbol_descs[s].names;

			for (int v = 0; v < LD_MAX_VARIANTS && names[v]; v++) {
				struct sym_match *sm = &m[s][v];

				if (!strcmp(name, names[v])) {
					if (GELF_ST_BIND(sym.st_info) == STB_LOCAL) {
						sm->locals++;
						sm->local_addr = addr;
					} else if (!sm->globals++) {
						sm->addr = addr;
					}
				} else if (dotted_name(name, names[v])) {
					sm->dotted++;
					sm->dotted_addr = addr;
				}
			}
		}
	}
}

/* The first variant (newest name first) that the symbol tables define. */
static void pick_symbols(struct sym_match m[LS_COUNT][LD_MAX_VARIANTS],
			 struct ld_layout *layout)
{
	for (int s = 0; s < LS_COUNT; s++) {
		for (int v = 0; v < LD_MAX_VARIANTS &&
				ld_symbol_descs[s].names[v]; v++) {
			if (m[s][v].globals) {
				layout->symbol[s] = m[s][v].addr;
			} else if (m[s][v].locals == 1) {
				layout->symbol[s] = m[s][v].local_addr;
			} else {
				continue;
			}
			layout->have_symbol[s] = true;
			layout->symbol_name[s] = ld_symbol_descs[s].names[v];
			break;
		}
	}
}

/* "a or b": every name a symbol was looked for under, for messages. */
static void symbol_names_text(enum ld_symbol s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int v = 0; v < LD_MAX_VARIANTS && ld_symbol_descs[s].names[v];
	     v++) {
		int n = snprintf(buf + used, len - used, "%s%s", v ? " or " : "",
				 ld_symbol_descs[s].names[v]);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
}

/* ---- DWARF: one pass over the CUs -------------------------------------- */

struct type_want {
	const char *name;
	Dwarf_Die die;		/* complete definition, typedefs peeled */
	bool found;
};

struct dwarf_scan {
	struct type_want types[LF_COUNT * LD_MAX_VARIANTS];
	int nr_types, nr_found;
	bool want_types;
	/* function-static symbols still wanted */
	bool want_static[LS_COUNT];
	int nr_static;
	Dwarf_Addr bias;
	bool big_endian;	/* the binary's byte order, not this tool's */
	struct ld_layout *layout;
};

static bool is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

/* What a wanted type may be: a struct, a union, an enum (enumerators). */
static bool is_wanted_tag(int tag)
{
	return is_aggregate(tag) || tag == DW_TAG_enumeration_type;
}

/*
 * A top-level DIE named like a wanted type: keep it if it (or what the
 * typedef names) is a complete definition.  Declarations are skipped: the
 * definition is in some other CU (QEMU's FlatRange only in memory.c).
 */
static void offer_type(struct type_want *tw, Dwarf_Die *die, int tag)
{
	Dwarf_Die peeled;

	if (tag == DW_TAG_typedef) {
		if (dwarf_peel_type(die, &peeled) != 0)
			return;
		tag = dwarf_tag(&peeled);
		/* A 16-byte base type: native __int128 as Int128. */
		if (!is_wanted_tag(tag) && tag != DW_TAG_base_type)
			return;
	} else {
		peeled = *die;
	}
	if (dwarf_hasattr(&peeled, DW_AT_declaration))
		return;
	tw->die = peeled;
	tw->found = true;
}

/* The address of a static variable: DW_AT_location = DW_OP_addr. */
static bool variable_address(Dwarf_Die *var, Dwarf_Addr *addr)
{
	Dwarf_Attribute attr, result;
	Dwarf_Op *ops;
	size_t nops;

	if (!dwarf_attr(var, DW_AT_location, &attr) ||
	    dwarf_getlocation(&attr, &ops, &nops) != 0 || nops != 1)
		return false;
	switch (ops[0].atom) {
	case DW_OP_addr:
		*addr = ops[0].number;
		return true;
	case DW_OP_addrx:
	case DW_OP_GNU_addr_index:
		return dwarf_getlocation_attr(&attr, &ops[0], &result) == 0 &&
		       dwarf_formaddr(&result, addr) == 0;
	default:
		return false;
	}
}

/* Look for wanted function-static variables inside a scope, recursively. */
static void scan_scope(struct dwarf_scan *ds, Dwarf_Die *scope, int depth)
{
	Dwarf_Die child;

	if (depth > MAX_SCOPE_DEPTH || dwarf_child(scope, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		const char *name;
		Dwarf_Addr addr;

		if (tag == DW_TAG_lexical_block || tag == DW_TAG_subprogram) {
			scan_scope(ds, &child, depth + 1);
		} else if (tag == DW_TAG_variable &&
			   (name = dwarf_diename(&child))) {
			for (size_t i = 0; i < sizeof(static_symbols) /
					       sizeof(static_symbols[0]); i++) {
				enum ld_symbol s = static_symbols[i].sym;

				if (!ds->want_static[s] ||
				    strcmp(name, ld_symbol_descs[s].names[0]) ||
				    !variable_address(&child, &addr))
					continue;
				ds->layout->symbol[s] = addr + ds->bias;
				ds->layout->have_symbol[s] = true;
				ds->layout->symbol_name[s] = ld_symbol_descs[s].names[0];
				ds->want_static[s] = false;
				ds->nr_static--;
			}
		}
	} while (ds->nr_static && dwarf_siblingof(&child, &child) == 0);
}

static bool scan_done(const struct dwarf_scan *ds)
{
	return (!ds->want_types || ds->nr_found == ds->nr_types) &&
	       !ds->nr_static;
}

/*
 * Only the top-level DIEs of each CU are looked at: that is where C types
 * live, and it avoids walking function bodies, which is what makes a full
 * DWARF walk of QEMU slow.  Subprograms are entered only in CUs that name
 * the type of a still-missing function-static.
 */
static void scan_unit(struct dwarf_scan *ds, Dwarf_Die *cudie)
{
	bool descend = false;
	Dwarf_Die die;

	if (dwarf_child(cudie, &die) != 0)
		return;
	do {
		int tag = dwarf_tag(&die);
		const char *name;

		if (!is_wanted_tag(tag) && tag != DW_TAG_typedef)
			continue;
		name = dwarf_diename(&die);
		if (!name)
			continue;
		for (size_t i = 0; ds->nr_static && i < sizeof(static_symbols) /
				   sizeof(static_symbols[0]); i++)
			if (ds->want_static[static_symbols[i].sym] &&
			    !strcmp(name, static_symbols[i].type))
				descend = true;
		if (!ds->want_types)
			continue;
		for (int i = 0; i < ds->nr_types; i++) {
			struct type_want *tw = &ds->types[i];

			if (tw->found || strcmp(name, tw->name))
				continue;
			offer_type(tw, &die, tag);
			if (tw->found)
				ds->nr_found++;
			break;
		}
	} while (!scan_done(ds) && dwarf_siblingof(&die, &die) == 0);
	if (descend)
		scan_scope(ds, cudie, 0);
}

static void scan_dwarf(struct dwarf_scan *ds, Dwarf *dw)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;

	while (!scan_done(ds) &&
	       dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie,
			       NULL) == 0) {
		if (unit_type == DW_UT_compile || unit_type == DW_UT_partial)
			scan_unit(ds, &cudie);
	}
}

/* ---- DWARF: member paths ----------------------------------------------- */

enum member_result { M_OK, M_MISSING, M_BITFIELD, M_BAD };

static bool member_location(Dwarf_Die *member, Dwarf_Word *off)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t nops;

	if (!dwarf_attr(member, DW_AT_data_member_location, &attr)) {
		*off = 0;	/* union members, or the first member */
		return true;
	}
	switch (dwarf_whatform(&attr)) {
	case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4:
	case DW_FORM_data8: case DW_FORM_udata: case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		return dwarf_formudata(&attr, off) == 0;
	default:
		/* DWARF 2 style: an expression DW_OP_plus_uconst N. */
		if (dwarf_getlocation(&attr, &ops, &nops) != 0 || nops != 1 ||
		    (ops[0].atom != DW_OP_plus_uconst &&
		     ops[0].atom != DW_OP_constu))
			return false;
		*off = ops[0].number;
		return true;
	}
}

static bool type_of(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_type, &attr) &&
	       dwarf_formref_die(&attr, type) != NULL;
}

/*
 * Find member name in aggregate agg, also inside anonymous struct/union
 * members (C11), adding up their offsets.
 */
static enum member_result find_member(Dwarf_Die *agg, const char *name,
				      size_t len, int depth, Dwarf_Die *found,
				      Dwarf_Word *off)
{
	Dwarf_Die child, type;

	if (depth > MAX_TYPE_DEPTH || dwarf_child(agg, &child) != 0)
		return M_MISSING;
	do {
		const char *mname;
		Dwarf_Word moff;
		enum member_result r;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		mname = dwarf_diename(&child);
		if (mname) {
			if (strlen(mname) != len || strncmp(mname, name, len))
				continue;
			if (dwarf_hasattr(&child, DW_AT_bit_size) ||
			    dwarf_hasattr(&child, DW_AT_data_bit_offset))
				return M_BITFIELD;
			if (!member_location(&child, off))
				return M_BAD;
			*found = child;
			return M_OK;
		}
		if (!type_of(&child, &type) ||
		    dwarf_peel_type(&type, &type) != 0 ||
		    !is_aggregate(dwarf_tag(&type)))
			continue;
		r = find_member(&type, name, len, depth + 1, found, off);
		if (r == M_MISSING)
			continue;
		if (r == M_OK) {
			if (!member_location(&child, &moff))
				return M_BAD;
			*off += moff;
		}
		return r;
	} while (dwarf_siblingof(&child, &child) == 0);
	return M_MISSING;
}

/*
 * A flexible array member (FWCfgFiles.f[]): an array whose one dimension
 * has neither an upper bound nor a count.  It has no size; its offset is
 * what a reader needs.
 */
static bool flexible_array(Dwarf_Die *type)
{
	Dwarf_Die t, sub;
	int dims = 0;

	if (dwarf_peel_type(type, &t) != 0 || dwarf_tag(&t) != DW_TAG_array_type ||
	    dwarf_child(&t, &sub) != 0)
		return false;
	do {
		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (++dims > 1 || dwarf_hasattr(&sub, DW_AT_upper_bound) ||
		    dwarf_hasattr(&sub, DW_AT_count))
			return false;
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return dims == 1;
}

/* Walk "addr.start" from type: offset of the last member and its size. */
static enum member_result walk_path(Dwarf_Die *type, const char *path,
				    uint64_t *offset, uint64_t *size)
{
	Dwarf_Die cur = *type, member;
	Dwarf_Word total = 0, sz;
	const char *p = path;

	for (int depth = 0; ; depth++) {
		size_t len = strcspn(p, ".");
		Dwarf_Word off;
		enum member_result r;

		if (depth > MAX_TYPE_DEPTH || dwarf_peel_type(&cur, &cur) != 0 ||
		    !is_aggregate(dwarf_tag(&cur)))
			return M_MISSING;
		r = find_member(&cur, p, len, 0, &member, &off);
		if (r != M_OK)
			return r;
		total += off;
		if (!type_of(&member, &cur))
			return M_BAD;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (dwarf_aggregate_size(&cur, &sz) != 0) {
		if (!flexible_array(&cur))
			return M_BAD;
		sz = 0;
	}
	*offset = total;
	*size = sz;
	return M_OK;
}

static struct type_want *find_want(struct dwarf_scan *ds, const char *name)
{
	for (int i = 0; i < ds->nr_types; i++)
		if (!strcmp(ds->types[i].name, name))
			return &ds->types[i];
	return NULL;
}

/*
 * Int128 as native __int128: its halves are not members, place them, in
 * the byte order of the host QEMU was built for.  That is the DWARF's
 * file's, not this tool's: a profile for an s390x QEMU may be made from
 * its debug build on an x86_64 machine.
 */
static bool int128_halves(struct type_want *tw, struct ld_layout *layout,
			  bool big)
{
	Dwarf_Word size;

	if (!tw || !tw->found || dwarf_tag(&tw->die) != DW_TAG_base_type ||
	    dwarf_aggregate_size(&tw->die, &size) != 0 || size != 16)
		return false;
	layout->offset[LF_INT128_LO] = big ? 8 : 0;
	layout->offset[LF_INT128_HI] = big ? 0 : 8;
	layout->size[LF_INT128_LO] = layout->size[LF_INT128_HI] = 8;
	layout->have[LF_INT128_LO] = layout->have[LF_INT128_HI] = true;
	return true;
}

/* The value of enumerator name in enumeration type et. */
static enum member_result find_enumerator(Dwarf_Die *et, const char *name,
					  uint64_t *value)
{
	Dwarf_Attribute attr;
	Dwarf_Die child;
	Dwarf_Sword sv;

	if (dwarf_tag(et) != DW_TAG_enumeration_type ||
	    dwarf_child(et, &child) != 0)
		return M_MISSING;
	do {
		const char *ename = dwarf_diename(&child);

		if (dwarf_tag(&child) != DW_TAG_enumerator || !ename ||
		    strcmp(ename, name))
			continue;
		if (!dwarf_attr(&child, DW_AT_const_value, &attr) ||
		    dwarf_formsdata(&attr, &sv) != 0)
			return M_BAD;
		*value = (uint64_t)sv;
		return M_OK;
	} while (dwarf_siblingof(&child, &child) == 0);
	return M_MISSING;
}

/* One variant of field f: where its type was found, what it resolves to. */
static enum member_result resolve_variant(struct dwarf_scan *ds,
					  const struct ld_field_desc *d,
					  const struct ld_fact_variant *v,
					  uint64_t *offset, uint64_t *size)
{
	struct type_want *tw = find_want(ds, v->type);
	Dwarf_Word sz;

	if (!tw || !tw->found)
		return M_MISSING;
	switch (d->kind) {
	case LK_SIZEOF:
		if (dwarf_aggregate_size(&tw->die, &sz) != 0)
			return M_BAD;
		*offset = 0;
		*size = sz;
		return M_OK;
	case LK_ENUMERATOR:
		*size = 0;
		return find_enumerator(&tw->die, v->path, offset);
	case LK_MEMBER:
	default:
		return walk_path(&tw->die, v->path, offset, size);
	}
}

/* The error for a required field no variant gave. */
static struct ld_error *field_error(struct ld_debuginfo *di,
				    struct dwarf_scan *ds, enum ld_field f,
				    enum member_result r)
{
	const struct ld_field_desc *d = &ld_field_descs[f];
	bool any_type = false;

	for (int v = 0; v < LD_MAX_VARIANTS && d->variants[v].type; v++) {
		struct type_want *tw = find_want(ds, d->variants[v].type);

		any_type |= tw && tw->found;
	}
	return ld_error(LD_EXIT_DEBUGINFO, "%s not found in DWARF of %s (tried %s%s)",
			d->key, di->path, ld_field_variants_text(f),
			!any_type ? ": no definition of the type" :
			r == M_BAD ? ": unsupported DWARF form" : "");
}

static struct ld_error *resolve_fields(struct ld_debuginfo *di,
				       struct dwarf_scan *ds)
{
	struct ld_layout *layout = ds->layout;
	bool native128 = int128_halves(find_want(ds, "Int128"), layout,
				       ds->big_endian);

	for (int f = 0; f < LF_COUNT; f++) {
		const struct ld_field_desc *d = &ld_field_descs[f];
		enum member_result r = M_MISSING;

		if ((f == LF_INT128_LO || f == LF_INT128_HI) && native128)
			continue;
		for (int v = 0; v < LD_MAX_VARIANTS && d->variants[v].type &&
				r != M_OK; v++) {
			r = resolve_variant(ds, d, &d->variants[v],
					    &layout->offset[f], &layout->size[f]);
			if (r == M_BITFIELD)
				return ld_error(LD_EXIT_DEBUGINFO,
						"%s is a bit-field in DWARF of %s: not supported",
						d->key, di->path);
		}
		/* Size 0 is a flexible array: only where one is expected. */
		if (r == M_OK && (layout->size[f] == 0) != d->flexible &&
		    d->kind == LK_MEMBER)
			r = M_BAD;
		if (r == M_OK) {
			layout->have[f] = true;
			continue;
		}
		layout->offset[f] = layout->size[f] = 0;
		if (!d->optional)
			return field_error(di, ds, f, r);
	}
	return NULL;
}

/* Every type any variant of any field names, once. */
static void want_all_types(struct dwarf_scan *ds)
{
	ds->want_types = true;
	for (int f = 0; f < LF_COUNT; f++) {
		const struct ld_field_desc *d = &ld_field_descs[f];

		for (int v = 0; v < LD_MAX_VARIANTS && d->variants[v].type;
		     v++) {
			if (find_want(ds, d->variants[v].type) ||
			    ds->nr_types == LF_COUNT * LD_MAX_VARIANTS)
				continue;
			ds->types[ds->nr_types++].name = d->variants[v].type;
		}
	}
}

struct ld_error *ld_debuginfo_resolve(struct ld_debuginfo *di,
				      bool want_fields,
				      struct ld_layout *layout)
{
	struct sym_match m[LS_COUNT][LD_MAX_VARIANTS];
	struct dwarf_scan ds;
	Dwarf *dw;

	memset(layout, 0, sizeof(*layout));
	memset(m, 0, sizeof(m));
	memset(&ds, 0, sizeof(ds));
	ds.layout = layout;

	scan_symbols(di, m);
	pick_symbols(m, layout);
	for (size_t i = 0; i < sizeof(static_symbols) /
			       sizeof(static_symbols[0]); i++) {
		enum ld_symbol s = static_symbols[i].sym;

		if (!layout->have_symbol[s]) {
			ds.want_static[s] = true;
			ds.nr_static++;
		}
	}
	if (want_fields)
		want_all_types(&ds);

	dw = dwfl_module_getdwarf(di->mod, &ds.bias);
	if (dw) {
		Elf *elf = dwarf_getelf(dw);
		const char *ident = elf ? elf_getident(elf, NULL) : NULL;

		ds.big_endian = ident && ident[EI_DATA] == ELFDATA2MSB;
	}
	if (dw && !scan_done(&ds)) {
		Dwarf *alt;

		scan_dwarf(&ds, dw);
		/* dwz: types may sit in partial units of the shared file. */
		alt = dwarf_getalt(dw);
		if (alt && !scan_done(&ds))
			scan_dwarf(&ds, alt);
	}

	/* Without DWARF, GCC's "name.N" is the best there is, if unique. */
	for (size_t i = 0; i < sizeof(static_symbols) /
			       sizeof(static_symbols[0]); i++) {
		enum ld_symbol s = static_symbols[i].sym;

		if (!layout->have_symbol[s] && m[s][0].dotted == 1) {
			layout->symbol[s] = m[s][0].dotted_addr;
			layout->have_symbol[s] = true;
			layout->symbol_name[s] = ld_symbol_descs[s].names[0];
		}
	}
	for (int s = 0; s < LS_COUNT; s++) {
		char names[128];

		if (layout->have_symbol[s] || ld_symbol_descs[s].optional)
			continue;
		symbol_names_text(s, names, sizeof(names));
		return ld_error(LD_EXIT_TARGET,
				"symbol %s not found in %s: not a QEMU process?",
				names, di->path);
	}
	if (!want_fields)
		return NULL;
	if (!dw)
		return ld_error(LD_EXIT_DEBUGINFO,
				"no DWARF debug info for %s (build-id %s): "
				"install its debug symbols or name the file "
				"with --debuginfo", di->path,
				di->build_id ? di->build_id : "none");
	return resolve_fields(di, &ds);
}
