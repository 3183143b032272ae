/* Guest code snippets on the TCG engine in real, 32-bit and 64-bit mode:
 * loops, string instructions with REP prefixes, BCD, stack frames, locked
 * read-modify-write, DIV faults, software interrupts through the IVT,
 * page faults with precise state, and self-modifying code. */
#include "accel/tcg.h"
#include "hw/core/dma.h"
#include "tests/unit/harness.h"
#include "tests/unit/tcg-harness.h"
#include "tests/unit/unit.h"
#include "translate/flags.h"
#include "translate/tb.h"

/*
    mov cx, 100
    xor ax, ax
    1: add ax, cx
    loop 1b
    hlt
 */
static const uint8_t real_loop[] = {
    0xb9, 0x64, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0xf4,
};

/*
    mov ax, 0x2000
    mov ds, ax
    mov es, ax
    cld
    mov di, 0x100
    mov ax, 0x4142
    mov cx, 8
    rep stosw
    mov si, 0x100
    mov di, 0x200
    mov cx, 16
    rep movsb
    mov di, 0x200
    mov al, 0x41
    mov cx, 16
    repne scasb
    mov bp, cx
    mov dx, di
    mov si, 0x100
    mov di, 0x200
    mov cx, 16
    repe cmpsb
    std
    mov si, 0x10f
    lodsb
    cld
    hlt
 */
static const uint8_t real_string[] = {
    0xb8, 0x00, 0x20, 0x8e, 0xd8, 0x8e, 0xc0, 0xfc, 0xbf, 0x00, 0x01, 0xb8,
    0x42, 0x41, 0xb9, 0x08, 0x00, 0xf3, 0xab, 0xbe, 0x00, 0x01, 0xbf, 0x00,
    0x02, 0xb9, 0x10, 0x00, 0xf3, 0xa4, 0xbf, 0x00, 0x02, 0xb0, 0x41, 0xb9,
    0x10, 0x00, 0xf2, 0xae, 0x89, 0xcd, 0x89, 0xfa, 0xbe, 0x00, 0x01, 0xbf,
    0x00, 0x02, 0xb9, 0x10, 0x00, 0xf3, 0xa6, 0xfd, 0xbe, 0x0f, 0x01, 0xac,
    0xfc, 0xf4,
};

/*
    mov al, 0x19
    add al, 0x28
    daa
    mov bl, al
    mov al, 0x05
    sub al, 0x07
    das
    mov bh, al
    mov ax, 0x0009
    add al, 0x05
    aaa
    mov cx, ax
    mov al, 63
    aam
    mov dx, ax
    mov ax, 0x0703
    aad
    hlt
 */
static const uint8_t real_bcd[] = {
    0xb0, 0x19, 0x04, 0x28, 0x27, 0x88, 0xc3, 0xb0, 0x05, 0x2c, 0x07, 0x2f,
    0x88, 0xc7, 0xb8, 0x09, 0x00, 0x04, 0x05, 0x37, 0x89, 0xc1, 0xb0, 0x3f,
    0xd4, 0x0a, 0x89, 0xc2, 0xb8, 0x03, 0x07, 0xd5, 0x0a, 0xf4,
};

/*
    mov ax, 1000
    mov bl, 0
    div bl
    hlt
 */
static const uint8_t real_div0[] = {
    0xb8, 0xe8, 0x03, 0xb3, 0x00, 0xf6, 0xf3, 0xf4,
};

/*
    mov ax, 1000
    mov bl, 2
    div bl
    hlt
 */
static const uint8_t real_divovf[] = {
    0xb8, 0xe8, 0x03, 0xb3, 0x02, 0xf6, 0xf3, 0xf4,
};

/*
    mov word ptr [0x21*4], 0x1100
    mov word ptr [0x21*4+2], 0
    int 0x21
    mov bx, 1
    hlt
 */
static const uint8_t real_int[] = {
    0xc7, 0x06, 0x84, 0x00, 0x00, 0x11, 0xc7, 0x06, 0x86, 0x00, 0x00, 0x00,
    0xcd, 0x21, 0xbb, 0x01, 0x00, 0xf4,
};

