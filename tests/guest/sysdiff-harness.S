/* The sysdiff programs' common 32-bit harness (included, not built alone):
 * the scenario state dump, exception catching with recovery, extras and
 * golden checks.  All code runs flat (CS base 0) from the -bios image at
 * 0xf0000, so labels are used through LIN().
 *
 * A scenario:
 *     SCEN name            start: clears the exception record, extras and
 *                          the general registers (but ESP)
 *     TRY 1f; <insn>; 1:   an instruction that may fault: the handler records
 *                          vector, error code, CR2 and resumes at 1 with the
 *                          stack pointer TRY saw
 *     call xput            append EAX to the extras
 *     CHK want, tag        golden check of EAX (Intel SDM), "G name FAIL ..."
 *     call dump            print the "S name ..." lines for the scenario
 *
 * Output lines (text on COM1):
 *     S <name> EAX=... (registers, control registers, segments, tables,
 *              last exception, checksum of the scenario's memory area)
 *     S <name> X <extras, eight per line>
 *     G <name> ok <n>          n golden checks passed
 *     G <name> FAIL <tag> got=<v> want=<v>
 */

#define V_NAME      0x1000
#define V_EXC_VEC   0x1004
#define V_EXC_ERR   0x1008
#define V_EXC_CR2   0x100c
#define V_EXC_CNT   0x1010
#define V_EXC_EIP   0x1014
#define V_EXC_CS    0x1018
#define V_EXC_ESP   0x101c
#define V_REC_ESP   0x1020
#define V_REC_EIP   0x1024
#define V_SUM_START 0x1028
#define V_SUM_LEN   0x102c
#define V_NX        0x1030
#define V_FAILS     0x1034          /* golden failures, whole program */
#define V_CHECKS    0x1038          /* golden checks in this scenario */
#define V_SFAILS    0x103c          /* golden failures in this scenario */
#define V_TMP       0x1040          /* 12 bytes */
#define V_X         0x1100          /* extras: up to X_MAX dwords */
#define X_MAX       256

#define NONE        0xffffffff
#define EXC(v, e)   (((v) << 16) | (e))

.macro SCEN name
    .pushsection .rodata
9:  .asciz "\name"
    .popsection
    movl $LIN(9b), V_NAME
    call scen_reset
.endm

.macro TRY label
    movl %esp, V_REC_ESP
    movl $LIN(\label), V_REC_EIP
.endm

/* Checksum the bytes [start, start + len) in the scenario's dump. */
.macro SUM start, len
    movl $\start, V_SUM_START
    movl $\len, V_SUM_LEN
.endm

/* Golden check: EAX must be \want (preserves all registers). */
.macro CHK want, tag
    .pushsection .rodata
9:  .asciz "\tag"
    .popsection
    push $LIN(9b)
    push $\want
    call chk
.endm

/* Append the last exception as EXC(vector, error code), or NONE, to the
 * extras, and forget it. */
.macro XEXC
    call xexc
.endm

.macro HARNESS32_FUNCS
scen_reset:
    movl $0, V_EXC_CNT
    movl $NONE, V_EXC_VEC
    movl $NONE, V_EXC_ERR
    movl $0, V_EXC_CR2
    movl $0, V_NX
    movl $0, V_SUM_LEN
    movl $0, V_CHECKS
    movl $0, V_SFAILS
    movl $0, V_REC_EIP
    xor %eax, %eax                  /* no register leaks between scenarios */
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    ret

xput:
    push %ebx
    mov V_NX, %ebx
    cmp $X_MAX, %ebx
    jae 1f
    mov %eax, V_X(,%ebx,4)
    incl V_NX
1:  pop %ebx
    ret

xexc:
    push %eax
    mov $NONE, %eax
    cmpl $0, V_EXC_CNT
    je 1f
    mov V_EXC_VEC, %eax
    shl $16, %eax
    mov V_EXC_ERR, %ax
1:  call xput
    movl $0, V_EXC_CNT
    movl $NONE, V_EXC_VEC
    movl $NONE, V_EXC_ERR
    pop %eax
    ret

/* chk(want, tag): compare EAX. */
chk:
    incl V_CHECKS
    cmp 4(%esp), %eax
    je 1f
    incl V_FAILS
    incl V_SFAILS
    push %esi
    mov $LIN(s_g), %esi
    call puts32
    mov V_NAME, %esi
    call puts32
    mov $LIN(s_gfail), %esi
    call puts32
    mov 12(%esp), %esi
    call puts32
    mov $LIN(s_got), %esi
    call puts32
    call puthex32
    mov $LIN(s_want), %esi
    call puts32
    push %eax
    mov 12(%esp), %eax
    call puthex32
    pop %eax
    mov $LIN(s_crlf), %esi
    call puts32
    pop %esi
