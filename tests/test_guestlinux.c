// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_guestlinux.c - VMCOREINFO values as the kernel prints them, the
 * kernel image's guest-physical place, and the utsname read through it,
 * with the values of Debian 12's kernels (x86_64 and arm64, with KASLR).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "guestlinux.h"

/* What Debian 12's 6.1 cloud kernel wrote, KASLR on (tests/linux). */
static const char x86_text[] =
	"OSRELEASE=6.1.0-57-cloud-amd64\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff839f9b60\n"
	"OFFSET(uts_namespace.name)=0\n"
	"NUMBER(phys_base)=73400320\n"
	"NUMBER(phys_base_other)=5\n"
	"KERNELOFFSET=e00000\n"
	"NUMBER(negative)=-2\n"
	"NUMBER(garbage)=12x\n"
	"NUMBER(empty)=\n";

static const char arm_text[] =
	"OSRELEASE=6.1.0-57-arm64\n"
	"SYMBOL(init_uts_ns)=ffffbb639611c030\n"
	"OFFSET(uts_namespace.name)=0\n"
	"NUMBER(kimage_voffset)=0xffffbb6354000000\n"
	"NUMBER(PHYS_OFFSET)=0xfffff92300000000\n";

Test(guestlinux, values_as_the_kernel_prints_them)
{
	const size_t n = sizeof(x86_text);
	uint64_t v;
	char s[64];

	cr_assert(ld_vmci_number(x86_text, n, "SYMBOL(init_uts_ns)", &v));
	cr_expect_eq(v, 0xffffffff839f9b60ull, "SYMBOL() is hex without 0x");
	cr_assert(ld_vmci_number(x86_text, n, "NUMBER(phys_base)", &v));
	cr_expect_eq(v, 73400320, "NUMBER() is decimal (%%ld)");
	cr_assert(ld_vmci_number(x86_text, n, "KERNELOFFSET", &v));
	cr_expect_eq(v, 0xe00000);
	cr_assert(ld_vmci_number(x86_text, n, "NUMBER(negative)", &v));
	cr_expect_eq(v, (uint64_t)-2);
	cr_assert(ld_vmci_number(arm_text, sizeof(arm_text),
				 "NUMBER(kimage_voffset)", &v));
	cr_expect_eq(v, 0xffffbb6354000000ull, "0x-prefixed hex");
	cr_expect_not(ld_vmci_number(x86_text, n, "NUMBER(garbage)", &v));
	cr_expect_not(ld_vmci_number(x86_text, n, "NUMBER(empty)", &v));
	cr_expect_not(ld_vmci_number(x86_text, n, "NUMBER(phys)", &v),
		      "a key is matched whole, not as a prefix");
	cr_expect_not(ld_vmci_number(x86_text, n, "NUMBER(absent)", &v));
	cr_assert(ld_vmci_string(x86_text, n, "OSRELEASE", s, sizeof(s)));
	cr_expect_str_eq(s, "6.1.0-57-cloud-amd64");
	cr_expect_not(ld_vmci_string(x86_text, n, "OSRELEASE", s, 8),
		      "too long for the buffer");
	/* the text ends at the note's padding */
	cr_expect_not(ld_vmci_number("A=1\0B=2\n", 8, "B", &v));
	cr_expect_not(ld_vmci_number(NULL, 0, "B", &v));
}

Test(guestlinux, kernel_image_addresses)
{
	uint64_t pa;

	cr_assert(ld_guestlinux_kimage_pa(ld_arch_lookup("X86_64"), x86_text,
					  sizeof(x86_text),
					  0xffffffff839f9b60ull, &pa));
	cr_expect_eq(pa, 0x39f9b60ull + 73400320, "va - __START_KERNEL_map + phys_base");
	cr_expect_not(ld_guestlinux_kimage_pa(ld_arch_lookup("X86_64"),
					      x86_text, sizeof(x86_text),
					      0xffff888000000000ull, &pa),
		      "the direct map is not the kernel image");
	cr_assert(ld_guestlinux_kimage_pa(ld_arch_lookup("aarch64-le"),
					  arm_text, sizeof(arm_text),
					  0xffffbb639611c030ull, &pa));
	cr_expect_eq(pa, 0x4211c030ull, "va - kimage_voffset");
	cr_expect_not(ld_guestlinux_kimage_pa(ld_arch_lookup("aarch64-le"),
					      x86_text, sizeof(x86_text),
					      0xffffbb639611c030ull, &pa),
		      "no kimage_voffset");
	/* Debian 12's ppc64el kernel: SYMBOL(init_uts_ns)=c0000000026ab3c0. */
	for (int be = 0; be <= 1; be++) {
		const struct ld_arch *ppc = ld_arch_lookup(be ? "ppc64-be" :
								"ppc64-le");

		cr_assert(ld_guestlinux_kimage_pa(ppc, x86_text,
						  sizeof(x86_text),
						  0xc0000000026ab3c0ull, &pa));
		cr_expect_eq(pa, 0x26ab3c0ull, "va - PAGE_OFFSET");
		cr_expect_not(ld_guestlinux_kimage_pa(ppc, x86_text,
						      sizeof(x86_text),
						      0xd000000000001000ull,
						      &pa), "vmalloc space");
	}
	cr_expect_not(ld_guestlinux_kimage_pa(ld_arch_lookup("s390"), x86_text,
					      sizeof(x86_text),
					      0xffffffff839f9b60ull, &pa));
}