/*
    mov dx, 0x1234
    iret
 */
static const uint8_t real_handler[] = {
    0xba, 0x34, 0x12, 0xcf,
};

/*
    mov eax, 1
    mov ecx, 2
    mov edx, 3
    mov ebx, 4
    mov ebp, 6
    mov esi, 7
    mov edi, 8
    pushad
    xor eax, eax
    xor ecx, ecx
    xor edi, edi
    popad
    call 1f
    jmp 2f
    1: mov esi, [esp]
    ret
    2: push 0x12345678
    pop dword ptr [0x20000]
    enter 16, 0
    mov dword ptr [ebp-4], 0xcafe
    leave
    pushfd
    pop edx
    hlt
 */
static const uint8_t p32_stack[] = {
    0xb8, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xba, 0x03,
    0x00, 0x00, 0x00, 0xbb, 0x04, 0x00, 0x00, 0x00, 0xbd, 0x06, 0x00, 0x00,
    0x00, 0xbe, 0x07, 0x00, 0x00, 0x00, 0xbf, 0x08, 0x00, 0x00, 0x00, 0x60,
    0x31, 0xc0, 0x31, 0xc9, 0x31, 0xff, 0x61, 0xe8, 0x02, 0x00, 0x00, 0x00,
    0xeb, 0x04, 0x8b, 0x34, 0x24, 0xc3, 0x68, 0x78, 0x56, 0x34, 0x12, 0x8f,
    0x05, 0x00, 0x00, 0x02, 0x00, 0xc8, 0x10, 0x00, 0x00, 0xc7, 0x45, 0xfc,
    0xfe, 0xca, 0x00, 0x00, 0xc9, 0x9c, 0x5a, 0xf4,
};

/*
    mov edi, 0x20000
    mov dword ptr [edi], 0x80000001
    shl dword ptr [edi], 1
    setc byte ptr [edi+16]
    add dword ptr [edi+4], 5
    lock inc dword ptr [edi+4]
    mov ecx, 100
    lock xadd [edi+4], ecx
    mov eax, 106
    mov edx, 7
    lock cmpxchg [edi+4], edx
    bts dword ptr [edi+8], 35
    mov byte ptr [edi+11], 0x80
    mov ebx, -1
    bt [edi+12], ebx
    setc bl
    movzx esi, byte ptr [edi+11]
    hlt
 */
static const uint8_t p32_mem[] = {
    0xbf, 0x00, 0x00, 0x02, 0x00, 0xc7, 0x07, 0x01, 0x00, 0x00, 0x80, 0xd1,
    0x27, 0x0f, 0x92, 0x47, 0x10, 0x83, 0x47, 0x04, 0x05, 0xf0, 0xff, 0x47,
    0x04, 0xb9, 0x64, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0xc1, 0x4f, 0x04, 0xb8,
    0x6a, 0x00, 0x00, 0x00, 0xba, 0x07, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0xb1,
    0x57, 0x04, 0x0f, 0xba, 0x6f, 0x08, 0x23, 0xc6, 0x47, 0x0b, 0x80, 0xbb,
    0xff, 0xff, 0xff, 0xff, 0x0f, 0xa3, 0x5f, 0x0c, 0x0f, 0x92, 0xc3, 0x0f,
    0xb6, 0x77, 0x0b, 0xf4,
};

/*
    lea rax, [rip+data]
    mov rbx, [rax]
    mov r8, 0x123456789abcdef0
    push r8
    pop r9
    movsxd r10, dword ptr [rax+8]
    mov rcx, 4
    mov rsi, rax
    mov rdi, 0x20000
    rep movsq
    mov rax, -7
    cqo
    mov r11, 2
    idiv r11
    mov r12d, -1
    hlt
    data: .quad 0x1122334455667788
    .long -5
    .long 0
    .quad 0x99, 0xaa
 */
