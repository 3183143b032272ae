/* regjump: a guest program whose loop is calls and returns (direct, and
 * indirect through a table in memory), pushes and pops and register
 * arithmetic beside guest loads and stores, in flat 32-bit protected
 * mode: the code shape the native backend's deferred guest-register
 * stores and its generated-code jump-cache lookup are for.  Prints
 * "regjump: checksum XXXXXXXX" (tests/guest/kvm.test knows the right
 * one, computed by a C model of the loop) and "regjump: PASS", and exits through isa-debug-exit with 0
 * (emulator exit status 1); the checksum is the same on every engine.
 * A fixed workload without interrupts, so host instruction counts
 * (callgrind) compare the backends' code. */
#include "tests/guest/guest.h"

#define LOOPS   200000
#define TABLE   0x10000         /* 4 KiB the workload reads and writes */
#define STACK32 0x9000

    BIOS_START16
    ENTER_PM32 $STACK32
    mov $0x2545f491, %ebx
    mov $LOOPS, %ecx
    xor %edi, %edi
1:  mov %ecx, %eax
    and $3, %eax
    call *LIN(ops)(,%eax,4)         /* indirect call, returns by RET */
    push %ebx
    push %ecx
    call mix
    pop %ecx
    pop %edx
    add %edx, %edi
    dec %ecx
    jnz 1b
    mov $LIN(msg_sum), %esi
    call puts32
    mov %ebx, %eax
    xor %edi, %eax
    call puthex32
    mov $LIN(msg_pass), %esi
    call puts32
    EXIT32 EXIT_PASS

op0:
    add $0x9e3779b9, %ebx
    ret
op1:
    rol $7, %ebx
    xor $0x5bd1e995, %ebx
    ret
op2:
    mov %ebx, %eax
    shr $3, %eax
    add %eax, %ebx
    ret
op3:
    imul $0x01000193, %ebx, %ebx
    ret

/* EBX = EBX mixed with, and stored back into, a word of TABLE. */
mix:
    push %ebp
    push %esi
    mov %ebx, %ebp
    shl $13, %ebp
    xor %ebp, %ebx
    mov %ebx, %esi
    and $0xffc, %esi
    add TABLE(%esi), %ebx
    mov %ebx, TABLE(%esi)
    pop %esi
    pop %ebp
    ret

    PUTHEX_FUNC putc32, %ecx
    SERIAL32_FUNCS

    .p2align 2
ops:
    .long LIN(op0), LIN(op1), LIN(op2), LIN(op3)
    FLAT_GDT32
msg_sum:   .asciz "regjump: checksum "
msg_pass:  .asciz "\r\nregjump: PASS\r\n"
    RESET_VECTOR _start
