# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 7.2.22
target aarch64
host-arch x86_64
build-id bca98a010f45991c30130d2668c797751619fdc4
build-id 82d7bd349851e9d52ea18b5ecae68fbc9ca5a6b5
field AddressSpace.name 16 8
field AddressSpace.current_map 32 8
field FlatView.ranges 24 8
field FlatView.nr 32 4
field sizeof(FlatRange) 0 64
field FlatRange.mr 0 8
field FlatRange.offset_in_region 8 8
field FlatRange.addr.start 16 16
field FlatRange.addr.size 32 16
field sizeof(MemoryRegion) 0 272
field MemoryRegion.ram 41 1
field MemoryRegion.ram_device 153 1
field MemoryRegion.nonvolatile 44 1
field MemoryRegion.ram_block 56 8
field MemoryRegion.alias 160 8
field MemoryRegion.alias_offset 168 8
field MemoryRegion.name 232 8
field MemoryRegion.rdm 256 8
field sizeof(RAMBlock) 0 416
field RAMBlock.mr 16 8
field RAMBlock.host 24 8
field RAMBlock.offset 40 8
field RAMBlock.used_length 48 8
field RAMBlock.max_length 56 8
field RAMBlock.idstr 76 256
field sizeof(Int128) 0 16
field Int128.lo 0 8
field Int128.hi 8 8
field CPUTailQ.tqh_first 0 8
field CPUState.node.tqe_next 584 8
field CPUState.cpu_index 752 4
field VMCoreInfoState.has_vmcoreinfo 160 1
field VMCoreInfoState.vmcoreinfo.guest_format 170 2
field VMCoreInfoState.vmcoreinfo.size 172 4
field VMCoreInfoState.vmcoreinfo.paddr 176 8
