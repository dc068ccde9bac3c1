# qemu-livedump layout profile: struct layouts of one QEMU build,
# taken from its DWARF (qemu-livedump --write-profile).
qemu-livedump-profile 1
qemu-version 10.0.2
target aarch64
host-arch x86_64
host-byte-order little
build-id f767da01cb0d1e9df3993781c4f09dfe4f43cb41
build-id 5fd434c0e9b465017ebdd391d5a0488ee0b9f62c
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
field VirtMachineState.fw_cfg 424 8
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
field ARMCPU.env 11200 78736
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
field CPUARMState.vfp.zregs 3312 8192
field CPUARMState.vfp.pregs 11504 544
field CPUARMState.vfp.qc 12080 16
field CPUARMState.vfp.vec_len 12096 4
field CPUARMState.vfp.vec_stride 12100 4
field CPUARMState.vfp.xregs 12120 64
field CPUARMState.vfp.fp_status 12216 144
field CPUARMState.vfp.fpsr 12104 8
field CPUARMState.vfp.fpcr 12112 8
field sizeof(float_status) 0 18
const ARMFPStatusFlavour.FPST_A32 0
const ARMFPStatusFlavour.FPST_A64 1
const ARMFPStatusFlavour.FPST_A32_F16 2
const ARMFPStatusFlavour.FPST_A64_F16 3
const ARMFPStatusFlavour.FPST_STD 6
const ARMFPStatusFlavour.FPST_STD_F16 7
field CPUARMState.vfp.zcr_el 12360 32
field CPUARMState.vfp.smcr_el 12392 32
field CPUARMState.v7m.ltpsize 3240 4
field CPUARMState.cp15.hcr_el2 944 8
field CPUARMState.cp15.sctlr_el 680 32
field CPUARMState.cp15.ttbr1_el 816 32
field CPUARMState.cp15.scr_el3 960 8
field float_status.float_exception_flags 0 2
field ARMCPU.sve_max_vq 90928 4
field ARMCPU.sve_vq.map 90932 4
field ARMCPU.sme_vq.map 90944 4
field ARMCPU.isar.id_aa64pfr0 90544 8
