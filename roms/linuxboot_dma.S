/* kemu's Linux-boot option ROM.  The board hands it to the firmware as the
 * fw_cfg file "genroms/linuxboot_dma.bin" together with the kernel
 * (fw_cfg SETUP_*, KERNEL_*, CMDLINE_*, INITRD_*: addresses, sizes, data).
 * The firmware runs its initialisation entry (nothing to do) and registers
 * its Bootstrap Entry Vector from the PnP header; when the boot order
 * reaches it, the BEV copies each part to its address with the fw_cfg DMA
 * interface (which reaches all of memory from real mode) and enters the
 * kernel's real-mode setup code as the Linux x86 boot protocol says: DS =
 * ES = FS = GS = SS = the setup's segment, SP at the top of its heap,
 * interrupts off, CS = segment + 0x20, IP = 0.  The board has already
 * filled in the setup header (loader type, heap end, command line and
 * initrd fields), so the ROM copies bytes only.
 *
 * Layout (legacy option ROM with a PnP expansion header): 0x55 0xaa, size
 * in 512-byte blocks, init entry at offset 3, the PnP header's offset at
 * 0x1a.  The build pads the image to whole blocks and sets the PnP header
 * and image checksums (roms/romsign.c). */

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA   0x514

#define FW_CFG_ID           0x01
#define FW_CFG_KERNEL_ADDR  0x07
#define FW_CFG_KERNEL_SIZE  0x08
#define FW_CFG_INITRD_ADDR  0x0a
#define FW_CFG_INITRD_SIZE  0x0b
#define FW_CFG_KERNEL_DATA  0x11
#define FW_CFG_INITRD_DATA  0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR   0x16
#define FW_CFG_SETUP_SIZE   0x17
#define FW_CFG_SETUP_DATA   0x18

#define FW_CFG_VERSION_DMA  0x02
#define DMA_ERROR           0x01
#define DMA_READ            0x02
#define DMA_SELECT          0x08

#define HDR_HEAP_END_PTR    0x224   /* setup header: end of the setup heap */

    .code16
    .text
    .globl _start
_start:
    .byte 0x55, 0xaa
    .byte 0                         /* size in blocks: set by romsign */
    lret                            /* init: nothing to set up before boot */

    .org 0x18
    .word 0                         /* no PCI data structure */
    .word pnp_header

    .balign 16
pnp_header:
    .ascii "$PnP"
    .byte 1                         /* structure revision */
    .byte 2                         /* length in 16-byte units */
    .word 0                         /* no further header */
    .byte 0                         /* reserved */
    .byte 0                         /* header checksum: set by romsign */
    .long 0                         /* device identifier */
    .word manufacturer
    .word product
    .byte 0, 0, 0                   /* device type code */
    .byte 0                         /* device indicators */
    .word 0                         /* boot connection vector */
    .word 0                         /* disconnect vector */
    .word bev                       /* bootstrap entry vector */
    .word 0                         /* reserved */
    .word 0                         /* static resource information */

manufacturer:
    .asciz "kemu"
product:
    .asciz "Linux loader (fw_cfg DMA)"

/* eax = the 32-bit little-endian value of fw_cfg item %ax, read through
 * the selector and data ports.  Clobbers dx. */
read32:
    mov $FW_CFG_PORT_SEL, %dx
    out %ax, %dx
    inc %dx
    mov $4, %cx
1:  in %dx, %al
    ror $8, %eax
    loop 1b
    ret

/* Copy ecx bytes of fw_cfg item %ax to physical address edi by DMA.  The
 * access structure (big-endian control, length, 64-bit address) lives on
 * the stack; its physical address goes to the DMA register, high half
 * first, and the device clears the control word when done, leaving only
 * the error bit on failure.  CF set on error. */
dma_read:
    push %bp
    mov %sp, %bp
    sub $16, %sp
    and $0xfff0, %sp
    movzwl %ax, %eax
    shl $16, %eax
    or $(DMA_SELECT | DMA_READ), %eax
    bswap %eax
    mov %eax, (%esp)
    bswap %ecx
    mov %ecx, 4(%esp)
    movl $0, 8(%esp)
    bswap %edi
    mov %edi, 12(%esp)
    xor %eax, %eax
    mov %ss, %ax
    shl $4, %eax
    movzwl %sp, %edx
    add %edx, %eax
    bswap %eax
    mov %eax, %ecx
    mov $FW_CFG_PORT_DMA, %dx
    xor %eax, %eax
    out %eax, %dx
    add $4, %dx
    mov %ecx, %eax
    out %eax, %dx
2:  mov (%esp), %eax
    bswap %eax
    test $~DMA_ERROR, %eax
    jnz 2b
    shr $1, %eax                    /* CF = the error bit */
    mov %bp, %sp
    pop %bp
    ret

/* Copy item %bx (data) to the address in item %si for the size in item
 * %di; a zero size copies nothing.  CF set on a DMA error. */
load_item:
    mov %di, %ax
    call read32
    mov %eax, %ecx
    jecxz 3f
    push %ecx
    mov %si, %ax
    call read32
    mov %eax, %edi
    pop %ecx
    mov %bx, %ax
    jmp dma_read
3:  clc
    ret

.macro LOAD data, addr, size
    mov $\data, %bx
    mov $\addr, %si
    mov $\size, %di
    call load_item
    jc fail
.endm

bev:
    cli
    cld
    movzwl %sp, %esp                /* (%esp) addressing stays in the segment */
    push %cs
    pop %ds
    mov $FW_CFG_ID, %ax
    call read32
    test $FW_CFG_VERSION_DMA, %al
    jz fail
    mov $FW_CFG_SETUP_SIZE, %ax
    call read32
    test %eax, %eax
    jz fail                         /* no kernel for us to boot */
    LOAD FW_CFG_SETUP_DATA, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE
    LOAD FW_CFG_KERNEL_DATA, FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE
    LOAD FW_CFG_CMDLINE_DATA, FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE
    LOAD FW_CFG_INITRD_DATA, FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE
    mov $FW_CFG_SETUP_ADDR, %ax
    call read32
    shr $4, %eax                    /* the setup's segment */
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov HDR_HEAP_END_PTR, %bx
    mov %ax, %ss
    lea 0x200(%bx), %sp             /* the stack above the heap */
    add $0x20, %ax
    push %ax
    push $0
    lret                            /* setup code at segment + 0x20, offset 0 */

/* Back to the firmware, which tries the next boot device. */
fail:
    sti
    int $0x18
