/* hostile-virtio: a bare-metal driver that lies.  It finds the
 * virtio-blk-pci function (1af4:1001), places its BARs itself (legacy I/O
 * at 0xc000, MSI-X at 0xfe100000, the modern BAR at 0xfe000000), then for
 * ITERATIONS rounds picks a seeded random action: a descriptor chain with
 * addresses outside RAM, in its own BARs, at the APIC or wrapping around
 * 2^64, lengths of 0, 1 or 4 GiB - 1, next indices past the ring, loops,
 * indirect tables that contain themselves or an indirect entry; available
 * indices far ahead; random register writes to both interfaces (queue
 * addresses included), resets, feature sets with and without indirect
 * descriptors and event index, and MSI-X vectors aimed at RAM, the BARs and
 * the APIC.  Afterwards it resets the device and checks that an honest
 * write and read-back of sector 1 still work.  Prints "hostile-virtio:
 * iter N" every 256 rounds and exits 0 (status 1) when the device works.
 * Interrupts stay disabled throughout (MSIs only pend in the APIC).
 *
 * The seed is the dword at image offset 0xfff8 (the test patches it).
 */
#include "tests/guest/guest.h"

#define ITERATIONS 131072
#define IOBAR  0xc000
#define MSIXBAR 0xfe100000
#define BAR4   0xfe000000
#define RING   0x10000                 /* legacy PFN 0x10 */
#define AVAIL  (RING + 128 * 16)
#define USED   (RING + 0x1000)
#define SANDBOX 0x20000
/* Variables and stack where no address the program hands the device can
 * reach (sandbox buffers end below 0x80000; random addresses lie above
 * 1 MiB; low memory may be scribbled on by queues left at address 0). */
#define V_SEED  0x90000
#define V_CFG   0x90004                /* config address of the function */
#define V_AIDX  0x90008                /* the driver's available index */
#define V_ITER  0x9000c
#define V_HEAD  0x90010
#define STACK32 0x9f000
#define SEED_AT 0xfff8

    BIOS_START16
    PUTS16 m_start
    ENTER_PM32 $STACK32
    mov LIN(SEED_AT), %eax
    or $1, %eax                         /* xorshift needs a non-zero state */
    mov %eax, V_SEED
    movl $0, V_AIDX
    movl $0, V_ITER
    call find_device
    call place_bars
    call honest_setup
main_loop:
    call one_action
    incl V_ITER
    testl $255, V_ITER
    jnz 1f
    mov $LIN(m_iter), %esi
    call puts32
    mov V_ITER, %eax
    call putdec32
    mov $LIN(m_nl), %esi
    call puts32
1:  cmpl $ITERATIONS, V_ITER
    jb main_loop
    call final_check
    mov $LIN(m_pass), %esi
    call puts32
    EXIT32 0

/* ---- PCI ---------------------------------------------------------------- */

find_device:
    mov $0x80000000, %ecx
1:  mov %ecx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    cmp $0x10011af4, %eax
    je 2f
    add $0x800, %ecx
    cmp $0x80010000, %ecx
    jb 1b
    mov $LIN(m_nodev), %esi
    call puts32
    EXIT32 2
2:  mov %ecx, V_CFG
    ret

/* cfg_write(reg in %bl, value in %eax) */
cfg_write:
    push %eax
    mov V_CFG, %eax
    movzbl %bl, %edx
    or %edx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    pop %eax
    mov $0xcfc, %dx
    out %eax, %dx
    ret

place_bars:
    mov $0x10, %bl
    mov $IOBAR, %eax
    call cfg_write
    mov $0x14, %bl
    mov $MSIXBAR, %eax
    call cfg_write
    mov $0x20, %bl
    mov $BAR4, %eax
    call cfg_write
    mov $0x24, %bl
    xor %eax, %eax
    call cfg_write
    mov $0x04, %bl
    mov $7, %eax                        /* I/O, memory, bus master */
    call cfg_write
    ret

/* The MSI-X control word (capability at 0x98, as QEMU places it). */
msix_control:
    mov $0x98, %bl
    shl $16, %eax
    or $0x11, %eax
    jmp cfg_write

/* Reset, features (random when %eax is 1), the legacy ring, DRIVER_OK. */
legacy_setup:
    push %eax
    mov $IOBAR + 0x12, %dx
    xor %al, %al
    out %al, %dx
    mov $3, %al
    out %al, %dx
    mov $IOBAR, %dx
    in %dx, %eax
    pop %ecx
    test %ecx, %ecx
    jz 1f
    mov %eax, %ecx
    call rand
    and %ecx, %eax