static const uint8_t p64_misc[] = {
    0x48, 0x8d, 0x05, 0x43, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x18, 0x49, 0xb8,
    0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x41, 0x50, 0x41, 0x59,
    0x4c, 0x63, 0x50, 0x08, 0x48, 0xc7, 0xc1, 0x04, 0x00, 0x00, 0x00, 0x48,
    0x89, 0xc6, 0x48, 0xc7, 0xc7, 0x00, 0x00, 0x02, 0x00, 0xf3, 0x48, 0xa5,
    0x48, 0xc7, 0xc0, 0xf9, 0xff, 0xff, 0xff, 0x48, 0x99, 0x49, 0xc7, 0xc3,
    0x02, 0x00, 0x00, 0x00, 0x49, 0xf7, 0xfb, 0x41, 0xbc, 0xff, 0xff, 0xff,
    0xff, 0xf4, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xfb, 0xff,
    0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
    mov rax, 0x11
    mov rbx, 0x50010
    mov qword ptr [rbx], rax
    hlt
 */
static const uint8_t p64_pf[] = {
    0x48, 0xc7, 0xc0, 0x11, 0x00, 0x00, 0x00, 0x48, 0xc7, 0xc3, 0x10, 0x00,
    0x05, 0x00, 0x48, 0x89, 0x03, 0xf4,
};

/*
    mov eax, 0
    mov byte ptr [patch+1+0x1000], 42
    patch: mov eax, 7
    mov ebx, eax
    mov byte ptr [patch2+1+0x1000], 9
    jmp patch2
    patch2: mov ecx, 1
    hlt
 */
static const uint8_t smc[] = {
    0xb8, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x05, 0x0d, 0x10, 0x00, 0x00, 0x2a,
    0xb8, 0x07, 0x00, 0x00, 0x00, 0x89, 0xc3, 0xc6, 0x05, 0x1d, 0x10, 0x00,
    0x00, 0x09, 0xeb, 0x00, 0xb9, 0x01, 0x00, 0x00, 0x00, 0xf4,
};


/*
    mov ax, 0x30
    mov ds, ax
    mov dword ptr [0xffc], 0x11223344
    mov eax, dword ptr [0xffe]
    hlt
 */
static const uint8_t seg_limit[] = {
    0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xc7, 0x05, 0xfc, 0x0f, 0x00, 0x00,
    0x44, 0x33, 0x22, 0x11, 0xa1, 0xfe, 0x0f, 0x00, 0x00, 0xf4,
};


/*
    mov rax, 0x20000
    wrfsbase rax
    rdfsbase rbx
    mov rcx, 0x55
    mov fs:[0], rcx
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
    xsetbv
    xgetbv
    mov r8, rax
    stac
    pushfq
    pop r9
    clac
    lfence
    hlt
 */
static const uint8_t sys64[] = {
    0x48, 0xc7, 0xc0, 0x00, 0x00, 0x02, 0x00, 0xf3, 0x48, 0x0f, 0xae, 0xd0,
    0xf3, 0x48, 0x0f, 0xae, 0xc3, 0x48, 0xc7, 0xc1, 0x55, 0x00, 0x00, 0x00,
    0x64, 0x48, 0x89, 0x0c, 0x25, 0x00, 0x00, 0x00, 0x00, 0x31, 0xc9, 0xb8,
    0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x01, 0xd1, 0x0f, 0x01, 0xd0,
    0x49, 0x89, 0xc0, 0x0f, 0x01, 0xcb, 0x9c, 0x41, 0x59, 0x0f, 0x01, 0xca,
    0x0f, 0xae, 0xe8, 0xf4,
};



#define LOAD(a) tt_load(a, sizeof(a))
#define REG(r) (cpu->env.regs[r])

/* Run delivering exceptions and interrupts (INT n through the IVT). */
static void run_delivering(CPUState *cpu)
{
    for (int i = 0; i < 100 && !cpu->env.halted; i++)
        tcg_exec_slice(cpu, 10000);
    CHECK(cpu->env.halted);
}

TEST(tcg_real, loop_sums)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_loop);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX) & 0xffff, 5050);
    CHECK_EQ(REG(R_ECX) & 0xffff, 0);
    CHECK_EQ(cpu->env.rip, TT_CODE + sizeof(real_loop));
}

