# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 10.0.13
target ppc64
host-arch x86_64
host-byte-order little
build-id 7cb46c896a42c86a24ae9bea9aa01f3cf08ffddd
build-id 3ccb99352e343a760271a40a67acf3edec56c759
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
field sizeof(float_status) 0 18
field float_status.float_exception_flags 0 2
field PowerPCCPU.env 11200 89440
field CPUPPCState.gpr 0 256
field CPUPPCState.lr 512 8
field CPUPPCState.ctr 520 8
field CPUPPCState.crf 528 32
field CPUPPCState.xer 568 8
field CPUPPCState.so 576 8
field CPUPPCState.ov 584 8
field CPUPPCState.ca 592 8
field CPUPPCState.ov32 600 8
field CPUPPCState.ca32 608 8
field CPUPPCState.msr 648 8
field CPUPPCState.nip 688 8
field CPUPPCState.spr 2832 8192
field CPUPPCState.vscr 84756 4
field CPUPPCState.vsr 84768 1024
field CPUPPCState.vscr_sat 85792 16
field CPUPPCState.spe_acc 85808 8
field CPUPPCState.spe_fscr 85816 4
field CPUPPCState.fpscr 85856 8
field CPUPPCState.insns_flags2 86224 8
field CPUPPCState.has_hv_mode 87969 1
field CPUPPCState.msr_mask 86184 8
field PPCElfPrstatus.pid 32 4
