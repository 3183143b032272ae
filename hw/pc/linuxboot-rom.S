/* The Linux-boot option ROM built from roms/linuxboot_dma.S, carried in
 * kemu's binary so that -kernel needs no installed file. */
    .section .rodata
    .globl pc_linuxboot_rom, pc_linuxboot_rom_end
    .balign 16
pc_linuxboot_rom:
    .incbin "roms/linuxboot_dma.bin"
pc_linuxboot_rom_end:
    .section .note.GNU-stack, "", @progbits
