// SPDX-License-Identifier: GPL-2.0-or-later
/* fwcfg.c - a named file of the machine's fw_cfg device; see fwcfg.h. */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwcfg.h"
#include "qom.h"

/*
 * The selector keys of the fw_cfg interface (the guest ABI: QEMU's
 * docs/specs/fw_cfg.rst, Linux's uapi/linux/qemu_fw_cfg.h): files are
 * served from FW_CFG_FILE_FIRST on, and the top bits of a key choose the
 * arch-local table and the write channel, not an entry.
 */
#define FW_CFG_FILE_FIRST	0x20u
#define FW_CFG_WRITE_CHANNEL	0x4000u
#define FW_CFG_ARCH_LOCAL	0x8000u
#define FW_CFG_ENTRY_MASK	(0xffffu & ~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL))
/* QEMU refuses more file slots than there are selectors for. */
#define MAX_FILE_SLOTS		(FW_CFG_ENTRY_MASK - FW_CFG_FILE_FIRST + 1)
/* Directory entries read at a time (64 bytes each in every QEMU). */
#define DIR_CHUNK		64
/* Larger structs than these are a wrong layout, not QEMU's. */
#define MAX_STRUCT		1024

static const enum ld_field needed[] = {
	LF_FWCFG_FILE_SLOTS, LF_FWCFG_ENTRIES, LF_FWCFG_FILES,
	LF_FWCFGFILES_COUNT, LF_FWCFGFILES_F, LF_FWCFGFILE_SIZEOF,
	LF_FWCFGFILE_SIZE, LF_FWCFGFILE_SELECT, LF_FWCFGFILE_NAME,
	LF_FWCFGENTRY_SIZEOF, LF_FWCFGENTRY_LEN, LF_FWCFGENTRY_DATA,
	LF_FWCFGENTRY_OPAQUE,
};

/*
 * The machines whose fw_cfg pointer is a known member, by the QOM type
 * they derive from (include/hw/i386/x86.h, include/hw/arm/virt.h).
 */
static const char *const machine_types[] = {
	"x86-machine", "virt-machine", NULL,
};
static const enum ld_field machine_fw_cfg[] = {
	LF_X86MS_FW_CFG, LF_VIRTMS_FW_CFG,
};
/* fw_cfg_io (x86) and fw_cfg_mem (arm) both derive from it. */
static const char *const fw_cfg_types[] = { "fw_cfg", NULL };

bool ld_fwcfg_can_walk(const struct ld_layout *l)
{
	if (!l->have_symbol[LS_CURRENT_MACHINE] || !ld_qom_can_walk(l) ||
	    (!l->have[LF_X86MS_FW_CFG] && !l->have[LF_VIRTMS_FW_CFG]))
		return false;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!l->have[needed[i]])
			return false;
	return true;
}

/* Members inside their struct, with the widths the walk reads. */
static bool plausible(const struct ld_layout *l)
{
	uint64_t fsz = l->size[LF_FWCFGFILE_SIZEOF];
	uint64_t esz = l->size[LF_FWCFGENTRY_SIZEOF];
	uint64_t ents = l->size[LF_FWCFG_ENTRIES];
	static const enum ld_field in_file[] = {
		LF_FWCFGFILE_SIZE, LF_FWCFGFILE_SELECT, LF_FWCFGFILE_NAME,
	};
	static const enum ld_field in_entry[] = {
		LF_FWCFGENTRY_LEN, LF_FWCFGENTRY_DATA, LF_FWCFGENTRY_OPAQUE,
	};

	if (!fsz || fsz > MAX_STRUCT || !esz || esz > MAX_STRUCT ||
	    (ents != 8 && ents != 16) ||
	    l->size[LF_FWCFGFILE_SIZE] != 4 || l->size[LF_FWCFGFILE_SELECT] != 2 ||
	    l->size[LF_FWCFGFILES_COUNT] != 4 || l->size[LF_FWCFGENTRY_LEN] != 4 ||
	    l->size[LF_FWCFGFILE_NAME] == 0 ||
	    l->offset[LF_FWCFGFILES_F] > MAX_STRUCT)
		return false;
	for (size_t i = 0; i < sizeof(in_file) / sizeof(in_file[0]); i++)
		if (l->offset[in_file[i]] + l->size[in_file[i]] > fsz)
			return false;
	for (size_t i = 0; i < sizeof(in_entry) / sizeof(in_entry[0]); i++)
		if (l->offset[in_entry[i]] + l->size[in_entry[i]] > esz)
			return false;
	return true;
}

