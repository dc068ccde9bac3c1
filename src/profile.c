// SPDX-License-Identifier: GPL-2.0-or-later
/* profile.c - layout profiles for QEMU builds without DWARF; see profile.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "textfile.h"

#define PROFILE_MAGIC "qemu-livedump-profile"
#define PROFILE_FORMAT 1
#define VERSION_PREFIX "QEMU emulator version "
#define MAX_PROFILE_BYTES (256u * 1024)
#define MAX_FIELD_VALUE (1u << 20)	/* no offset or size is larger */

/*
 * Profiles this tool wrote itself from DWARF: root shares one system-wide
 * cache, others keep their own.  QEMU_LIVEDUMP_PROFILE_CACHE overrides;
 * set but empty, there is no cache (tests, read-only systems).
 */
const char *ld_profile_cache_dir(void)
{
	static char dir[4096];
	const char *env = getenv("QEMU_LIVEDUMP_PROFILE_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (env && !env[0])
		return NULL;
	if (env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/var/cache/qemu-livedump/profiles");
	else if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/qemu-livedump", xdg);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.cache/qemu-livedump", home);
	else
		return NULL;
	return dir;
}

const char *const *ld_profile_dirs(void)
{
	static const char *dirs[4];

	dirs[0] = LD_PROFILE_DIR;
	dirs[1] = LD_SOURCE_PROFILE_DIR;
	dirs[2] = ld_profile_cache_dir();
	dirs[3] = NULL;
	return dirs;
}

/* The host a binary is for; 32-bit ELF on a 64-bit machine is another. */
static const char *machine_name(unsigned int machine, bool class64)
{
	switch (machine) {
	case EM_X86_64: return class64 ? "x86_64" : "x32";
	case EM_AARCH64: return class64 ? "aarch64" : "aarch64_ilp32";
	case EM_386: return "i386";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return class64 ? "s390x" : "s390";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	default: return "unknown";
	}
}

static void hex(char *out, size_t outlen, const unsigned char *b, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n && 2 * i + 2 < outlen; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* The GNU build-id note, as libdwelf finds it. */
static void elf_build_id(Elf *elf, char *out, size_t outlen)
{
	const void *id = NULL;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);

	out[0] = '\0';
	if (len > 0)
		hex(out, outlen, id, (size_t)len);
}

static void find_version(const char *data, size_t len, char *out,
			 size_t outlen)
{
	const char *p = memmem(data, len, VERSION_PREFIX,
			       strlen(VERSION_PREFIX));
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(VERSION_PREFIX);
	while (p + n < data + len && n + 1 < outlen && p[n] != '\n' &&
	       p[n] != '\0' && p[n] != '%')
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

struct ld_error *ld_binary_identify(const char *path, const char *name,
				    struct ld_binary_id *id)
{
	const char *base = strrchr(name, '/'), *t;
	struct ld_error *err = NULL;
	struct stat st;
	void *data;
	Elf *elf;
	int fd;

	memset(id, 0, sizeof(*id));
	base = base ? base + 1 : name;
	t = strstr(base, "qemu-system-");
	if (t) {
		snprintf(id->target, sizeof(id->target), "%s",
			 t + strlen("qemu-system-"));
		id->target[strcspn(id->target, " ")] = '\0';	/* " (deleted)" */
	}

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ld_error_errno(errno == ENOENT ? LD_EXIT_TARGET :
				      LD_EXIT_FAILURE, errno, "opening %s", path);
	if (fstat(fd, &st)) {
		err = ld_error_errno(LD_EXIT_FAILURE, errno, "stat %s", path);
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		err = ld_error(LD_EXIT_TARGET, "%s is not an ELF file", path);
		goto out;
	}
	{
		GElf_Ehdr eh;

		if (gelf_getehdr(elf, &eh)) {
			snprintf(id->host_arch, sizeof(id->host_arch), "%s",
				 machine_name(eh.e_machine,
					      eh.e_ident[EI_CLASS] == ELFCLASS64));
			snprintf(id->host_byte_order, sizeof(id->host_byte_order),
				 "%s", eh.e_ident[EI_DATA] == ELFDATA2MSB ? "big" :
				 eh.e_ident[EI_DATA] == ELFDATA2LSB ? "little" :
								     "unknown");
		}
	}
	elf_build_id(elf, id->build_id, sizeof(id->build_id));
	elf_end(elf);

	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data != MAP_FAILED) {
		find_version(data, st.st_size, id->version, sizeof(id->version));
		munmap(data, st.st_size);
	}
out:
	close(fd);
	return err;
}

struct profile_text {
	const struct ld_binary_id *id;
	const char *const *extra_build_ids;
	const struct ld_layout *layout;
};

static void render_profile(FILE *f, const void *ctx)
{
	const struct profile_text *p = ctx;
	const struct ld_binary_id *id = p->id;

	fprintf(f, "# qemu-livedump layout profile: struct layouts of one QEMU build,\n"
		   "# taken from its DWARF (qemu-livedump --write-profile).\n");
	fprintf(f, "%s %d\n", PROFILE_MAGIC, PROFILE_FORMAT);
	fprintf(f, "qemu-version %s\n", id->version[0] ? id->version : "unknown");
	fprintf(f, "target %s\n", id->target[0] ? id->target : "unknown");
	fprintf(f, "host-arch %s\n", id->host_arch[0] ? id->host_arch : "unknown");
	fprintf(f, "host-byte-order %s\n",
		id->host_byte_order[0] ? id->host_byte_order : "unknown");
	if (id->build_id[0])
		fprintf(f, "build-id %s\n", id->build_id);
	for (int i = 0; p->extra_build_ids && p->extra_build_ids[i]; i++)
		fprintf(f, "build-id %s\n", p->extra_build_ids[i]);
	for (int i = 0; i < LF_COUNT; i++) {
		if (!p->layout->have[i])
			continue;
		if (ld_field_descs[i].kind == LK_ENUMERATOR)
			fprintf(f, "const %s %" PRIu64 "\n",
				ld_field_descs[i].key, p->layout->offset[i]);
		else
			fprintf(f, "field %s %" PRIu64 " %" PRIu64 "\n",
				ld_field_descs[i].key, p->layout->offset[i],
				p->layout->size[i]);
	}
}

struct ld_error *ld_profile_write(const char *path,
				  const struct ld_binary_id *id,
				  const char *const *extra_build_ids,
				  const struct ld_layout *layout)
{
	struct profile_text text = { id, extra_build_ids, layout };
	int missing = ld_layout_first_missing(layout);

	if (missing >= 0)
		return ld_error(LD_EXIT_DEBUGINFO, "layout incomplete: %s missing",
				ld_field_descs[missing].key);
	return ld_write_text_file(path, 0644, "profile", render_profile, &text);
}

static int field_by_key(const char *key)
{
	for (int i = 0; i < LF_COUNT; i++)
		if (!strcmp(ld_field_descs[i].key, key))
			return i;
	return -1;
}

static struct ld_error *parse_line(struct ld_profile *p, char *line,
				   bool *magic)
{
	char *key = line, *val = strchr(line, ' ');

	if (!val)
		return ld_error(LD_EXIT_DEBUGINFO, "malformed line '%s'", line);
	*val++ = '\0';
	if (!strcmp(key, PROFILE_MAGIC)) {
		if (atoi(val) != PROFILE_FORMAT)
			return ld_error(LD_EXIT_DEBUGINFO,
					"profile format %s, this tool reads %d",
					val, PROFILE_FORMAT);
		*magic = true;
	} else if (!*magic) {
		return ld_error(LD_EXIT_DEBUGINFO, "not a qemu-livedump profile");
	} else if (!strcmp(key, "qemu-version")) {
		snprintf(p->id.version, sizeof(p->id.version), "%s", val);
	} else if (!strcmp(key, "target")) {
		snprintf(p->id.target, sizeof(p->id.target), "%s", val);
	} else if (!strcmp(key, "host-arch")) {
		snprintf(p->id.host_arch, sizeof(p->id.host_arch), "%s", val);
	} else if (!strcmp(key, "host-byte-order")) {
		if (strcmp(val, "little") && strcmp(val, "big"))
			return ld_error(LD_EXIT_DEBUGINFO,
					"host-byte-order %s: 'little' or 'big'", val);
		snprintf(p->id.host_byte_order, sizeof(p->id.host_byte_order),
			 "%s", val);
	} else if (!strcmp(key, "build-id")) {
		if (p->nbuild_ids == LD_PROFILE_MAX_BUILD_IDS)
			return ld_error(LD_EXIT_DEBUGINFO, "too many build-ids");
		snprintf(p->build_ids[p->nbuild_ids++], sizeof(p->build_ids[0]),
			 "%s", val);
	} else if (!strcmp(key, "field")) {
		char name[128];
		unsigned long long off, size;
		int f;

		if (sscanf(val, "%127s %llu %llu", name, &off, &size) != 3)
			return ld_error(LD_EXIT_DEBUGINFO, "malformed field '%s'", val);
		f = field_by_key(name);
		if (f < 0)
			return ld_error(LD_EXIT_DEBUGINFO,
					"unknown field %s (profile from a newer qemu-livedump?)",
					name);
		/* A flexible array member has no size, anything else has. */
		if (off > MAX_FIELD_VALUE || size > MAX_FIELD_VALUE ||
		    (size == 0) != ld_field_descs[f].flexible)
			return ld_error(LD_EXIT_DEBUGINFO,
					"field %s: implausible offset %llu / size %llu",
					name, off, size);
		if (ld_field_descs[f].kind == LK_ENUMERATOR)
			return ld_error(LD_EXIT_DEBUGINFO,
					"%s is a constant: 'const %s VALUE'",
					name, name);
		p->layout.offset[f] = off;
		p->layout.size[f] = size;
		p->layout.have[f] = true;
	} else if (!strcmp(key, "const")) {
		char name[128];
		unsigned long long value;
		int f;

		if (sscanf(val, "%127s %llu", name, &value) != 2)
			return ld_error(LD_EXIT_DEBUGINFO, "malformed const '%s'", val);
		f = field_by_key(name);
		if (f < 0 || ld_field_descs[f].kind != LK_ENUMERATOR)
			return ld_error(LD_EXIT_DEBUGINFO,
					"unknown constant %s (profile from a newer qemu-livedump?)",
					name);
		if (value > MAX_FIELD_VALUE)
			return ld_error(LD_EXIT_DEBUGINFO,
					"constant %s: implausible value %llu",
					name, value);
		p->layout.offset[f] = value;
		p->layout.size[f] = 0;
		p->layout.have[f] = true;
	} else {
		return ld_error(LD_EXIT_DEBUGINFO, "unknown key '%s'", key);
	}
	return NULL;
}

struct ld_error *ld_profile_read(const char *path, struct ld_profile *p)
{
	char line[512];
	struct ld_error *err = NULL;
	bool magic = false;
	unsigned int lineno = 0;
	size_t total = 0;
	FILE *f;
	int missing;

	memset(p, 0, sizeof(*p));
	f = fopen(path, "re");
	if (!f)
		return ld_error_errno(LD_EXIT_DEBUGINFO, errno,
				      "opening profile %s", path);
	while (!err && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		lineno++;
		total += len;
		if (total > MAX_PROFILE_BYTES) {
			err = ld_error(LD_EXIT_DEBUGINFO, "file too large");
			break;
		}
		if (len && line[len - 1] != '\n' && !feof(f)) {
			err = ld_error(LD_EXIT_DEBUGINFO, "line too long");
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		err = parse_line(p, line, &magic);
	}
	fclose(f);
	if (!err && !magic)
		err = ld_error(LD_EXIT_DEBUGINFO, "not a qemu-livedump profile");
	if (!err && (missing = ld_layout_first_missing(&p->layout)) >= 0)
		err = ld_error(LD_EXIT_DEBUGINFO, "field %s missing",
			       ld_field_descs[missing].key);
	/*
	 * Without it a profile could be taken for a host of the other byte
	 * order (ppc64 and ppc64le are one ELF machine).
	 */
	if (!err && (!p->id.host_arch[0] || !p->id.host_byte_order[0]))
		err = ld_error(LD_EXIT_DEBUGINFO,
			       "no %s line (a profile from an older qemu-livedump? make it again with --write-profile)",
			       !p->id.host_arch[0] ? "host-arch" : "host-byte-order");
	if (err) {
		err = ld_error_context(err, "profile %s line %u", path, lineno);
		ld_profile_free(p);
		return err;
	}
	if (p->nbuild_ids)
		snprintf(p->id.build_id, sizeof(p->id.build_id), "%s",
			 p->build_ids[0]);
	p->path = strdup(path);
	return p->path ? NULL : &ld_error_nomem;
}

static bool has_build_id(const struct ld_profile *p, const char *build_id)
{
	if (!build_id[0])
		return false;
	for (unsigned int i = 0; i < p->nbuild_ids; i++)
		if (!strcmp(p->build_ids[i], build_id))
			return true;
	return false;
}

/*
 * Versions match on QEMU's own version number ("7.2.22"); the package
 * suffix ("(Debian 1:7.2+dfsg-7+deb12u18+b3)") differs between a local
 * debug build and a binNMU of the same source without changing layouts.
 */
bool ld_same_qemu_version(const char *a, const char *b)
{
	size_t la = strcspn(a, " "), lb = strcspn(b, " ");

	return la && la == lb && !memcmp(a, b, la);
}

/* Length of "10.0" in "10.0.13 (Debian ...)": major.minor; 0 if none. */
static size_t series_len(const char *v)
{
	const char *dot = strchr(v, '.');
	size_t n;

	if (!dot || dot == v)
		return 0;
	n = strspn(dot + 1, "0123456789");
	return n ? (size_t)(dot + 1 + n - v) : 0;
}

bool ld_same_qemu_series(const char *a, const char *b)
{
	size_t la = series_len(a), lb = series_len(b);

	return la && la == lb && !memcmp(a, b, la);
}

/* The host QEMU was built for: its structures are laid out for it. */
static struct ld_error *check_host(const struct ld_profile *p,
				   const struct ld_binary_id *id)
{
	if (strcmp(p->id.host_arch, id->host_arch) ||
	    strcmp(p->id.host_byte_order, id->host_byte_order))
		return ld_error(LD_EXIT_DEBUGINFO,
				"profile %s is for host %s (%s-endian), QEMU's binary is for %s (%s-endian): "
				"QEMU's structures differ between hosts, make the profile from a debug build for this host",
				p->path, p->id.host_arch, p->id.host_byte_order,
				id->host_arch, id->host_byte_order);
	return NULL;
}

/* Host and target must be the same whatever else matches. */
static struct ld_error *check_machine(const struct ld_profile *p,
				      const struct ld_binary_id *id)
{
	struct ld_error *err = check_host(p, id);

	if (err)
		return err;
	if (id->target[0] && strcmp(p->id.target, id->target))
		return ld_error(LD_EXIT_DEBUGINFO,
				"profile %s is for target %s, QEMU's binary is qemu-system-%s",
				p->path, p->id.target, id->target);
	return NULL;
}

/* The binary's build-id, or its version (series: any point release). */
static struct ld_error *check_version(const struct ld_profile *p,
				      const struct ld_binary_id *id,
				      bool series)
{
	struct ld_error *err = check_machine(p, id);

	if (err || has_build_id(p, id->build_id))
		return err;
	if (!(series ? ld_same_qemu_series : ld_same_qemu_version)(p->id.version,
								   id->version))
		return ld_error(LD_EXIT_DEBUGINFO,
				"profile %s is for QEMU %s, the binary is QEMU %s (build-id %s)%s",
				p->path, p->id.version,
				id->version[0] ? id->version : "of unknown version",
				id->build_id[0] ? id->build_id : "none",
				series ? ": not even the same release series" : "");
	return NULL;
}

struct ld_error *ld_profile_check_series(const struct ld_profile *p,
					 const struct ld_binary_id *id)
{
	return check_version(p, id, true);
}

struct ld_error *ld_profile_check(const struct ld_profile *p,
				  const struct ld_binary_id *id)
{
	return check_version(p, id, false);
}

/* Call fn on every profile in every directory until it returns true. */
static bool for_each_profile(bool (*fn)(struct ld_profile *, void *), void *ctx)
{
	for (const char *const *dir = ld_profile_dirs(); *dir; dir++) {
		DIR *d = opendir(*dir);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			struct ld_profile p;
			char *path = NULL;
			size_t len = strlen(e->d_name);
			struct ld_error *err;
			bool stop;

			if (len < 8 || strcmp(e->d_name + len - 8, ".profile"))
				continue;
			if (asprintf(&path, "%s/%s", *dir, e->d_name) < 0)
				continue;
			err = ld_profile_read(path, &p);
			free(path);
			if (err) {
				ld_error_free(err);
				continue;
			}
			stop = fn(&p, ctx);
			if (!stop)
				ld_profile_free(&p);
			else {
				*(struct ld_profile *)ctx = p;
				closedir(d);
				return true;
			}
		}
		closedir(d);
	}
	return false;
}

enum match_rule { MATCH_BUILD_ID, MATCH_VERSION, MATCH_SERIES };

struct find_ctx {
	struct ld_profile result;	/* first: for_each_profile fills it */
	const struct ld_binary_id *id;
	enum match_rule rule;
};

static bool match(struct ld_profile *p, void *ctx)
{
	struct find_ctx *fc = ctx;
	struct ld_error *err;

	switch (fc->rule) {
	case MATCH_BUILD_ID:
		if (!has_build_id(p, fc->id->build_id))
			return false;
		err = check_host(p, fc->id);
		break;
	case MATCH_VERSION:
		if (!fc->id->version[0])
			return false;
		err = ld_profile_check(p, fc->id);
		break;
	case MATCH_SERIES:
	default:
		if (!fc->id->version[0])
			return false;
		err = ld_profile_check_series(p, fc->id);
		break;
	}
	ld_error_free(err);
	return !err;
}

static const char *const rule_names[] = {
	[MATCH_BUILD_ID] = "build-id", [MATCH_VERSION] = "version",
	[MATCH_SERIES] = "series",
};

struct ld_error *ld_profile_find(const struct ld_binary_id *id,
				 bool by_build_id_only,
				 struct ld_profile *p, const char **how)
{
	struct find_ctx fc = { .id = id };

	for (enum match_rule r = MATCH_BUILD_ID; r <= MATCH_SERIES; r++) {
		if (r > MATCH_BUILD_ID && by_build_id_only)
			break;
		fc.rule = r;
		if (for_each_profile(match, &fc)) {
			*p = fc.result;
			*how = rule_names[r];
			return NULL;
		}
	}
	return ld_error(LD_EXIT_DEBUGINFO,
			"no DWARF debug info for QEMU's binary and no layout profile fits it (QEMU %s, qemu-system-%s, host %s %s-endian, build-id %s; searched %s, %s and %s): "
			"install its debug symbols, set DEBUGINFOD_URLS, pass --debuginfo or --profile, or make a profile with --write-profile from a debug build of the same version",
			id->version[0] ? id->version : "of unknown version",
			id->target[0] ? id->target : "?", id->host_arch,
			id->host_byte_order, id->build_id[0] ? id->build_id : "none",
			ld_profile_dirs()[0], ld_profile_dirs()[1],
			ld_profile_dirs()[2] ? ld_profile_dirs()[2] : "(no cache)");
}

struct ld_error *ld_profile_cache_store(const struct ld_binary_id *id,
					const struct ld_layout *layout,
					char **stored)
{
	const char *dir = ld_profile_cache_dir();
	char *path = NULL, *parent = NULL, *slash;
	struct ld_error *err = NULL;
	struct stat st;

	*stored = NULL;
	if (!dir || !id->build_id[0] || strspn(id->build_id, "0123456789abcdef") !=
	    strlen(id->build_id))
		return NULL;
	/* Private unless it is the system-wide cache. */
	parent = strdup(dir);
	if (!parent)
		return &ld_error_nomem;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) && errno != EEXIST) {
			err = ld_error_errno(LD_EXIT_OUTPUT, errno,
					     "creating profile cache %s", parent);
			goto out;
		}
	}
	if (mkdir(dir, geteuid() == 0 ? 0755 : 0700) && errno != EEXIST) {
		err = ld_error_errno(LD_EXIT_OUTPUT, errno,
				     "creating profile cache %s", dir);
		goto out;
	}
	if (asprintf(&path, "%s/%s.profile", dir, id->build_id) < 0) {
		path = NULL;
		err = &ld_error_nomem;
		goto out;
	}
	if (!stat(path, &st)) {
		struct ld_profile old;
		struct ld_error *bad = ld_profile_read(path, &old);

		ld_profile_free(&old);
		if (!bad)
			goto out;	/* already there */
		/* One this tool cannot read (an older format): replace it. */
		ld_error_free(bad);
	}
	err = ld_profile_write(path, id, NULL, layout);
	if (!err) {
		*stored = path;
		path = NULL;
	}
out:
	free(parent);
	free(path);
	return err;
}

static bool print_one(struct ld_profile *p, void *ctx)
{
	FILE *f = *(FILE **)((char *)ctx + sizeof(struct ld_profile));

	fprintf(f, "%s\n  QEMU %s, qemu-system-%s, host %s %s-endian, %u build-id(s)%s%s\n",
		p->path, p->id.version, p->id.target, p->id.host_arch,
		p->id.host_byte_order,
		p->nbuild_ids, p->nbuild_ids ? ": " : "",
		p->nbuild_ids ? p->build_ids[0] : "");
	for (unsigned int i = 1; i < p->nbuild_ids; i++)
		fprintf(f, "    %s\n", p->build_ids[i]);
	return false;
}

struct ld_error *ld_profile_list(FILE *f)
{
	struct {
		struct ld_profile unused;
		FILE *f;
	} ctx = { .f = f };

	fprintf(f, "Profile directories:");
	for (const char *const *dir = ld_profile_dirs(); *dir; dir++)
		fprintf(f, " %s", *dir);
	fputc('\n', f);
	for_each_profile(print_one, &ctx);
	return NULL;
}

void ld_profile_free(struct ld_profile *p)
{
	free(p->path);
	memset(p, 0, sizeof(*p));
}