1:  ret $8

puthex32:
    push %eax
    push %ecx
    push %edx
    mov %eax, %edx
    mov $8, %ecx
1:  rol $4, %edx
    mov %dl, %al
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '0' - 10), %al
2:  call putc32
    loop 1b
    pop %edx
    pop %ecx
    pop %eax
    ret

/* " KEY=" then EAX in hex; ESI = key string. */
putkv:
    push %eax
    mov $' ', %al
    call putc32
    call puts32
    mov $'=', %al
    call putc32
    pop %eax
    jmp puthex32

/* Print "S <name>" prefix. */
put_prefix:
    push %esi
    mov $LIN(s_s), %esi
    call puts32
    mov V_NAME, %esi
    call puts32
    pop %esi
    ret

/* dump: registers as at the call (ESP reported is the caller's). */
dump:
    pushfl
    pushal                          /* edi esi ebp esp ebx edx ecx eax */
    mov %esp, %ebp
    call put_prefix
    mov 28(%ebp), %eax
    mov $LIN(k_eax), %esi
    call putkv
    mov 16(%ebp), %eax
    mov $LIN(k_ebx), %esi
    call putkv
    mov 24(%ebp), %eax
    mov $LIN(k_ecx), %esi
    call putkv
    mov 20(%ebp), %eax
    mov $LIN(k_edx), %esi
    call putkv
    mov 4(%ebp), %eax
    mov $LIN(k_esi), %esi
    call putkv
    mov 0(%ebp), %eax
    mov $LIN(k_edi), %esi
    call putkv
    mov 8(%ebp), %eax
    mov $LIN(k_ebp), %esi
    call putkv
    lea 40(%ebp), %eax
    mov $LIN(k_esp), %esi
    call putkv
    mov 32(%ebp), %eax
    mov $LIN(k_efl), %esi
    call putkv
    mov %cr0, %eax
    mov $LIN(k_cr0), %esi
    call putkv
    mov %cr2, %eax
    mov $LIN(k_cr2), %esi
    call putkv
    mov %cr3, %eax
    mov $LIN(k_cr3), %esi
    call putkv
    mov %cr4, %eax
    mov $LIN(k_cr4), %esi
    call putkv
    mov $0xc0000080, %ecx
    rdmsr
    mov $LIN(k_efer), %esi
    call putkv
    xor %eax, %eax
    mov %cs, %ax
    mov $LIN(k_cs), %esi
    call putkv
    mov %ss, %ax
    mov $LIN(k_ss), %esi
    call putkv
    mov %ds, %ax
    mov $LIN(k_ds), %esi
    call putkv
    mov %es, %ax
    mov $LIN(k_es), %esi
    call putkv
    mov %fs, %ax
    mov $LIN(k_fs), %esi
    call putkv
    mov %gs, %ax
    mov $LIN(k_gs), %esi
    call putkv
    str %ax
    mov $LIN(k_tr), %esi
    call putkv
    sldt %ax
    mov $LIN(k_ldtr), %esi
    call putkv
    smsw %ax
    mov $LIN(k_msw), %esi
    call putkv
    sgdtl V_TMP
    mov V_TMP + 2, %eax
    mov $LIN(k_gdtr), %esi
    call putkv
    mov $'/', %al
    call putc32
    movzwl V_TMP, %eax
    call puthex32
    sidtl V_TMP
    mov V_TMP + 2, %eax
    mov $LIN(k_idtr), %esi
    call putkv
    mov $'/', %al
    call putc32
    movzwl V_TMP, %eax
    call puthex32
    mov V_EXC_VEC, %eax
    mov $LIN(k_exc), %esi
    call putkv
    mov $'/', %al
    call putc32
    mov V_EXC_ERR, %eax
    call puthex32
    mov $'/', %al
    call putc32
    mov V_EXC_CR2, %eax
    call puthex32
    mov $'/', %al
    call putc32
    mov V_EXC_CNT, %eax
    call puthex32
    /* checksum: rotate-and-add over the area */
    mov V_SUM_START, %esi
    mov V_SUM_LEN, %ecx
    xor %edx, %edx
    jecxz 2f
1:  rol $5, %edx
    movzbl (%esi), %eax
    add %eax, %edx
    inc %esi
    loop 1b
