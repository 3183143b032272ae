/* nic-hostile: a guest that programs the e1000 as an attacker would, to
 * show that it can hurt only itself.  In 32-bit protected mode with
 * interrupts off it finds the e1000 on the PCI bus, maps its registers,
 * then for ITERS iterations does one random thing: scribble on the ring
 * area, write a transmit or receive descriptor whose buffer is somewhere
 * wild (0, the device's own registers, the VGA window, past RAM, 64-bit
 * addresses, random), write a random or interesting value into one of the
 * ring, interrupt, EEPROM or PHY registers, kick the transmit tail, move
 * the BARs, or set up a sane ring and send an ARP request so that the
 * user-mode network answers and the receive path runs too.
 * Prints "nic-hostile: iter N" every 4096 iterations, the frame counts
 * since the last device reset, and "nic-hostile: done" at the end, then
 * exits 0 through isa-debug-exit. */
#include "tests/guest/guest.h"

#define ITERS    40000
#define BAR      0xfeb00000
#define RING     0x100000           /* transmit ring, receive ring after it */
#define RXRING   0x100800
#define FRAME    0x120000
#define V_RNG    0x80000
#define V_DEV    0x80004
#define V_ITER   0x80008

    BIOS_START16
    ENTER_PM32 $0x90000
    mov $LIN(m_start), %esi
    call puts32
    movl $0x2545f491, V_RNG
    call find_e1000
    call map_bars
    call put_frame
    movl $0, V_ITER
iter:
    call one_action
    incl V_ITER
    mov V_ITER, %eax
    test $4095, %eax
    jnz 1f
    mov $LIN(m_iter), %esi
    call puts32
    mov V_ITER, %eax
    call putdec32
    mov $LIN(m_nl), %esi
    call puts32
1:  cmpl $ITERS, V_ITER
    jb iter
    mov $LIN(m_tpt), %esi           /* what the statistics saw since the last reset */
    call puts32
    mov BAR + 0x40d4, %eax
    call putdec32
    mov $LIN(m_tpr), %esi
    call puts32
    mov BAR + 0x40d0, %eax
    call putdec32
    mov $LIN(m_nl), %esi
    call puts32
    mov $LIN(m_done), %esi
    call puts32
    mov $EXIT_PASS, %al
    out %al, $DEBUG_EXIT
2:  hlt
    jmp 2b

/* xorshift32 -> %eax */
rand32:
    XORSHIFT32 V_RNG
    ret

/* Config dword %ecx of the e1000 -> %eax; pci_out writes %eax there. */
pci_in:
    mov V_DEV, %eax
    or %ecx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    ret
pci_out:
    push %eax
    mov V_DEV, %eax
    or %ecx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    pop %eax
    mov $0xcfc, %dx
    out %eax, %dx
    ret

find_e1000:
    mov $0x80000000, %ebx
1:  mov %ebx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    cmp $0x100e8086, %eax
    je 2f
    add $0x800, %ebx
    cmp $0x80010000, %ebx
    jb 1b
    mov $LIN(m_nodev), %esi
    call puts32
    mov $2, %al
    out %al, $DEBUG_EXIT
2:  mov %ebx, V_DEV
    ret

map_bars:
    mov $0x10, %ecx
    mov $BAR, %eax
    call pci_out
    mov $0x14, %ecx
    mov $0xc001, %eax
    call pci_out
    mov $0x04, %ecx
    mov $0x7, %eax                  /* I/O, memory, bus master */
    jmp pci_out

/* An ARP request for 10.0.2.2 from 10.0.2.15 at FRAME (42 bytes). */
put_frame:
    mov $LIN(arp), %esi
    mov $FRAME, %edi
    mov $42, %ecx
    rep movsb
    ret

/* A pick from table %esi of 16 dwords -> %eax */
pick16:
    push %esi
    call rand32
    pop %esi
    and $15, %eax
    mov (%esi,%eax,4), %eax
    ret

one_action:
    call rand32
    mov %eax, %ebx
    and $7, %ebx
    jmp *LIN(actions)(,%ebx,4)

act_scribble:                       /* a random dword in the rings */
    call rand32
    and $0xffc, %eax
    mov %eax, %edi
    call rand32
    mov %eax, RING(%edi)
    ret

act_desc:                           /* a descriptor with a wild buffer */
    call rand32
    and $0x1f0, %eax                /* one of 32, either ring */
    lea RING(%eax), %edi
    test $0x100, %eax
    jz 1f
    add $RXRING - RING - 0x100, %edi