TEST(tcg_real, rep_string_instructions)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_string);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(tt_rd(0x20100, 4), 0x41424142);
    CHECK_EQ(tt_rd(0x2020c, 4), 0x41424142);
    CHECK_EQ(REG(R_EBP) & 0xffff, 14);          /* REPNE SCASB stopped after 2 */
    CHECK_EQ(REG(R_EDX) & 0xffff, 0x202);
    CHECK_EQ(REG(R_ECX) & 0xffff, 0);           /* REPE CMPSB ran to the end */
    CHECK_EQ(REG(R_EDI) & 0xffff, 0x210);
    CHECK(tt_flags(cpu) & FL_ZF);
    CHECK_EQ(REG(R_EAX) & 0xff, 0x41);          /* LODSB with DF=1 */
    CHECK_EQ(REG(R_ESI) & 0xffff, 0x10e);
    CHECK(!(cpu->env.rflags & FL_DF));
}

TEST(tcg_real, bcd_adjustments)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_bcd);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EBX) & 0xffff, 0x9847);      /* DAA 19+28=47, DAS 05-07=98 */
    CHECK_EQ(REG(R_ECX) & 0xffff, 0x0104);      /* AAA */
    CHECK_EQ(REG(R_EDX) & 0xffff, 0x0603);      /* AAM 63 */
    CHECK_EQ(REG(R_EAX) & 0xffff, 0x0049);      /* AAD 0703 */
}

TEST(tcg_real, div_by_zero_is_precise)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_div0);
    CHECK_EQ(tt_run(cpu), EXC_DE);
    CHECK_EQ(cpu->env.rip, TT_CODE + 5);
    CHECK_EQ(REG(R_EAX) & 0xffff, 1000);
}

TEST(tcg_real, div_overflow_raises_de)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_divovf);
    CHECK_EQ(tt_run(cpu), EXC_DE);
    CHECK_EQ(cpu->env.rip, TT_CODE + 5);
}

TEST(tcg_real, int_through_ivt_and_iret)
{
    CPUState *cpu = tt_cpu(16);
    LOAD(real_int);
    for (size_t i = 0; i < sizeof(real_handler); i++)
        tt_wr(0x1100 + i, real_handler[i], 1);
    run_delivering(cpu);
    CHECK_EQ(REG(R_EDX) & 0xffff, 0x1234);
    CHECK_EQ(REG(R_EBX) & 0xffff, 1);
    CHECK_EQ(REG(R_ESP) & 0xffff, TT_STACK);
}

TEST(tcg_32, stack_frames_and_calls)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(p32_stack);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 1);
    CHECK_EQ(REG(R_ECX), 2);
    CHECK_EQ(REG(R_EDI), 8);
    CHECK_EQ(tt_rd(REG(R_ESI), 1), 0xeb);       /* CALL pushed the JMP's address */
    CHECK_EQ(tt_rd(0x20000, 4), 0x12345678);
    CHECK_EQ(tt_rd(TT_STACK - 8, 4), 0xcafe);   /* ENTER's frame */
    CHECK_EQ(REG(R_EBP), 6);
    CHECK_EQ(REG(R_ESP), TT_STACK);
    CHECK(REG(R_EDX) & 2);
}

TEST(tcg_32, memory_read_modify_write)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(p32_mem);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(tt_rd(0x20000, 4), 2);
    CHECK_EQ(tt_rd(0x20010, 1), 1);             /* SHL's carry */
    CHECK_EQ(tt_rd(0x20004, 4), 7);             /* ADD, INC, XADD, CMPXCHG */
    CHECK_EQ(REG(R_ECX), 6);
    CHECK_EQ(REG(R_EAX), 106);
    CHECK_EQ(tt_rd(0x20008, 4), 0x80000008);    /* BTS imm mod 32 */
    CHECK_EQ(REG(R_EBX) & 0xff, 1);             /* BT with bit offset -1 */
    CHECK_EQ(REG(R_ESI), 0x80);
}