/* Guest RAM: one page at a gpa, the rest faults. */
struct fake_ram {
	uint64_t gpa;
	unsigned char page[4096];
	uint64_t asked;
};

static struct ld_error *fake_read(void *ctx, uint64_t gpa, void *buf,
				  size_t len)
{
	struct fake_ram *r = ctx;

	r->asked = gpa;
	if (gpa < r->gpa || gpa + len > r->gpa + sizeof(r->page))
		return ld_error_errno(LD_EXIT_COPY, EFAULT, "reading gpa 0x%llx",
				      (unsigned long long)gpa);
	memcpy(buf, r->page + (gpa - r->gpa), len);
	return NULL;
}

static void put_uts(struct fake_ram *r, size_t at, const char *rel)
{
	static const char *const fields[6] = {
		"Linux", "guest", NULL, "#1 SMP PREEMPT_DYNAMIC Debian", "x86_64",
		"(none)",
	};

	memset(r->page, 0, sizeof(r->page));
	for (size_t i = 0; i < 6; i++)
		strcpy((char *)r->page + at + i * LD_UTS_FIELD,
		       fields[i] ? fields[i] : rel);
}

Test(guestlinux, utsname_read_where_vmcoreinfo_says_and_checked)
{
	static struct fake_ram r = { .gpa = 0x7ff9000 };
	struct ld_guest_ram ram = { fake_read, &r };
	const struct ld_arch *x86 = ld_arch_lookup("X86_64");
	struct ld_utsname u;
	struct ld_error *err;

	put_uts(&r, 0xb60, "6.1.0-57-cloud-amd64");
	err = ld_guestlinux_utsname(x86, x86_text, sizeof(x86_text), &ram, &u);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_expect_eq(r.asked, 0x7ff9b60);
	cr_expect_str_eq(u.sysname, "Linux");
	cr_expect_str_eq(u.release, "6.1.0-57-cloud-amd64");
	cr_expect_str_eq(u.machine, "x86_64");
	cr_expect_str_eq(u.domainname, "(none)");

	/* another kernel's utsname (or none) there: refused */
	put_uts(&r, 0xb60, "5.10.0-other");
	err = ld_guestlinux_utsname(x86, x86_text, sizeof(x86_text), &ram, &u);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "is not the utsname of Linux 6.1.0-57-cloud-amd64"),
		  "%s", err->message);
	ld_error_free(err);

	/* a field without its NUL */
	put_uts(&r, 0xb60, "6.1.0-57-cloud-amd64");
	memset(r.page + 0xb60 + LD_UTS_FIELD, 'x', LD_UTS_FIELD);
	err = ld_guestlinux_utsname(x86, x86_text, sizeof(x86_text), &ram, &u);
	cr_assert_not_null(err, "an unterminated nodename is refused");
	ld_error_free(err);

	/* the read fails: the error says where */
	r.gpa = 0x1000;
	err = ld_guestlinux_utsname(x86, x86_text, sizeof(x86_text), &ram, &u);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "reading init_uts_ns at gpa 0x7ff9b60"),
		  "%s", err->message);
	ld_error_free(err);

	/* VMCOREINFO without the symbol */
	err = ld_guestlinux_utsname(x86, "OSRELEASE=6.1\n", 14, &ram, &u);
	cr_assert_not_null(err);
	cr_expect(strstr(err->message, "VMCOREINFO lacks"), "%s", err->message);
	ld_error_free(err);
}
