/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcore.h - the ELF vmcore writer: headers and notes of an ET_CORE file
 * for the chosen arch, encoded in the target's class and byte order with
 * libelf's translation functions.
 *
 * File layout (what QEMU's dump-guest-memory writes, plus alignment):
 *
 *   Elf_Ehdr | Elf_Phdr[PT_NOTE, PT_LOAD...] | [Elf_Shdr 0 if PN_XNUM]
 *   | notes (note_capacity bytes) | pad to page | load 0 | load 1 | ...
 *
 * PT_NOTE comes first; each PT_LOAD has p_paddr = p_vaddr = guest-physical
 * start.  The note area has a fixed capacity chosen before the headers are
 * written, so notes found later (during the copy) can still be written, even
 * to a pipe; unused capacity is filled by a padding note that readers skip.
 */
#ifndef QLD_ELFCORE_H
#define QLD_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"
#include "notesink.h"

struct ld_elf;

struct ld_elf *ld_elf_new(const struct ld_arch *arch);
void ld_elf_free(struct ld_elf *elf);

/*
 * Add a note.  desc must already be in the target's byte order (the CPU
 * note builders produce it that way); name is copied with its NUL.
 */
struct ld_error *ld_elf_add_note(struct ld_elf *elf, const char *name,
				 uint32_t type, const void *desc,
				 size_t descsz);

/* elf as a note sink (ld_elf_add_note), valid while elf lives. */
const struct ld_note_sink *ld_elf_note_sink(struct ld_elf *elf);

/*
 * The notes added so far, encoded as they are written (no padding note):
 * what a kdump file carries as its ELF note data.  Owned by elf.
 */
void ld_elf_notes(const struct ld_elf *elf, const void **buf, size_t *len);

/* Bytes an added note of this name and desc size takes in the file. */
size_t ld_elf_note_size(const char *name, size_t descsz);

/* Reserve extra note capacity (for notes added after ld_elf_layout). */
void ld_elf_reserve_notes(struct ld_elf *elf, size_t bytes);

/* Add a PT_LOAD for guest-physical [paddr, paddr+size). */
struct ld_error *ld_elf_add_load(struct ld_elf *elf, uint64_t paddr,
				 uint64_t size);

/*
 * Fix the layout: file offsets of the notes and of each load.  For a 32-bit
 * arch whose addresses or file offsets do not fit 32 bits, the file becomes
 * ELFCLASS64 with the arch's e_machine, as QEMU's own dump does for x86
 * guests with RAM above 4 GiB.  After this, loads can no longer be added;
 * notes can, within capacity.
 */
struct ld_error *ld_elf_layout(struct ld_elf *elf);

/*
 * Write ELFCLASS64 even for a 32-bit arch (before ld_elf_layout): QEMU
 * does so for EM_386 when a block ends above 4 GiB - 1.
 */
void ld_elf_force_class64(struct ld_elf *elf);

/* ELFCLASS32 or ELFCLASS64: the arch's class unless layout had to widen. */
unsigned char ld_elf_class(const struct ld_elf *elf);

/* After layout: file offset of load i, and total file size. */
uint64_t ld_elf_load_offset(const struct ld_elf *elf, size_t i);
uint64_t ld_elf_file_size(const struct ld_elf *elf);

/*
 * Leave load i out of the file without moving anything: its program
 * header becomes PT_NULL, which every reader skips (guest RAM that went
 * away during the copy).  Render the head again afterwards.
 */
void ld_elf_drop_load(struct ld_elf *elf, size_t i);

/*
 * After layout: the bytes from offset 0 up to the first load (headers,
 * notes, padding note, alignment), in a buffer owned by elf, valid until the
 * next call.  Write it at offset 0.
 */
struct ld_error *ld_elf_render_head(struct ld_elf *elf, const void **buf,
				    size_t *len);

#endif /* QLD_ELFCORE_H */
