/* Shared by the guest programs (assembled with `gcc -m32 -c`): port numbers,
 * the exit convention and small serial-port routines.
 *
 * A program reports on COM1 and ends by writing its result to the
 * isa-debug-exit port (-device isa-debug-exit,iobase=0xf4,iosize=4): the
 * emulator then exits with status (V << 1) | 1, so 0 ("passed") gives exit
 * status 1 and failure code N gives 2N+1. */
#ifndef KEMU_GUEST_H
#define KEMU_GUEST_H

#define COM1            0x3f8
#define UART_THR        (COM1 + 0)
#define UART_RBR        (COM1 + 0)
#define UART_DLL        (COM1 + 0)
#define UART_IER        (COM1 + 1)
#define UART_DLM        (COM1 + 1)
#define UART_FCR        (COM1 + 2)
#define UART_LCR        (COM1 + 3)
#define UART_MCR        (COM1 + 4)
#define UART_LSR        (COM1 + 5)
#define UART_MSR        (COM1 + 6)
#define UART_SCR        (COM1 + 7)

#define DEBUG_EXIT      0xf4

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1

#define PIT_CH0         0x40
#define PIT_CH2         0x42
#define PIT_MODE        0x43
#define PORT_61         0x61

#define KBC_DATA        0x60
#define KBC_CMD         0x64

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
/* A CMOS byte no firmware or board uses: survives a reset. */
#define CMOS_SCRATCH    0x6e

#define LAPIC_BASE      0xfee00000

/* Low RAM the programs use for variables and the stack (real mode, DS=0). */
#define VARS            0x500
#define STACK_TOP       0x7000

/* Exit codes (written to DEBUG_EXIT). */
#define EXIT_PASS       0

#ifdef __ASSEMBLER__

/* --- 16-bit (real mode, DS = 0, strings in the code segment) --- */

.macro EXIT16 code
    mov $\code, %al
    out %al, $DEBUG_EXIT
1:  cli
    hlt
    jmp 1b
.endm

/* Print the string at label \str (in CS). */
.macro PUTS16 str
    mov $\str, %si
    call puts16
.endm

/* serial_init16, putc16 (AL), puts16 (CS:SI, NUL-terminated), putdec16
 * (AX, unsigned decimal).  Expand once per program. */
.macro SERIAL16_FUNCS
serial_init16:
    mov $UART_IER, %dx
    xor %al, %al
    out %al, %dx            /* no interrupts */
    mov $UART_LCR, %dx
    mov $0x80, %al
    out %al, %dx            /* DLAB */
    mov $UART_DLL, %dx
    mov $1, %al
    out %al, %dx            /* 115200 baud */
    mov $UART_DLM, %dx
    xor %al, %al
    out %al, %dx
    mov $UART_LCR, %dx
    mov $0x03, %al
    out %al, %dx            /* 8N1 */
    mov $UART_FCR, %dx
    mov $0x07, %al
    out %al, %dx            /* FIFOs on and cleared */
    mov $UART_MCR, %dx
    mov $0x03, %al
    out %al, %dx            /* DTR, RTS */
    ret

putc16:
    push %ax
    push %cx
    push %dx
    mov %al, %ah
    mov $0xffff, %cx        /* bounded wait for THR empty */
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x20, %al
    jnz 2f
    loop 1b
2:  mov %ah, %al
    mov $UART_THR, %dx
    out %al, %dx
    pop %dx
    pop %cx
    pop %ax
    ret

puts16:
    push %ax
    push %si
1:  cs lodsb
    test %al, %al
    jz 2f
    call putc16
    jmp 1b
2:  pop %si
    pop %ax
    ret

putdec16:
    push %ax
    push %bx
    push %cx
    push %dx
    mov $10, %bx
    xor %cx, %cx
1:  xor %dx, %dx
    div %bx
    push %dx
    inc %cx
    test %ax, %ax
    jnz 1b
2:  pop %ax
    add $'0', %al
    call putc16
    loop 2b
    pop %dx
    pop %cx
    pop %bx
    pop %ax
    ret
.endm

/* putdec32: EAX as unsigned decimal on the serial port (16-bit code;
 * needs putc16 from SERIAL16_FUNCS). */
.macro PUTDEC32_FUNC16
putdec32:
    push %eax
    push %ecx
    push %edx
    mov $10, %ecx
    push $0xffff                    /* end mark */
1:  xor %edx, %edx
    div %ecx
    push %dx
    test %eax, %eax
    jnz 1b
2:  pop %ax
    cmp $0xffff, %ax
    je 3f
    add $'0', %al
    call putc16
    jmp 2b
3:  pop %edx
    pop %ecx
    pop %eax
    ret
.endm

/* puthex32: EAX as 8 hex digits through \putc, with \cnt (%cx in 16-bit
 * code, %ecx in 32-bit code: the register LOOP counts) kept. */
.macro PUTHEX_FUNC putc, cnt
puthex32:
    push \cnt
    mov $8, \cnt