1:  mov $LIN(addrs), %esi
    call pick16
    mov %eax, (%edi)
    call rand32
    and $0x3, %eax                  /* mostly 32-bit addresses */
    jnz 2f
    call rand32
2:  mov %eax, 4(%edi)
    call rand32
    mov %eax, 8(%edi)
    call rand32
    mov %eax, 12(%edi)
    ret

act_reg:                            /* a register, a value */
    mov $LIN(regs), %esi
    call pick16
    mov %eax, %edi
    call rand32
    test $1, %al
    jz 1f
    mov $LIN(values), %esi
    call pick16
1:  mov %eax, BAR(%edi)
    ret

act_read:                           /* read (clear) a register */
    mov $LIN(regs), %esi
    call pick16
    mov BAR(%eax), %eax
    ret

act_kick:
    call rand32
    and $0x3f, %eax
    mov %eax, BAR + 0x3818          /* TDT */
    call rand32
    and $0x3f, %eax
    mov %eax, BAR + 0x2818          /* RDT */
    ret

act_pci:                            /* move or disable the BARs, then back */
    call rand32
    mov $0x04, %ecx
    and $0x7, %eax
    call pci_out
    call rand32
    mov $0x10, %ecx
    call pci_out
    jmp map_bars

act_sane:                           /* a good ring, an ARP request */
    movl $FRAME, RING
    movl $0, RING + 4
    movl $42 | 0x0b000000, RING + 8 /* EOP, IFCS, RS */
    movl $0, RING + 12
    mov $RXRING, %edi
    mov $8, %ecx
1:  movl $0x130000, (%edi)
    movl $0, 4(%edi)
    movl $0, 8(%edi)
    movl $0, 12(%edi)
    add $16, %edi
    loop 1b
    movl $RXRING, BAR + 0x2800
    movl $0, BAR + 0x2804
    movl $128, BAR + 0x2808
    movl $0, BAR + 0x2810
    movl $7, BAR + 0x2818
    movl $0x0400800a, BAR + 0x100   /* RCTL: EN, UPE, BAM, SECRC */
    movl $RING, BAR + 0x3800
    movl $0, BAR + 0x3804
    movl $128, BAR + 0x3808
    movl $0, BAR + 0x3810
    movl $0, BAR + 0x3818
    movl $0x0a, BAR + 0x400         /* TCTL: EN, PSP */
    movl $1, BAR + 0x3818
    ret

    SERIAL32_FUNCS

/* %eax as unsigned decimal on COM1. */
putdec32:
    mov $10, %ecx
    xor %ebx, %ebx
1:  xor %edx, %edx
    div %ecx
    push %edx
    inc %ebx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %al
    call putc32
    dec %ebx
    jnz 2b
    ret

    .balign 4
actions:
    .long LIN(act_scribble), LIN(act_desc), LIN(act_desc), LIN(act_reg)
    .long LIN(act_read), LIN(act_kick), LIN(act_pci), LIN(act_sane)
addrs:
    .long 0, FRAME, BAR, BAR + 0x1fff0, 0xfffffff0, 0x000a0000, 0x03fffff0, 0x04000000
    .long RING, RXRING, 0x130000, 0xfec00000, 0x7fffffff, 0x12345678, 0x03ffff00, 0x80
regs:
    .long 0x0000, 0x0010, 0x0014, 0x0020, 0x00c0, 0x00c8, 0x00d0, 0x0100
    .long 0x0400, 0x2800, 0x2808, 0x2810, 0x3800, 0x3808, 0x3810, 0x5400
values:
    .long 0, 0xffffffff, RING, RXRING, 128, 0x80, 0xffff, 0xfff80
    .long 2, 0x0400800a, 0x1f, 8, 0x8000, BAR, 0x03ffff80, 0x04000000
arp:
    .byte 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06
    .byte 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01
    .byte 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15
    .byte 0, 0, 0, 0, 0, 0, 10, 0, 2, 2

    .balign 8
    FLAT_GDT32

m_start: .asciz "nic-hostile: start\r\n"
m_iter:  .asciz "nic-hostile: iter "
m_nl:    .asciz "\r\n"
m_done:  .asciz "nic-hostile: done\r\n"
m_tpt:   .asciz "frames sent "
m_tpr:   .asciz ", received "
m_nodev: .asciz "nic-hostile: FAIL: no e1000 on the bus\r\n"

    RESET_VECTOR _start