1:  mov $IOBAR + 4, %dx
    out %eax, %dx
    mov $IOBAR + 0x0e, %dx
    xor %ax, %ax
    out %ax, %dx
    mov $IOBAR + 8, %dx
    mov $RING >> 12, %eax
    out %eax, %dx
    mov $IOBAR + 0x12, %dx
    mov $7, %al
    out %al, %dx
    movl $0, V_AIDX
    movw $0, AVAIL
    movw $0, AVAIL + 2
    movw $0, USED + 2
    ret

honest_setup:
    xor %eax, %eax
    call msix_control
    xor %eax, %eax
    jmp legacy_setup

/* ---- random numbers --------------------------------------------------- */

rand:                                   /* xorshift32 */
    XORSHIFT32 V_SEED
    ret

/* %eax = rand() % %ecx */
rand_below:
    call rand
    xor %edx, %edx
    div %ecx
    mov %edx, %eax
    ret

/* A hostile address in %edx:%eax. */
gen_addr:
    mov $8, %ecx
    call rand_below
    jmp *LIN(addr_kinds)(,%eax,4)
addr_sandbox:
    call rand
    and $0x3ffff, %eax
    add $SANDBOX, %eax
    xor %edx, %edx
    ret
addr_bar4:
    call rand
    and $0x3fff, %eax
    add $BAR4, %eax
    xor %edx, %edx
    ret
addr_msix:
    call rand
    and $0xfff, %eax
    add $MSIXBAR, %eax
    xor %edx, %edx
    ret
addr_apic:
    call rand
    and $0xffc, %eax
    add $LAPIC_BASE, %eax
    xor %edx, %edx
    ret
addr_rand64:
    call rand
    push %eax
    call rand
    pop %edx
    ret
addr_high:
    call rand
    or $0x100000, %eax                  /* RAM above 1 MiB, or nothing */
    xor %edx, %edx
    ret
addr_wrap:
    call rand
    or $0xfffff000, %eax
    mov $0xffffffff, %edx
    ret

/* A hostile length in %eax. */
gen_len:
    mov $8, %ecx
    call rand_below
    mov LIN(lengths)(,%eax,4), %eax
    cmp $1, %eax                        /* the marker for "random" */
    jne 1f
    call rand
    and $0x1ffff, %eax
1:  ret

/* ---- actions ------------------------------------------------------------ */

one_action:
    mov $10, %ecx
    call rand_below
    jmp *LIN(actions)(,%eax,4)

/* Descriptor %ecx of the table at %edi: random address, length, flags,
 * next (usually the following index). */
random_desc:
    push %ecx
    push %edi
    call gen_addr
    pop %edi
    pop %ecx
    shl $4, %ecx
    mov %eax, (%edi,%ecx)
    mov %edx, 4(%edi,%ecx)
    push %ecx
    push %edi
    call gen_len
    pop %edi
    pop %ecx
    mov %eax, 8(%edi,%ecx)
    push %ecx
    push %edi
    call rand
    pop %edi
    pop %ecx
    mov %eax, %edx
    and $3, %edx                        /* NEXT, WRITE */
    test $0x70, %eax
    jnz 1f
    or $4, %edx                         /* sometimes INDIRECT */
1:  shr $16, %eax
    test $0x700, %eax
    jz 2f
    mov %ecx, %eax                      /* next: the following index */
    shr $4, %eax
    inc %eax
    and $127, %eax
2:  shl $16, %eax
    or %edx, %eax
    mov %eax, 12(%edi,%ecx)
    ret

/* A chain of 1-4 random descriptors from a random head, sometimes via an
 * indirect table in the sandbox (sometimes naming itself), then the
 * header where the first buffer lies (if it is RAM we may touch). */
act_chain:
    mov $128, %ecx
    call rand_below
    mov %eax, V_HEAD
    mov $4, %ecx
    call rand_below
    lea 1(%eax), %ebx
    mov V_HEAD, %esi
1:  mov %esi, %ecx
    and $127, %ecx
    mov $RING, %edi
    call random_desc
    inc %esi
    dec %ebx
    jnz 1b
    mov $4, %ecx
    call rand_below
    test %eax, %eax
    jnz 3f
    /* indirect: head -> table in the sandbox with 1-8 random entries */
    call rand
    and $0x3fff0, %eax
    add $SANDBOX, %eax
    mov %eax, %edi
    mov V_HEAD, %ecx
    shl $4, %ecx
    mov %edi, RING(%ecx)
    movl $0, RING + 4(%ecx)
    movl $128, RING + 8(%ecx)
    movl $4, RING + 12(%ecx)
    xor %esi, %esi
2:  mov %esi, %ecx
    call random_desc
    inc %esi
    cmp $8, %esi
    jb 2b
    call rand
    test $3, %eax
    jnz 3f
    mov %edi, (%edi)                    /* entry 0 is the table itself */
    movl $0, 4(%edi)
    movl $128, 8(%edi)
    movl $4, 12(%edi)
