# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 10.0.2
target x86_64
host-arch x86_64
host-byte-order little
build-id a252e340821f33618c63a8bd72b4025097a16f38
build-id 0fbbd5ca8d2d0a32532049e20739f3e0d521c5ed
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
field sizeof(RAMBlock) 0 464
field RAMBlock.mr 16 8
field RAMBlock.host 24 8
field RAMBlock.offset 40 8
field RAMBlock.used_length 48 8
field RAMBlock.max_length 56 8
field RAMBlock.idstr 76 256
field RAMBlock.guest_memfd 384 4
field Object.class 0 8
field ObjectClass.type 0 8
field TypeImpl.name 0 8
field TypeImpl.parent_type 96 8
field VirtIOMEM.bitmap 528 8
field VirtIOMEM.bitmap_size 520 4
field VirtIOMEM.block_size 616 8
field sizeof(Int128) 0 16
field Int128.lo 0 8
field Int128.hi 8 8
field CPUTailQ.tqh_first 0 8
field CPUState.node.tqe_next 560 8
field CPUState.cpu_index 704 4
field VMCoreInfoState.has_vmcoreinfo 152 1
field VMCoreInfoState.vmcoreinfo.guest_format 162 2
field VMCoreInfoState.vmcoreinfo.size 164 4
field VMCoreInfoState.vmcoreinfo.paddr 168 8
field VMCoreInfoState.vmcoreinfo 160 16
field X86MachineState.fw_cfg 400 8
field FWCfgState.file_slots 808 2
field FWCfgState.entries 816 16
field FWCfgState.files 840 8
field FWCfgFiles.count 0 4
field FWCfgFiles.f 4 0
field sizeof(FWCfgFile) 0 64
field FWCfgFile.size 0 4
field FWCfgFile.select 4 2
field FWCfgFile.name 8 56
field sizeof(FWCfgEntry) 0 40
field FWCfgEntry.len 0 4
field FWCfgEntry.data 8 8
field FWCfgEntry.callback_opaque 16 8
field X86CPU.env 11200 15312
field CPUX86State.regs 0 128
field CPUX86State.eip 128 8
field CPUX86State.eflags 136 8
field CPUX86State.segs 184 144
field CPUX86State.ldt 328 24
field CPUX86State.tr 352 24
field CPUX86State.gdt 376 24
field CPUX86State.idt 400 24
field CPUX86State.cr 424 40
field CPUX86State.kernelgsbase 11368 8
field CPUX86State.efer 600 8
field CPUX86State.hflags 176 4
field sizeof(SegmentCache) 0 24
field SegmentCache.selector 0 4
field SegmentCache.base 8 8
field SegmentCache.limit 16 4
field SegmentCache.flags 20 4
field sizeof(float_status) 0 18
field float_status.float_exception_flags 0 2
