# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 7.2.22
target aarch64
host-arch x86_64
host-byte-order little
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
field Object.class 0 8
field ObjectClass.type 0 8
field TypeImpl.name 0 8
field TypeImpl.parent_type 96 8
field VirtIOMEM.bitmap 528 8
field VirtIOMEM.bitmap_size 520 4
field VirtIOMEM.block_size 584 8
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
field VirtMachineState.fw_cfg 376 8
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
field ARMCPU.env 7888 78464
field CPUARMState.xregs 64 256
field CPUARMState.pc 320 8
field CPUARMState.pstate 328 4
field CPUARMState.aarch64 332 1
field CPUARMState.NF 536 4
field CPUARMState.ZF 540 4
field CPUARMState.CF 528 4
field CPUARMState.VF 532 4
field CPUARMState.daif 560 8
field CPUARMState.btype 556 4
field CPUARMState.svcr 568 8
field CPUARMState.vfp.zregs 3184 8192
field CPUARMState.vfp.pregs 11376 544
field CPUARMState.vfp.qc 11952 16
field CPUARMState.vfp.vec_len 11968 4
field CPUARMState.vfp.vec_stride 11972 4
field CPUARMState.vfp.xregs 11976 64
field CPUARMState.vfp.fp_status 12072 14
field CPUARMState.vfp.fp_status_f16 12086 14
field CPUARMState.vfp.standard_fp_status 12100 14
field CPUARMState.vfp.standard_fp_status_f16 12114 14
field sizeof(float_status) 0 14
const ARMFPStatusFlavour.FPST_STD 2
const ARMFPStatusFlavour.FPST_STD_F16 3
field CPUARMState.vfp.zcr_el 12128 32
field CPUARMState.vfp.smcr_el 12160 32
field CPUARMState.v7m.ltpsize 3112 4
field CPUARMState.cp15.hcr_el2 936 8
field CPUARMState.cp15.sctlr_el 680 32
field CPUARMState.cp15.ttbr1_el 808 32
field CPUARMState.cp15.scr_el3 952 8
field float_status.float_exception_flags 0 2
field ARMCPU.sve_max_vq 87184 4
field ARMCPU.sve_vq.map 87188 4
field ARMCPU.sme_vq.map 87200 4
field ARMCPU.isar.id_aa64pfr0 86808 8