3:  call write_header
    jmp act_publish

/* A request header at the head descriptor's address when that is sandbox
 * RAM: a type from the real ones or random, a small or random sector. */
write_header:
    mov V_HEAD, %ecx
    shl $4, %ecx
    mov RING(%ecx), %edi
    cmpl $0, RING + 4(%ecx)
    jne 1f
    cmp $SANDBOX, %edi
    jb 1f
    cmp $0x90000, %edi
    jae 1f
    mov $8, %ecx
    call rand_below
    mov LIN(types)(,%eax,4), %eax
    mov %eax, (%edi)
    call rand
    mov %eax, %edx
    and $0x7ff, %eax
    test $0x100000, %edx
    jnz 2f
    call rand
2:  mov %eax, 8(%edi)
    call rand
    and $1, %eax
    mov %eax, 12(%edi)
1:  ret

/* Put the head in the available ring, advance the index (now and then by
 * a random amount) and notify. */
act_publish:
    mov V_AIDX, %ecx
    and $127, %ecx
    mov V_HEAD, %eax
    mov %ax, AVAIL + 4(,%ecx,2)
    call rand
    test $0xf00, %eax
    jnz 1f
    shr $16, %eax
    add %eax, V_AIDX
    jmp 2f
1:  incl V_AIDX
2:  mov V_AIDX, %eax
    mov %ax, AVAIL + 2
    call rand
    and $3, %eax
    cmp $3, %eax
    jne 3f
    mov $IOBAR + 0x10, %dx
    out %ax, %dx                        /* a queue that does not exist */
    xor %eax, %eax
3:  mov $IOBAR + 0x10, %dx
    out %ax, %dx
    mov $BAR4 + 0x3000, %edi            /* and through the modern area */
    movw $0, (%edi)
    ret

act_reset:
    mov $1, %eax
    jmp legacy_setup

/* A random legacy register write; a queue's page frame comes from
 * gen_addr. */
act_legacy_reg:
    mov $0x40, %ecx
    call rand_below
    mov %eax, %ebx
    cmp $8, %ebx
    jne 1f
    call gen_addr
    shr $12, %eax
    jmp 3f
1:  call rand
    lea IOBAR(%ebx), %edx
    test $0x10000, %eax
    jnz 3f
    out %al, %dx
    ret
3:  lea IOBAR(%ebx), %edx
    out %eax, %dx
    ret

/* A random write to the modern BAR's common configuration (queue
 * addresses from gen_addr), the ISR, device config or notify area. */
act_modern_reg:
    mov $0x40, %ecx
    call rand_below
    and $~3, %eax
    mov %eax, %ebx
    cmp $0x20, %ebx
    jb 1f
    cmp $0x38, %ebx
    jae 1f
    call gen_addr
    test $4, %ebx
    jz 2f
    mov %edx, %eax
    jmp 2f
1:  call rand
2:  mov %eax, BAR4(%ebx)
    call rand
    and $0x3ffc, %eax
    mov BAR4(%eax), %ecx                /* reads anywhere in the BAR */
    call rand
    mov %eax, %ecx
    and $0x3ffc, %ecx
    cmp $0x1000, %ecx
    jb 3f                               /* the common part was done above */
    mov %eax, BAR4(%ecx)
3:  ret

/* MSI-X: a random table entry (address from gen_addr or the APIC, data a
 * fixed-mode vector), random masks, enable on or off. */
act_msix:
    mov $4, %ecx
    call rand_below
    shl $4, %eax
    mov %eax, %ebx
    call gen_addr
    mov %eax, MSIXBAR(%ebx)
    mov %edx, MSIXBAR + 4(%ebx)
    call rand
    and $0x40ff, %eax
    or $0x30, %eax
    mov %eax, MSIXBAR + 8(%ebx)
    call rand
    and $1, %eax
    mov %eax, MSIXBAR + 12(%ebx)
    call rand
    and $0xc000, %eax
    call msix_control
    call rand                           /* queue and config vectors */
    mov %eax, %ecx
    mov $IOBAR + 0x14, %dx
    out %ax, %dx
    shr $16, %ecx
    and $3, %ecx
    mov %cx, %ax
    mov $IOBAR + 0x16, %dx
    out %ax, %dx
    ret

/* Reads: ISR (acknowledges) and the device configuration. */
act_reads:
    mov $IOBAR + 0x13, %dx
    in %dx, %al
    call rand
    and $0x3f, %eax
    lea IOBAR(%eax), %edx
    in %dx, %eax
    mov BAR4 + 0x1000, %eax
    ret