1:  rol $4, %eax
    push %eax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '9' - 1), %al
2:  call \putc
    pop %eax
    loop 1b
    pop \cnt
    ret
.endm

/* One xorshift32 step (Marsaglia's 13, 17, 5) on the dword \seed: the
 * new value in EAX and \seed; EDX changes too.  The hostile programs'
 * random numbers; works in 16- and 32-bit code. */
.macro XORSHIFT32 seed
    mov \seed, %eax
    mov %eax, %edx
    shl $13, %edx
    xor %edx, %eax
    mov %eax, %edx
    shr $17, %edx
    xor %edx, %eax
    mov %eax, %edx
    shl $5, %edx
    xor %edx, %eax
    mov %eax, \seed
.endm

/* --- 32/64-bit (flat segments): putc32 (AL), puts32 (ESI/RSI, linear) --- */

.macro SERIAL32_FUNCS
putc32:
    push %eax
    push %ecx
    push %edx
    mov %al, %ah
    mov $0xffff, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x20, %al
    jnz 2f
    loop 1b
2:  mov %ah, %al
    mov $UART_THR, %dx
    out %al, %dx
    pop %edx
    pop %ecx
    pop %eax
    ret

puts32:
    push %eax
    push %esi
1:  lodsb
    test %al, %al
    jz 2f
    call putc32
    jmp 1b
2:  pop %esi
    pop %eax
    ret
.endm

.macro EXIT32 code
    mov $\code, %al
    out %al, $DEBUG_EXIT
1:  cli
    hlt
    jmp 1b
.endm

/* The reset vector: F000:FFF0 jumps to \entry (offset in segment F000). */
.macro RESET_VECTOR entry
    .section .reset, "ax"
    .code16
    ljmp $0xf000, $\entry
    .balign 16, 0xf4
    .text
.endm

/* "Unreal" mode: load FS with a flat 4 GiB data segment in protected
 * mode and come back to real mode; FS keeps its limit, so real-mode code
 * can reach the local APIC at 0xfee00000 through %fs:(%edi). */
.macro UNREAL_GDT
    .balign 8
unreal_gdt:
    .quad 0
    .quad 0
    .quad 0x00cf92000000ffff        /* 0x10: flat data */
unreal_gdt_end:
unreal_gdt_ptr:
    .word unreal_gdt_end - unreal_gdt - 1
    .long 0xf0000 + unreal_gdt
.endm

.macro ENTER_UNREAL
    lgdtl %cs:unreal_gdt_ptr
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    mov $0x10, %bx
    mov %bx, %fs
    and $0xfe, %al
    mov %eax, %cr0
    xor %bx, %bx
    mov %bx, %fs
.endm

/* Write \val to local APIC register \reg (unreal mode, FS base 0). */
.macro LAPIC_WRITE16 reg, val
    mov $(LAPIC_BASE + \reg), %edi
    addr32 movl $\val, %fs:(%edi)
.endm

/* --- Starting the APs: the SMP test programs all do it the same way ---
 * Each program has an `ap_tramp`..`ap_tramp_end` trampoline (copied to
 * AP_TRAMPOLINE, where the SIPI starts the APs in real mode), a `delay`
 * routine (DELAY_FUNC16) and the UNREAL_GDT. */
#define AP_TRAMPOLINE   0x8000
#define AP_ICR_LO       0x300
#define AP_ICR_HI       0x310
#define AP_ALL_BUT_SELF (3 << 18)
#define AP_ICR_INIT     (AP_ALL_BUT_SELF | 0x4500)  /* INIT, level assert */
#define AP_ICR_SIPI     (AP_ALL_BUT_SELF | 0x4600 | (AP_TRAMPOLINE >> 12))

/* The machine's CPU count (CMOS 0x5f holds it less one) into \dest. */
.macro CMOS_NCPUS16 dest
    mov $0x5f, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    movzbl %al, %eax
    inc %eax
    mov %eax, \dest
.endm

/* Copy the trampoline to AP_TRAMPOLINE; DS is 0 after. */
.macro COPY_AP_TRAMPOLINE16
    push %cs
    pop %ds
    mov $ap_tramp, %si
    mov $AP_TRAMPOLINE, %di
    mov $ap_tramp_end - ap_tramp, %cx
    rep movsb
    xor %ax, %ax
    mov %ax, %ds
.endm

/* No 8259 interrupts. */
.macro MASK_PICS16
    mov $0xff, %al
    out %al, $PIC1_DATA
    out %al, $PIC2_DATA
.endm

/* INIT, SIPI, SIPI to every other CPU from unreal mode, then wait until
 * \ncpus - 1 APs have counted themselves in \up: on to \ok, or print
 * \noap and exit 2 if they do not within a bounded spin. */