TEST(tcg_64, rip_relative_rex_and_wide_ops)
{
    CPUState *cpu = tt_cpu(64);
    LOAD(p64_misc);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EBX), 0x1122334455667788ULL);
    CHECK_EQ(REG(R_R9), 0x123456789abcdef0ULL);
    CHECK_EQ(REG(R_R10), (uint64_t)-5);
    CHECK_EQ(tt_rd(0x20000, 8), 0x1122334455667788ULL);
    CHECK_EQ(tt_rd(0x20008, 8), 0xfffffffbULL);
    CHECK_EQ(tt_rd(0x20018, 8), 0xaa);
    CHECK_EQ(REG(R_ECX), 0);
    CHECK_EQ(REG(R_EAX), (uint64_t)-3);
    CHECK_EQ(REG(R_EDX), (uint64_t)-1);
    CHECK_EQ(REG(R_R12), 0xffffffffULL);
}

TEST(tcg_64, page_fault_is_precise)
{
    CPUState *cpu = tt_cpu(64);
    LOAD(p64_pf);
    tt_wr(TT_PT + 0x50 * 8, 0, 8);              /* page 0x50000 not present */
    CHECK_EQ(tt_run(cpu), EXC_PF);
    CHECK_EQ(cpu->env.rip, TT_CODE + 14);
    CHECK_EQ(cpu->env.cr2, 0x50010);
    CHECK_EQ(cpu->env.error_code & 7, 2);       /* write, not present, supervisor */
    CHECK_EQ(REG(R_EAX), 0x11);
}

TEST(tcg_32, self_modifying_code)
{
    CPUState *cpu = tt_cpu(32);
    LOAD(smc);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 42);       /* patched in the running block */
    CHECK_EQ(REG(R_EBX), 42);
    CHECK_EQ(REG(R_ECX), 9);        /* patched before a jump to it */
    /* Run it again: the translated blocks of the patched code are used. */
    CHECK_EQ(tt_rd(TT_CODE + 13, 1), 42);
}

TEST(tcg_32, segment_limit_faults_precisely)
{
    CPUState *cpu = tt_cpu(32);
    /* GDT entry 0x30: data, base 0x20000, limit 0xfff, 32-bit. */
    uint32_t lo = 0x0fff | (0x0000u << 16), hi = 0x02 | (0x93u << 8) | (0x4u << 20);
    tt_wr(0x600 + 0x30, lo | ((uint64_t)hi << 32), 8);
    LOAD(seg_limit);
    CHECK_EQ(tt_run(cpu), EXC_GP);
    CHECK_EQ(cpu->env.rip, TT_CODE + 16);       /* the load at 0xffe */
    CHECK_EQ(cpu->env.error_code, 0);
    CHECK_EQ(tt_rd(0x20ffc, 4), 0x11223344);    /* the store at 0xffc fit */
}

TEST(tcg_64, fsgsbase_xsetbv_stac)
{
    CPUState *cpu = tt_cpu(64);
    cpu->env.cr4 |= CR4_FSGSBASE | CR4_OSXSAVE;
    LOAD(sys64);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EBX), 0x20000);
    CHECK_EQ(cpu->env.seg[SEG_FS].base, 0x20000);
    CHECK_EQ(tt_rd(0x20000, 8), 0x55);         /* the store went through FS */
    CHECK_EQ(REG(R_R8), 3);                     /* XCR0 written and read back */
    CHECK(REG(R_R9) & FL_AC);                   /* STAC */
    CHECK(!(cpu->env.rflags & FL_AC));          /* CLAC */
}

/* Device DMA over translated code: the next run executes the new bytes. */
TEST(tcg_32, dma_write_replaces_translated_code)
{
    static const uint8_t code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4 };  /* mov eax, 1; hlt */
    CPUState *cpu = tt_cpu(32);
    tcg_watch_ram_writes(harness_machine());
    tt_load(code, sizeof(code));
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 1);
    const uint8_t two = 2;
    CHECK(dma_write(&harness_machine()->mem, TT_CODE + 1, &two, 1));
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 2);
    /* as_write (loaders, the debugger) too */
    const uint8_t three = 3;
    CHECK(as_write(&harness_machine()->mem, TT_CODE + 1, &three, 1));
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(REG(R_EAX), 3);
}