2:  mov %edx, %eax
    mov $LIN(k_sum), %esi
    call putkv
    mov $LIN(s_crlf), %esi
    call puts32
    /* extras, eight per line */
    xor %ebx, %ebx
3:  cmp V_NX, %ebx
    jae 5f
    call put_prefix
    mov $LIN(s_x), %esi
    call puts32
    xor %ecx, %ecx
4:  mov $' ', %al
    call putc32
    mov V_X(,%ebx,4), %eax
    call puthex32
    inc %ebx
    inc %ecx
    cmp V_NX, %ebx
    jae 6f
    cmp $8, %ecx
    jb 4b
6:  mov $LIN(s_crlf), %esi
    call puts32
    jmp 3b
5:  cmpl $0, V_CHECKS
    je 7f
    cmpl $0, V_SFAILS
    jne 7f
    mov $LIN(s_g), %esi
    call puts32
    mov V_NAME, %esi
    call puts32
    mov $LIN(s_gok), %esi
    call puts32
    mov V_CHECKS, %eax
    call puthex32
    mov $LIN(s_crlf), %esi
    call puts32
7:  popal
    popfl
    ret

/* Exception entry stubs: 16 bytes apart, vector pushed, a dummy error code
 * (NONE) for vectors without one. */
    .balign 16
exc_stubs:
    .set stubv, 0
    .rept 32
    .balign 16
    .if (stubv == 8) || (stubv == 10) || (stubv == 11) || (stubv == 12) || (stubv == 13) || (stubv == 14) || (stubv == 17)
    .else
    push $NONE
    .endif
    push $stubv
    jmp exc_common
    .set stubv, stubv + 1
    .endr

/* Record and resume at the TRY point (at CPL 0, flat data segments). */
exc_common:
    push %eax
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov 4(%esp), %eax
    mov %eax, V_EXC_VEC
    mov 8(%esp), %eax
    mov %eax, V_EXC_ERR
    mov 12(%esp), %eax
    mov %eax, V_EXC_EIP
    mov 16(%esp), %eax
    mov %eax, V_EXC_CS
    lea 12(%esp), %eax
    mov %eax, V_EXC_ESP
    mov %cr2, %eax
    mov %eax, V_EXC_CR2
    incl V_EXC_CNT
    pop %eax
resume:
    cmpl $0, V_REC_EIP
    je unexpected
    mov $0x10, %ax
    mov %ax, %ss
    mov V_REC_ESP, %esp
    push V_REC_EIP
    movl $0, V_REC_EIP
    ret

unexpected:
    mov $LIN(s_unexp), %esi
    call puts32
    mov V_NAME, %esi
    call puts32
    mov V_EXC_VEC, %eax
    mov $LIN(k_exc), %esi
    call putkv
    mov V_EXC_ERR, %eax
    mov $LIN(k_err), %esi
    call putkv
    mov V_EXC_EIP, %eax
    mov $LIN(k_eip), %esi
    call putkv
    mov $LIN(s_crlf), %esi
    call puts32
    EXIT32 3

    SERIAL32_FUNCS

s_s:     .asciz "S "
s_x:     .asciz " X"
s_g:     .asciz "G "
s_gok:   .asciz " ok "
s_gfail: .asciz " FAIL "
s_got:   .asciz " got="
s_want:  .asciz " want="
s_crlf:  .asciz "\r\n"
s_unexp: .asciz "U unexpected exception in "
k_eax:   .asciz "EAX"
k_ebx:   .asciz "EBX"
k_ecx:   .asciz "ECX"
k_edx:   .asciz "EDX"
k_esi:   .asciz "ESI"
k_edi:   .asciz "EDI"
k_ebp:   .asciz "EBP"
k_esp:   .asciz "ESP"
k_efl:   .asciz "RFLAGS"
k_cr0:   .asciz "CR0"
k_cr2:   .asciz "CR2"
k_cr3:   .asciz "CR3"
k_cr4:   .asciz "CR4"
k_efer:  .asciz "EFER"
k_cs:    .asciz "CS"
k_ss:    .asciz "SS"
k_ds:    .asciz "DS"
k_es:    .asciz "ES"
k_fs:    .asciz "FS"
k_gs:    .asciz "GS"
k_tr:    .asciz "TR"
k_ldtr:  .asciz "LDTR"
k_msw:   .asciz "MSW"
k_gdtr:  .asciz "GDTR"
k_idtr:  .asciz "IDTR"
k_exc:   .asciz "EXC"
k_err:   .asciz "ERR"
k_eip:   .asciz "EIP"
k_sum:   .asciz "SUM"
.endm