/* current_machine -> its fw_cfg device, if it is a machine we know. */
static struct ld_error *machine_fw_cfg_dev(const struct ld_layout *l,
					   const struct ld_reader *rd,
					   uint64_t *fw_cfg)
{
	char type[64];
	uint64_t machine = 0;
	struct ld_error *err;
	int which;

	*fw_cfg = 0;
	err = rd->read(rd->ctx, l->symbol[LS_CURRENT_MACHINE], &machine,
		       sizeof(machine));
	if (err)
		return ld_error_context(err, "reading current_machine");
	if (!machine)
		return NULL;		/* no machine (yet) */
	err = ld_qom_ancestor(l, rd, machine, machine_types, &which);
	if (err)
		return ld_error_context(err, "current_machine");
	if (which < 0 || !l->have[machine_fw_cfg[which]])
		return NULL;		/* a machine of another kind */
	err = ld_read_member(l, rd, machine, machine_fw_cfg[which], fw_cfg);
	if (err)
		return ld_error_context(err, "%s at 0x%" PRIx64,
					machine_types[which], machine);
	if (!*fw_cfg)
		return NULL;		/* this machine made no fw_cfg */
	err = ld_qom_ancestor(l, rd, *fw_cfg, fw_cfg_types, &which);
	if (!err && which < 0) {
		err = ld_qom_type_name(l, rd, *fw_cfg, type, sizeof(type));
		if (!err)
			err = ld_error(LD_EXIT_MODEL, "is a %s, not a fw_cfg device",
				       type);
	}
	if (err) {
		err = ld_error_context(err, "the machine's fw_cfg at 0x%" PRIx64,
				       *fw_cfg);
		*fw_cfg = 0;
	}
	return err;
}

/* A pointer of entries[arch]: the array is two host pointers. */
static struct ld_error *entry_array(const struct ld_layout *l,
				    const struct ld_reader *rd, uint64_t fw,
				    unsigned int arch, uint64_t *array)
{
	size_t psize = l->size[LF_FWCFG_ENTRIES] / 2;
	unsigned char buf[8];
	struct ld_error *err;

	*array = 0;
	err = rd->read(rd->ctx, fw + l->offset[LF_FWCFG_ENTRIES] + arch * psize,
		       buf, psize);
	if (err)
		return ld_error_context(err, "reading FWCfgState.entries");
	if (psize == 8) {
		memcpy(array, buf, 8);
	} else {
		uint32_t p32;

		memcpy(&p32, buf, 4);
		*array = p32;
	}
	return NULL;
}

/* Look through the directory for name: *index, or count if absent. */
static struct ld_error *find_in_dir(const struct ld_layout *l,
				    const struct ld_reader *rd, uint64_t files,
				    uint32_t count, const char *name,
				    struct ld_fwcfg_file *out, uint32_t *index)
{
	uint64_t fsz = l->size[LF_FWCFGFILE_SIZEOF];
	uint64_t noff = l->offset[LF_FWCFGFILE_NAME];
	uint64_t nsz = l->size[LF_FWCFGFILE_NAME];
	unsigned char *buf = malloc(DIR_CHUNK * fsz);
	char *fname = malloc(nsz + 1);
	struct ld_error *err = NULL;

	*index = count;
	if (!buf || !fname) {
		err = &ld_error_nomem;
		goto out;
	}
	for (uint32_t i = 0; i < count && *index == count; i += DIR_CHUNK) {
		uint32_t n = count - i < DIR_CHUNK ? count - i : DIR_CHUNK;
		uint64_t at = files + l->offset[LF_FWCFGFILES_F] + i * fsz;

		err = rd->read(rd->ctx, at, buf, n * fsz);
		if (err) {
			err = ld_error_context(err, "reading the fw_cfg directory at 0x%"
					       PRIx64, files);
			goto out;
		}
		for (uint32_t j = 0; j < n; j++) {
			const unsigned char *f = buf + j * fsz;
			uint64_t v;

			/* Untrusted: a name filling its array has no NUL. */
			memcpy(fname, f + noff, nsz);
			fname[nsz] = '\0';
			if (strcmp(fname, name))
				continue;
			ld_layout_get(l, LF_FWCFGFILE_SIZE, f, fsz, &v);
			out->size = be32toh((uint32_t)v);
			ld_layout_get(l, LF_FWCFGFILE_SELECT, f, fsz, &v);
			out->select = be16toh((uint16_t)v);
			*index = i + j;
			break;
		}
	}
out:
	free(buf);
	free(fname);
	return err;
}

