// SPDX-License-Identifier: GPL-2.0-or-later
/* guestlinux.c - a guest Linux kernel's VMCOREINFO facts and its utsname. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "guestlinux.h"

/* x86_64's __START_KERNEL_map: where the kernel image is mapped. */
#define X86_64_START_KERNEL_MAP 0xffffffff80000000ull
/* ppc64 (book3s and book3e): the kernel image is in the linear map. */
#define PPC64_PAGE_OFFSET 0xc000000000000000ull

/*
 * The value of "KEY=" in text: the rest of its line, or NULL.  The text
 * ends at len or at a NUL (the note's padding), whichever comes first.
 */
static const char *find_value(const char *text, size_t len, const char *key,
			      size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = text, *end;
	const char *nul = text ? memchr(text, '\0', len) : NULL;

	if (!text)
		return NULL;
	end = nul ? nul : text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (ll > klen && p[klen] == '=' && !memcmp(p, key, klen)) {
			*vlen = ll - klen - 1;
			return p + klen + 1;
		}
		p += ll + 1;
	}
	return NULL;
}

bool ld_vmci_string(const char *text, size_t len, const char *key,
		    char *val, size_t cap)
{
	size_t vlen;
	const char *v = find_value(text, len, key, &vlen);

	if (!v || !cap || vlen >= cap)
		return false;
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	return true;
}

bool ld_vmci_number(const char *text, size_t len, const char *key,
		    uint64_t *value)
{
	char num[32], *ep;
	bool hex = !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET");
	unsigned long long v;

	if (!ld_vmci_string(text, len, key, num, sizeof(num)) || !num[0])
		return false;
	errno = 0;
	if (num[0] == '-')	/* NUMBER() is printed with %ld */
		v = (unsigned long long)strtoll(num, &ep, 10);
	else
		v = strtoull(num, &ep, hex ? 16 : 0);
	if (errno || ep == num || *ep)
		return false;
	*value = v;
	return true;
}

bool ld_guestlinux_kimage_pa(const struct ld_arch *arch, const char *vmci,
			     size_t len, uint64_t va, uint64_t *pa)
{
	uint64_t base;

	switch (arch->id) {
	case LD_ARCH_X86_64:
		if (va < X86_64_START_KERNEL_MAP ||
		    !ld_vmci_number(vmci, len, "NUMBER(phys_base)", &base))
			return false;
		*pa = va - X86_64_START_KERNEL_MAP + base;
		return true;
	case LD_ARCH_AARCH64_LE:
	case LD_ARCH_AARCH64_BE:
		/* arm64: kimage_voffset = kimage_vaddr - kernel's phys addr */
		if (!ld_vmci_number(vmci, len, "NUMBER(kimage_voffset)", &base) ||
		    va < base)
			return false;
		*pa = va - base;
		return true;
	case LD_ARCH_PPC64_LE:
	case LD_ARCH_PPC64_BE:
		/*
		 * ppc64's __pa(): the linear map starts at PAGE_OFFSET and
		 * holds the kernel wherever it was loaded (no KASLR on
		 * book3s; a relocated kernel runs at PAGE_OFFSET + its
		 * physical address).
		 */
		if ((va & 0xf000000000000000ull) != PPC64_PAGE_OFFSET)
			return false;
		*pa = va - PPC64_PAGE_OFFSET;
		return true;
	default:
		return false;
	}
}

/* Every field NUL-terminated, printable up to it. */
static bool uts_fields_sane(const char *f)
{
	for (size_t i = 0; i < 6; i++, f += LD_UTS_FIELD) {
		const char *nul = memchr(f, '\0', LD_UTS_FIELD);

		if (!nul)
			return false;
		for (const char *c = f; c < nul; c++)
			if (*c < 0x20 || *c > 0x7e)
				return false;
	}
	return true;
}

struct ld_error *ld_guestlinux_utsname(const struct ld_arch *arch,
				       const char *vmci, size_t len,
				       const struct ld_guest_ram *ram,
				       struct ld_utsname *out)
{
	char release[LD_UTS_FIELD], raw[6 * LD_UTS_FIELD];
	uint64_t sym, off, pa;
	struct ld_error *err;

	if (!ld_vmci_string(vmci, len, "OSRELEASE", release, sizeof(release)) ||
	    !ld_vmci_number(vmci, len, "SYMBOL(init_uts_ns)", &sym) ||
	    !ld_vmci_number(vmci, len, "OFFSET(uts_namespace.name)", &off))
		return ld_error(LD_EXIT_FAILURE,
				"VMCOREINFO lacks OSRELEASE, SYMBOL(init_uts_ns) or OFFSET(uts_namespace.name)");
	if (off > 4096 || sym + off < sym ||
	    !ld_guestlinux_kimage_pa(arch, vmci, len, sym + off, &pa))
		return ld_error(LD_EXIT_FAILURE,
				"init_uts_ns at 0x%" PRIx64 "+0x%" PRIx64 " is not in the kernel image as VMCOREINFO describes it for %s",
				sym, off, arch->name);
	err = ram->read(ram->ctx, pa, raw, sizeof(raw));
	if (err)
		return ld_error_context(err, "reading init_uts_ns at gpa 0x%" PRIx64,
					pa);
	if (!uts_fields_sane(raw) || strcmp(raw, "Linux") ||
	    strcmp(raw + 2 * LD_UTS_FIELD, release))
		return ld_error(LD_EXIT_FAILURE,
				"init_uts_ns at gpa 0x%" PRIx64 " is not the utsname of Linux %s",
				pa, release);
	memcpy(out, raw, sizeof(raw));
	return NULL;
}
