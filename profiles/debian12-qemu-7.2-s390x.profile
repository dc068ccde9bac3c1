# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 7.2.22
target s390x
host-arch x86_64
host-byte-order little
build-id 3abdd4bcf0abf2f63e40ab9deeea1fe5f568dcce
build-id a460093b2ef70044afccbdb8b60dda50799a97f7
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
field Object.class 0 8
field ObjectClass.type 0 8
field TypeImpl.name 0 8
field TypeImpl.parent_type 96 8
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
field VMCoreInfoState.vmcoreinfo 168 16
field X86MachineState.fw_cfg 352 8
field FWCfgState.file_slots 816 2
field FWCfgState.entries 824 16
field FWCfgState.files 848 8
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
field sizeof(float_status) 0 14
field float_status.float_exception_flags 0 2
field S390CPU.env 2960 1248
field CPUS390XState.regs 0 128
field CPUS390XState.vregs 128 512
field CPUS390XState.aregs 640 64
field CPUS390XState.gscb 704 32
field CPUS390XState.fpc 760 4
field CPUS390XState.psw.mask 792 8
field CPUS390XState.psw.addr 800 8
field CPUS390XState.psa 864 8
field CPUS390XState.cregs 904 128
field CPUS390XState.ckc 1032 8
field CPUS390XState.cputm 1040 8
field CPUS390XState.todpr 1048 4