/* The entry behind a file's selector, bounded by the entry array's size. */
static struct ld_error *read_entry(const struct ld_layout *l,
				   const struct ld_reader *rd, uint64_t fw,
				   uint64_t slots, struct ld_fwcfg_file *out)
{
	uint64_t esz = l->size[LF_FWCFGENTRY_SIZEOF], array, at, v;
	unsigned int arch = !!(out->select & FW_CFG_ARCH_LOCAL);
	unsigned int key = out->select & FW_CFG_ENTRY_MASK;
	unsigned char buf[MAX_STRUCT];
	struct ld_error *err;

	/* fw_cfg_max_entry(): the arrays hold FW_CFG_FILE_FIRST + slots. */
	if (key < FW_CFG_FILE_FIRST || key >= FW_CFG_FILE_FIRST + slots)
		return ld_error(LD_EXIT_MODEL,
				"selector 0x%x is outside the %" PRIu64 " file slots",
				out->select, slots);
	err = entry_array(l, rd, fw, arch, &array);
	if (err)
		return err;
	if (!array)
		return ld_error(LD_EXIT_MODEL, "no entry array %u", arch);
	at = array + (uint64_t)key * esz;
	if (at < array)
		return ld_error(LD_EXIT_MODEL, "entry array at 0x%" PRIx64
				" overflows", array);
	err = rd->read(rd->ctx, at, buf, esz);
	if (err)
		return ld_error_context(err, "reading fw_cfg entry 0x%x at 0x%"
					PRIx64, out->select, at);
	ld_layout_get(l, LF_FWCFGENTRY_LEN, buf, esz, &v);
	out->len = (uint32_t)v;
	ld_layout_get(l, LF_FWCFGENTRY_DATA, buf, esz, &out->data);
	ld_layout_get(l, LF_FWCFGENTRY_OPAQUE, buf, esz, &out->opaque);
	return NULL;
}

static struct ld_error *find_file(const struct ld_layout *l,
				  const struct ld_reader *rd, uint64_t fw,
				  const char *name, struct ld_fwcfg_file *out,
				  bool *found)
{
	uint64_t slots, files, count;
	uint32_t index;
	struct ld_error *err;

	err = ld_read_member(l, rd, fw, LF_FWCFG_FILE_SLOTS, &slots);
	if (!err)
		err = ld_read_member(l, rd, fw, LF_FWCFG_FILES, &files);
	if (err)
		return err;
	if (!files)
		return NULL;		/* no file was ever added */
	if (slots > MAX_FILE_SLOTS)
		return ld_error(LD_EXIT_MODEL, "%" PRIu64 " file slots (QEMU allows %u)",
				slots, MAX_FILE_SLOTS);
	err = ld_read_member(l, rd, files, LF_FWCFGFILES_COUNT, &count);
	if (err)
		return ld_error_context(err, "fw_cfg directory at 0x%" PRIx64,
					files);
	count = be32toh((uint32_t)count);
	if (count > slots)
		return ld_error(LD_EXIT_MODEL, "fw_cfg directory at 0x%" PRIx64
				" lists %" PRIu64 " files in %" PRIu64 " slots",
				files, count, slots);
	if (files > UINT64_MAX - l->offset[LF_FWCFGFILES_F] -
		    count * l->size[LF_FWCFGFILE_SIZEOF])
		return ld_error(LD_EXIT_MODEL, "fw_cfg directory at 0x%" PRIx64
				" runs past the end of memory", files);
	err = find_in_dir(l, rd, files, (uint32_t)count, name, out, &index);
	if (err || index == count)
		return err;
	err = read_entry(l, rd, fw, slots, out);
	if (err)
		return ld_error_context(err, "fw_cfg file %s", name);
	*found = true;
	return NULL;
}

struct ld_error *ld_fwcfg_find_file(const struct ld_layout *layout,
				    const struct ld_reader *rd,
				    const char *name,
				    struct ld_fwcfg_file *out, bool *found)
{
	struct ld_error *err;
	uint64_t fw;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (!ld_fwcfg_can_walk(layout))
		return NULL;
	if (!plausible(layout))
		return ld_error(LD_EXIT_DEBUGINFO, "implausible fw_cfg layout");
	err = machine_fw_cfg_dev(layout, rd, &fw);
	if (err || !fw)
		return err;
	err = find_file(layout, rd, fw, name, out, found);
	if (err) {
		*found = false;
		return ld_error_context(err, "fw_cfg device at 0x%" PRIx64, fw);
	}
	return NULL;
}