/* Bus mastering off and on again around a kick. */
act_master:
    mov $0x04, %bl
    mov $3, %eax
    call cfg_write
    mov $IOBAR + 0x10, %dx
    xor %eax, %eax
    out %ax, %dx
    mov $0x04, %bl
    mov $7, %eax
    jmp cfg_write

/* ---- the device must still work ----------------------------------------- */

/* Write sector 1 with a pattern and read it back through a fresh queue. */
final_check:
    call honest_setup
    mov $SANDBOX, %edi
    mov $0x1000 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $1, SANDBOX                    /* OUT, sector 1 */
    movl $1, SANDBOX + 8
    mov $SANDBOX + 0x1000, %edi
    mov $128, %ecx
    mov $0xc0ffee00, %eax
1:  stosl
    inc %eax
    loop 1b
    mov $1, %ebx                        /* data readable */
    call honest_request
    movl $0, SANDBOX                    /* IN */
    mov $SANDBOX + 0x1000, %edi
    mov $128, %ecx
    xor %eax, %eax
    rep stosl
    mov $3, %ebx                        /* data writable */
    call honest_request
    mov $SANDBOX + 0x1000, %esi
    mov $128, %ecx
    mov $0xc0ffee00, %eax
2:  cmp (%esi), %eax
    jne 3f
    add $4, %esi
    inc %eax
    loop 2b
    ret
3:  mov $LIN(m_data), %esi
    call puts32
    EXIT32 3

/* header, 512 bytes of data (flags %ebx), status: descriptors 0-2. */
honest_request:
    movl $SANDBOX, RING
    movl $0, RING + 4
    movl $16, RING + 8
    movl $0x00010001, RING + 12
    movl $SANDBOX + 0x1000, RING + 16
    movl $0, RING + 20
    movl $512, RING + 24
    mov %ebx, %eax
    or $0x00020000, %eax
    mov %eax, RING + 28
    movl $SANDBOX + 0x800, RING + 32
    movl $0, RING + 36
    movl $1, RING + 40
    movl $2, RING + 44
    movb $0xff, SANDBOX + 0x800
    mov V_AIDX, %ecx
    and $127, %ecx
    movw $0, AVAIL + 4(,%ecx,2)
    incl V_AIDX
    mov V_AIDX, %eax
    mov %ax, AVAIL + 2
    mov $IOBAR + 0x10, %dx
    xor %eax, %eax
    out %ax, %dx
    mov $0x10000000, %ecx               /* completion may be asynchronous */
1:  mov USED + 2, %ax
    cmp V_AIDX, %ax
    je 2f
    pause
    loop 1b
    mov $LIN(m_timeout), %esi
    call puts32
    EXIT32 4
2:  cmpb $0, SANDBOX + 0x800
    jne 3f
    ret
3:  mov $LIN(m_status), %esi
    call puts32
    EXIT32 5

putdec32:                               /* %eax, unsigned */
    push %ebx
    push %ecx
    push %edx
    mov $10, %ebx
    xor %ecx, %ecx
1:  xor %edx, %edx
    div %ebx
    push %edx
    inc %ecx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %al
    call putc32
    loop 2b
    pop %edx
    pop %ecx
    pop %ebx
    ret

    SERIAL32_FUNCS

    .balign 4
actions:
    .long LIN(act_chain), LIN(act_chain), LIN(act_chain), LIN(act_reset)
    .long LIN(act_legacy_reg), LIN(act_modern_reg), LIN(act_msix), LIN(act_reads)
    .long LIN(act_master), LIN(act_chain)
addr_kinds:
    .long LIN(addr_sandbox), LIN(addr_sandbox), LIN(addr_bar4), LIN(addr_msix)
    .long LIN(addr_apic), LIN(addr_rand64), LIN(addr_high), LIN(addr_wrap)
lengths:                                /* 1 stands for a random length */
    .long 0, 1, 16, 512, 0xffffffff, 4096, 0x1000000, 0x200
types:                                  /* in, out, flush, get id, discard, write zeroes */
    .long 0, 1, 4, 8, 11, 13, 0x7fffffff, 1

    FLAT_GDT32

m_start:   .asciz "hostile-virtio: start\r\n"
m_iter:    .asciz "hostile-virtio: iter "
m_nl:      .asciz "\r\n"
m_pass:    .asciz "hostile-virtio: PASS\r\n"
m_nodev:   .asciz "hostile-virtio: FAIL: no virtio-blk-pci (1af4:1001)\r\n"
m_data:    .asciz "hostile-virtio: FAIL: sector 1 read back differs\r\n"
m_timeout: .asciz "hostile-virtio: FAIL: an honest request never completed\r\n"
m_status:  .asciz "hostile-virtio: FAIL: an honest request failed\r\n"

    RESET_VECTOR _start