.macro START_APS16 ncpus, up, ok, noap
    ENTER_UNREAL
    LAPIC_WRITE16 0xf0, 0x1ff
    LAPIC_WRITE16 AP_ICR_HI, 0
    LAPIC_WRITE16 AP_ICR_LO, AP_ICR_INIT
    call delay
    LAPIC_WRITE16 AP_ICR_LO, AP_ICR_SIPI
    call delay
    LAPIC_WRITE16 AP_ICR_LO, AP_ICR_SIPI  /* the protocol's second SIPI */
    mov \ncpus, %ebx
    dec %ebx
    mov $0x10000000, %ecx
1:  cmp \up, %ebx
    je \ok
    dec %ecx
    jnz 1b
    PUTS16 \noap
    EXIT16 2
.endm

/* The BSP's part once the program's variables are set: on to \one if the
 * machine has fewer than two CPUs, else the trampoline copied, the 8259s
 * masked and the APs started as START_APS16 does. */
.macro SMP_START16 ncpus, up, ok, noap, one
    cmpl $2, \ncpus
    jb \one
    COPY_AP_TRAMPOLINE16
    MASK_PICS16
    START_APS16 \ncpus, \up, \ok, \noap
.endm

/* Wait (a bounded spin) until the dword \done reaches \want (each CPU
 * adds itself when its work is over): on to \ok, or print \notdone and
 * exit 3.  Uses EBX and ECX. */
.macro WAIT_DONE16 want, done, ok, notdone
    mov \want, %ebx
    mov $0x40000000, %ecx
1:  cmp \done, %ebx
    je \ok
    pause
    dec %ecx
    jnz 1b
    PUTS16 \notdone
    EXIT16 3
.endm

/* Before the results: the count \ncpus CPUs of \iter iterations each
 * must reach into EBX, and BP (the count of wrong results) zeroed. */
.macro EXPECT_ALL16 ncpus, iter
    mov \ncpus, %eax
    mov $\iter, %ecx
    mul %ecx
    mov %eax, %ebx
    xor %bp, %bp
.endm

/* After them: print \pass and exit 0 if BP is 0, else print \wrong
 * and exit 4. */
.macro VERDICT16 pass, wrong
    test %bp, %bp
    jnz 2f
    PUTS16 \pass
    EXIT16 EXIT_PASS
2:  PUTS16 \wrong
    EXIT16 4
.endm

/* The pause between the INIT and SIPI messages. */
.macro DELAY_FUNC16
delay:
    mov $200000, %ecx
1:  dec %ecx
    jnz 1b
    ret
.endm

/* What firmware does for the BSP's local APIC: software-enable it and let
 * LINT0 take the 8259's INTR (ExtINT) and LINT1 NMIs. */
.macro LAPIC_PIC_MODE16
    ENTER_UNREAL
    LAPIC_WRITE16 0xf0, 0x1ff
    LAPIC_WRITE16 0x350, 0x700
    LAPIC_WRITE16 0x360, 0x400
.endm

/* Program both 8259s: edge-triggered, cascaded on IRQ 2, 8086 mode,
 * vector bases vm and vs, then the interrupt masks. */
.macro PIC_INIT16 vm, vs, mask_m, mask_s
    mov $0x11, %al                  /* ICW1: edge, cascade, ICW4 needed */
    out %al, $PIC1_CMD
    out %al, $PIC2_CMD
    mov $\vm, %al                   /* ICW2: vector bases */
    out %al, $PIC1_DATA
    mov $\vs, %al
    out %al, $PIC2_DATA
    mov $0x04, %al                  /* ICW3: slave on IRQ2 */
    out %al, $PIC1_DATA
    mov $0x02, %al
    out %al, $PIC2_DATA
    mov $0x01, %al                  /* ICW4: 8086 mode */
    out %al, $PIC1_DATA
    out %al, $PIC2_DATA
    mov $\mask_m, %al
    out %al, $PIC1_DATA
    mov $\mask_s, %al
    out %al, $PIC2_DATA
.endm

/* Linear address of a label in a -bios image (code runs at F0000). */
#define LIN(x) (0xf0000 + (x))

/* Real-mode start-up common to the -bios programs. */
.macro REAL_MODE_SETUP
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK_TOP, %sp
.endm

/* The entry of a -bios program (_start, reached from RESET_VECTOR): the
 * real-mode set-up and COM1 ready (the program expands SERIAL16_FUNCS). */
.macro BIOS_START16
    .code16
    .section .text.start, "ax"
    .globl _start
_start:
    REAL_MODE_SETUP
    call serial_init16
.endm

/* The GDT ENTER_PM32 loads: null, 0x08 flat 32-bit code, 0x10 flat data. */
.macro FLAT_GDT32
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff            /* 0x10: data, flat */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long LIN(gdt)
.endm

/* From real mode to flat 32-bit protected mode through the program's
 * gdt_ptr (selector 0x08 code, 0x10 data), with the 16-bit serial helpers
 * placed before the 32-bit code; continues at pm32 with ESP = stack. */
.macro ENTER_PM32 stack
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm32)

    SERIAL16_FUNCS

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov \stack, %esp
.endm

#endif /* __ASSEMBLER__ */
#endif