/* A read-modify-write destination on a not-present page faults as a write
 * (#PF error code bit 1), for the inline ALU form and a helper form. */
TEST(tcg_64, rmw_destination_faults_as_a_write)
{
    /* mov ebx, 0x50010; add dword ptr [rbx], 1; hlt */
    static const uint8_t add_mem[] = { 0xbb, 0x10, 0x00, 0x05, 0x00, 0x83, 0x03, 0x01, 0xf4 };
    /* mov ebx, 0x50010; mov cl, 3; shl dword ptr [rbx], cl; hlt */
    static const uint8_t shl_mem[] = { 0xbb, 0x10, 0x00, 0x05, 0x00, 0xb1, 0x03, 0xd3, 0x23, 0xf4 };
    /* mov ebx, 0x50010; cmp dword ptr [rbx], 1; hlt  (a plain read) */
    static const uint8_t cmp_mem[] = { 0xbb, 0x10, 0x00, 0x05, 0x00, 0x83, 0x3b, 0x01, 0xf4 };
    const struct { const uint8_t *code; size_t len; uint32_t err; } cases[] = {
        { add_mem, sizeof(add_mem), 2 }, { shl_mem, sizeof(shl_mem), 2 },
        { cmp_mem, sizeof(cmp_mem), 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CPUState *cpu = tt_cpu(64);
        tt_load(cases[i].code, cases[i].len);
        tb_invalidate_phys_range(cpu, TT_CODE, 0x1000);   /* the previous case's code */
        tt_wr(TT_PT + 0x50 * 8, 0, 8);          /* page 0x50000 not present */
        CHECK_EQ(tt_run(cpu), EXC_PF);
        CHECK_EQ(cpu->env.cr2, 0x50010);
        CHECK_EQ(cpu->env.error_code & 7, cases[i].err);
    }
}

/* A non-canonical address through SS (rbp base, the stack) is #SS(0);
 * through DS it is #GP(0). */
TEST(tcg_64, noncanonical_stack_access_is_ss)
{
    /* mov rbp, 0x8000000000000000; mov eax, [rbp+8]; hlt */
    static const uint8_t rbp_load[] = { 0x48, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0x80,
                                        0x8b, 0x45, 0x08, 0xf4 };
    /* mov rbx, 0x8000000000000000; mov eax, [rbx+8]; hlt */
    static const uint8_t rbx_load[] = { 0x48, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0x80,
                                        0x8b, 0x43, 0x08, 0xf4 };
    /* mov rsp, 0x8000000000000008; push rax; hlt */
    static const uint8_t push[] = { 0x48, 0xbc, 8, 0, 0, 0, 0, 0, 0, 0x80, 0x50, 0xf4 };
    const struct { const uint8_t *code; size_t len; int vec; } cases[] = {
        { rbp_load, sizeof(rbp_load), EXC_SS }, { rbx_load, sizeof(rbx_load), EXC_GP },
        { push, sizeof(push), EXC_SS },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CPUState *cpu = tt_cpu(64);
        tt_load(cases[i].code, cases[i].len);
        tb_invalidate_phys_range(cpu, TT_CODE, 0x1000);
        CHECK_EQ(tt_run(cpu), cases[i].vec);
        CHECK_EQ(cpu->env.rip, TT_CODE + 10);
        CHECK_EQ(cpu->env.error_code, 0);
    }
}

/* 0F 0D with a register operand is #UD (the memory form is a prefetch). */
TEST(tcg_64, prefetch_register_form_is_ud)
{
    /* mov ebx, 0x20000; prefetchw [rbx]; prefetch eax (0F 0D C0); hlt */
    static const uint8_t code[] = { 0xbb, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x0d, 0x0b,
                                    0x0f, 0x0d, 0xc0, 0xf4 };
    CPUState *cpu = tt_cpu(64);
    LOAD(code);
    CHECK_EQ(tt_run(cpu), EXC_UD);
    CHECK_EQ(cpu->env.rip, TT_CODE + 8);
}
