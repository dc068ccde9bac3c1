#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the test guest payloads into OUTDIR:
#   payload-aarch64.elf  (aarch64 virt, -kernel ELF64)
#   payload-x86_64.elf   (multiboot v1 ELF32, switches to long mode)
#   payload-ppc64be.elf, payload-ppc64le.elf (pseries, -kernel for SLOF)
#   payload-s390x.elf    (s390-ccw-virtio, -kernel ELF64 big-endian)
# Needs only gcc/binutils for the host (x86_64), aarch64-linux-gnu-*,
# powerpc64-linux-gnu-*, powerpc64le-linux-gnu-* and s390x-linux-gnu-*.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
src=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cflags="-O2 -ffreestanding -nostdlib -fno-builtin -fno-pic -fno-pie
	-fno-stack-protector -fno-asynchronous-unwind-tables
	-fno-tree-loop-distribute-patterns -mgeneral-regs-only
	-Wall -Wextra -Werror"

# aarch64: plain ELF64 loaded at 0x40200000.
A=aarch64-linux-gnu-
for f in aarch64/start.S aarch64/main.c stamp.c; do
	"${A}gcc" $cflags -mstrict-align -c "$src/$f" \
		-o "$tmp/a64-$(basename "${f%.*}").o"
done
"${A}ld" -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments \
	-T "$src/aarch64/link.ld" -o "$tmp/payload-aarch64.elf" "$tmp"/a64-*.o
mv "$tmp/payload-aarch64.elf" "$out/payload-aarch64.elf"

# aarch64-be: the same code built big-endian (data big-endian, EL1 with
# SCTLR_EL1.EE), what the host reads still little-endian (stamp.c).
for f in aarch64/start.S aarch64/main.c stamp.c; do
	"${A}gcc" $cflags -mbig-endian -mstrict-align -c "$src/$f" \
		-o "$tmp/a64be-$(basename "${f%.*}").o"
done
"${A}ld" -EB -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments \
	-T "$src/aarch64/link.ld" -o "$tmp/payload-aarch64be.elf" "$tmp"/a64be-*.o
mv "$tmp/payload-aarch64be.elf" "$out/payload-aarch64be.elf"

# x86_64: 64-bit code, converted to ELF32 because QEMU's multiboot loader
# refuses EM_X86_64 images (hw/i386/multiboot.c).
for f in x86_64/start.S x86_64/main.c stamp.c; do
	gcc -m64 $cflags -mno-red-zone -mcmodel=small -c "$src/$f" \
		-o "$tmp/x86-$(basename "${f%.*}").o"
done
ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack -T "$src/x86_64/link.ld" -o "$tmp/payload-x86_64.64" \
	"$tmp"/x86-*.o
objcopy -O elf32-i386 "$tmp/payload-x86_64.64" "$tmp/payload-x86_64.elf"
mv "$tmp/payload-x86_64.elf" "$out/payload-x86_64.elf"

# ppc64 (pseries): one source built big-endian (ELFv1) and little-endian
# (ELFv2, switches MSR[LE] on at entry); both are -kernel ELFs for SLOF.
pflags="${cflags/-mgeneral-regs-only/} -msoft-float -mno-altivec -mno-vsx"
for e in be le; do
	P=powerpc64-linux-gnu-
	[ $e = le ] && P=powerpc64le-linux-gnu-
	for f in ppc64/start.S ppc64/main.c stamp.c; do
		"${P}gcc" $pflags -Wa,-mpower9,-mregnames -c "$src/$f" \
			-o "$tmp/ppc64$e-$(basename "${f%.*}").o"
	done
	"${P}ld" -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
		--no-warn-rwx-segments -T "$src/ppc64/link.ld" \
		-o "$tmp/payload-ppc64$e.elf" "$tmp"/ppc64$e-*.o
	mv "$tmp/payload-ppc64$e.elf" "$out/payload-ppc64$e.elf"
done
echo "built $out/payload-aarch64.elf $out/payload-aarch64be.elf $out/payload-x86_64.elf"
echo "built $out/payload-ppc64be.elf $out/payload-ppc64le.elf"

# s390x: ELF64 big-endian for s390-ccw-virtio's -kernel (QEMU's IPL starts
# it at its entry in 64-bit mode).  -msoft-float: the C code keeps off the
# FP and vector registers, whose values start.S sets for the CPU notes.
S=s390x-linux-gnu-
for f in s390x/start.S s390x/main.c stamp.c; do
	"${S}gcc" ${cflags/-mgeneral-regs-only/} -march=z196 -msoft-float \
		-c "$src/$f" -o "$tmp/s390x-$(basename "${f%.*}").o"
done
"${S}ld" -m elf64_s390 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments \
	-T "$src/s390x/link.ld" -o "$tmp/payload-s390x.elf" "$tmp"/s390x-*.o
mv "$tmp/payload-s390x.elf" "$out/payload-s390x.elf"
echo "built $out/payload-s390x.elf"
