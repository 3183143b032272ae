/* The native backend against the interpreter on guest code: both run the
 * same IR, so every result must be identical.  Covers the conditions the
 * backend computes inline from lazy flags (an ALU instruction then SETcc
 * in one block, every condition, every operand size; the same with Jcc,
 * which becomes one host branch), a loop of chained blocks ending in a
 * fault (rip and registers exact), a block holding more values than host
 * registers across helper calls and a fault, and one that rewrites a block
 * it is chained to. */
#include "config.h"

#ifdef CONFIG_JIT
#include "tests/unit/unit.h"     /* first: cpu/excp.h defines noreturn */
#include "cpu/excp.h"
#include "tests/unit/tcg-harness.h"
#include "translate/backend-native.h"
#include "translate/flags.h"
#include "translate/tb.h"
#include "translate/tlb.h"

typedef struct Result {
    uint64_t rax, rcx, rip;
    uint32_t flags;
    int vector;
} Result;

static Result run_on(CPUState *cpu, const char *backend, const uint8_t *code, size_t n,
                     uint64_t a, uint64_t b)
{
    const char *why;
    CHECK(tcg_backend_select(backend, &why) == 0);
    tb_flush_all(cpu);
    tt_load(code, n);
    CPUX86State *env = &cpu->env;
    env->rip = TT_CODE;
    env->halted = false;
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = 0x1111;
    cpu_load_flags(cpu, 2 | (a & 1 ? FL_CF : 0));    /* a carry in for ADC/SBB */
    Result r;
    r.vector = tt_run(cpu);
    r.rax = env->regs[R_EAX];
    r.rcx = env->regs[R_ECX];
    r.rip = env->rip;
    r.flags = tt_flags(cpu);
    return r;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ALU forms: opcode and ModRM (operands rax, rbx), byte form first. */
static const uint8_t alu[][2][3] = {
    { { 0x00, 0xd8 }, { 0x01, 0xd8 } },             /* add */
    { { 0x08, 0xd8 }, { 0x09, 0xd8 } },             /* or */
    { { 0x10, 0xd8 }, { 0x11, 0xd8 } },             /* adc */
    { { 0x18, 0xd8 }, { 0x19, 0xd8 } },             /* sbb */
    { { 0x20, 0xd8 }, { 0x21, 0xd8 } },             /* and */
    { { 0x28, 0xd8 }, { 0x29, 0xd8 } },             /* sub */
    { { 0x30, 0xd8 }, { 0x31, 0xd8 } },             /* xor */
    { { 0x38, 0xd8 }, { 0x39, 0xd8 } },             /* cmp */
    { { 0x84, 0xd8 }, { 0x85, 0xd8 } },             /* test */
    { { 0xfe, 0xc0 }, { 0xff, 0xc0 } },             /* inc */
    { { 0xfe, 0xc8 }, { 0xff, 0xc8 } },             /* dec */
    { { 0xf6, 0xd8 }, { 0xf7, 0xd8 } },             /* neg */
    { { 0xc0, 0xe0, 5 }, { 0xc1, 0xe0, 5 } },       /* shl $5 */
};

static size_t alu_case(uint8_t *code, unsigned op, unsigned size, unsigned cc, bool jcc)
{
    size_t n = 0;
    if (size == 2)
        code[n++] = 0x66;
    if (size == 8)
        code[n++] = 0x48;
    const uint8_t *f = alu[op][size != 1];
    unsigned len = (f[0] & 0xfe) == 0xc0 ? 3 : 2;
    for (unsigned i = 0; i < len; i++)
        code[n++] = f[i];
    if (jcc) {
        code[n++] = (uint8_t)(0x70 | cc);   /* jcc over mov cl, 0x77 */
        code[n++] = 2;
        code[n++] = 0xb1;
        code[n++] = 0x77;
    } else {
        code[n++] = 0x0f;           /* setcc cl */
        code[n++] = (uint8_t)(0x90 | cc);
        code[n++] = 0xc1;
    }
    code[n++] = 0xf4;               /* hlt */
    return n;
}

static void conditions_match(bool jcc)
{
    const char *why;
    if (tcg_backend_select("native", &why))
        SKIP(why);      /* the host refuses executable memory */
    CPUState *cpu = tt_cpu(64);
    static const uint64_t edges[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                      0x7fffffff, 0x80000000, 0xffffffff,
                                      0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL };
    const unsigned ne = sizeof(edges) / sizeof(edges[0]);
    uint64_t seed = 0x6e6174697665ULL;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (unsigned op = 0; op < sizeof(alu) / sizeof(alu[0]); op++) {
        for (unsigned s = 0; s < 4; s++) {
            for (unsigned cc = 0; cc < 16; cc++) {
                uint8_t code[16];
                size_t n = alu_case(code, op, sizes[s], cc, jcc);
                for (unsigned i = 0; i < 24; i++) {
                    uint64_t a = i < ne ? edges[i] : next_rand(&seed);
                    uint64_t b = i < ne ? edges[(i * 5 + cc) % ne] : next_rand(&seed);
                    Result x = run_on(cpu, "native", code, n, a, b);
                    Result y = run_on(cpu, "interp", code, n, a, b);
                    if (x.rcx != y.rcx || x.rax != y.rax || x.flags != y.flags ||
                        x.vector != y.vector) {
                        unit_fail(__FILE__, __LINE__,
                                  "%s op %u size %u cc %u a %#" PRIx64 " b %#" PRIx64
                                  ": native rcx %#" PRIx64 " flags %#x, interp rcx %#" PRIx64
                                  " flags %#x", jcc ? "jcc" : "setcc", op, sizes[s], cc, a, b,
                                  x.rcx, x.flags,
                                  y.rcx, y.flags);
                        return;
                    }
                }
            }
        }
    }
}

TEST(tcg_native, inline_conditions_match_interpreter)
{
    conditions_match(false);
}

/* ALU then Jcc: the branch on the host flags of the inline condition. */
TEST(tcg_native, fused_branches_match_interpreter)
{
    conditions_match(true);
}

/* One block keeping a dozen values live (each register's new value is
 * read again at the end) across helper calls (variable shift, multiply,
 * a flags read) and memory accesses, ending in a store that faults: every
 * register, rip and the flags must be exact, as under the interpreter. */
TEST(tcg_native, register_pressure_across_calls_and_a_fault)
{
    const char *why;
    if (tcg_backend_select("native", &why))
        SKIP(why);
    CPUState *cpu = tt_cpu(64);
    static const uint8_t code[] = {
        0x4c, 0x8d, 0x04, 0x18,         /* lea r8, [rax + rbx] */
        0x4d, 0x8d, 0x0c, 0x40,         /* lea r9, [r8 + rax*2] */
        0x4d, 0x8d, 0x14, 0x19,         /* lea r10, [r9 + rbx] */
        0x4d, 0x8d, 0x1c, 0x02,         /* lea r11, [r10 + rax] */
        0x4f, 0x8d, 0x24, 0x03,         /* lea r12, [r11 + r8] */
        0x4f, 0x8d, 0x2c, 0x0c,         /* lea r13, [r12 + r9] */
        0x4f, 0x8d, 0x34, 0x15, 0, 0, 0, 0, /* lea r14, [r10*1 + 0] */
        0x4d, 0x01, 0xee,               /* add r14, r13 */
        0x48, 0xd3, 0xe0,               /* shl rax, cl */
        0x4c, 0x0f, 0xaf, 0xc3,         /* imul r8, rbx */
        0x0f, 0x92, 0xc2,               /* setb dl */
        0x48, 0x8b, 0x34, 0x25, 0x00, 0x00, 0x02, 0x00, /* mov rsi, [0x20000] */
        0x4d, 0x8d, 0x3c, 0x36,         /* lea r15, [r14 + rsi] */
        0x48, 0x8d, 0x3c, 0x01,         /* lea rdi, [rcx + rax] */
        0x4d, 0x01, 0xc1,               /* add r9, r8 */
        0x4d, 0x01, 0xca,               /* add r10, r9 */
        0x4d, 0x01, 0xd3,               /* add r11, r10 */
        0x4d, 0x01, 0xdc,               /* add r12, r11 */
        0x4d, 0x01, 0xe5,               /* add r13, r12 */
        0x4d, 0x01, 0xee,               /* add r14, r13 */
        0x4d, 0x01, 0xf7,               /* add r15, r14 */
        0x48, 0x01, 0xfe,               /* add rsi, rdi */
        0x4c, 0x89, 0x3d, 0x00, 0x00, 0xff, 0x00, /* mov [rip + 0xff0000], r15: #PF */
        0xf4,
    };
    uint64_t regs[2][16], rip[2];
    int vec[2];
    uint32_t fl[2];
    for (int i = 0; i < 2; i++) {
        tt_wr(TT_DATA, 0x123456789abcdefULL, 8);
        CHECK(tcg_backend_select(i ? "interp" : "native", &why) == 0);
        tb_flush_all(cpu);
        tt_load(code, sizeof(code));
        CPUX86State *env = &cpu->env;
        memset(env->regs, 0, sizeof(env->regs));
        env->regs[R_EAX] = 0x0123456789abcdefULL;
        env->regs[R_EBX] = 0xfedcba9876543210ULL;
        env->regs[R_ECX] = 13;
        env->rip = TT_CODE;
        env->halted = false;
        cpu_load_flags(cpu, 2);
        vec[i] = tt_run(cpu);
        memcpy(regs[i], env->regs, sizeof(regs[i]));
        rip[i] = env->rip;
        fl[i] = tt_flags(cpu);
    }
    CHECK_EQ(vec[0], EXC_PF);
    CHECK_EQ(vec[1], EXC_PF);
    CHECK_EQ(rip[0], rip[1]);
    CHECK_EQ(rip[0], TT_CODE + sizeof(code) - 8);
    CHECK_EQ(fl[0], fl[1]);
    for (int r = 0; r < 16; r++)
        CHECK_EQ(regs[0][r], regs[1][r]);
    CHECK(regs[0][15] != 0 && regs[0][6] != 0x123456789abcdefULL);
}

/* A loop through a block whose last instruction runs into the next page
 * (add edx, imm32 with the imm's last byte there): chained like any
 * other, it must stop matching once that page is mapped elsewhere
 * (the loop rewrites the PTE and INVLPGs halfway): 10 turns add 1, then
 * 10 add 0x10000001 read from the new frame. */
TEST(tcg_native, block_across_pages_follows_a_remap)
{
    const char *why;
    if (tcg_backend_select("native", &why))
        SKIP(why);
    CPUState *cpu = tt_cpu(64);
    static const uint8_t head[] = {
        0x31, 0xd2,                                 /* 1000: xor edx, edx */
        0xb9, 0x14, 0x00, 0x00, 0x00,               /* 1002: mov ecx, 20 */
        0xe9, 0xef, 0x0f, 0x00, 0x00,               /* 1007: jmp 1ffb */
        0xff, 0xc9,                                 /* 100c: dec ecx */
        0x74, 0x30,                                 /* 100e: jz 1040 */
        0x83, 0xf9, 0x0a,                           /* 1010: cmp ecx, 10 */
        0x0f, 0x85, 0xe2, 0x0f, 0x00, 0x00,         /* 1013: jne 1ffb */
        0x48, 0xc7, 0x04, 0x25, 0x10, 0x30, 0x07, 0x00, 0x03, 0x30, 0x00, 0x00,
                                                    /* 1019: mov qword [PTE 0x2000], 0x3003 */
        0x0f, 0x01, 0x3c, 0x25, 0x00, 0x20, 0x00, 0x00, /* 1025: invlpg [0x2000] */
        0xe9, 0xc9, 0x0f, 0x00, 0x00,               /* 102d: jmp 1ffb */
    };
    static const uint8_t tail[] = { 0x81, 0xc2, 0x01, 0x00, 0x00, /* 1ffb: add edx, 1 */
                                    0x00, 0xe9, 0x06, 0xf0, 0xff, 0xff }; /* 2001: jmp 100c */
    static uint8_t code[0x100b];
    memcpy(code, head, sizeof(head));
    code[0x40] = 0xf4;                              /* 1040: hlt */
    memcpy(code + 0xffb, tail, sizeof(tail));
    for (int i = 0; i < 2; i++) {
        tt_wr(TT_PT + 2 * 8, 0x2003, 8);            /* 0x2000 -> frame 0x2000 */
        tt_wr(0x3000, 0x10, 1);                     /* the other frame: imm 0x10000001 */
        for (unsigned k = 1; k < sizeof(tail) - 5; k++)
            tt_wr(0x3000 + k, tail[5 + k], 1);
        tlb_flush(cpu);
        run_on(cpu, i ? "interp" : "native", code, sizeof(code), 0, 0);
        CHECK_EQ(cpu->env.regs[R_EDX], 0xa0000014);
        CHECK_EQ(cpu->env.rip, TT_CODE + 0x41);
    }
}

/* A counted loop over several blocks (chained by the second run through
 * them) that stores through rbx until it walks off mapped memory: the #PF
 * must leave the same rip, registers and flags under both backends. */
TEST(tcg_native, fault_in_chained_loop_is_precise)
{
    const char *why;
    if (tcg_backend_select("native", &why))
        SKIP(why);
    CPUState *cpu = tt_cpu(64);
    static const uint8_t code[] = {
        0x48, 0x89, 0x03,               /* 1000: mov [rbx], rax */
        0x48, 0x83, 0xc3, 0x08,         /*       add rbx, 8 */
        0x48, 0xff, 0xc0,               /*       inc rax */
        0xeb, 0x00,                     /*       jmp next (ends the block) */
        0x48, 0x83, 0xc1, 0x01,         /*       add rcx, 1 */
        0x48, 0x39, 0xd8,               /*       cmp rax, rbx */
        0x75, 0xeb,                     /*       jne 1000 */
        0xf4,                           /*       hlt */
    };
    /* rbx starts in the last mapped page: the loop faults leaving it */
    Result x = run_on(cpu, "native", code, sizeof(code), 0, 0xff000);
    uint64_t cr2 = cpu->env.cr2;
    Result y = run_on(cpu, "interp", code, sizeof(code), 0, 0xff000);
    CHECK_EQ(x.vector, EXC_PF);
    CHECK_EQ(y.vector, EXC_PF);
    CHECK_EQ(x.rip, TT_CODE);
    CHECK_EQ(x.rip, y.rip);
    CHECK_EQ(x.rax, y.rax);
    CHECK_EQ(x.rcx, y.rcx);
    CHECK_EQ(x.flags, y.flags);
    CHECK_EQ(cr2, cpu->env.cr2);
    CHECK_EQ(x.rax, 0x1000 / 8);    /* 512 stores made it */
}

/* A loop on one page calls a block on the next page (a chained jump
 * across pages), which rewrites its own immediate (add edx, 1 -> add edx,
 * 5) halfway through: the still valid caller's chained jump must not run
 * the stale block.  16 turns: 8 + 1 before the store, then 7 * 5. */
TEST(tcg_native, code_rewritten_under_a_chained_jump)
{
    const char *why;
    if (tcg_backend_select("native", &why))
        SKIP(why);
    CPUState *cpu = tt_cpu(64);
    static const uint8_t page0[] = {
        0x31, 0xd2,                             /* 1000: xor edx, edx */
        0xb9, 0x10, 0x00, 0x00, 0x00,           /* 1002: mov ecx, 16 */
        0xe9, 0xf4, 0x0f, 0x00, 0x00,           /* 1007: jmp 2000 */
        0xff, 0xc9,                             /* 100c: dec ecx */
        0x75, 0xf7,                             /* 100e: jnz 1007 */
        0xf4,                                   /* 1010: hlt */
    };
    static const uint8_t page1[] = {
        0x83, 0xc2, 0x01,                       /* 2000: add edx, 1 */
        0x83, 0xf9, 0x08,                       /* 2003: cmp ecx, 8 */
        0x75, 0x07,                             /* 2006: jne 200f */
        0xc6, 0x05, 0xf3, 0xff, 0xff, 0xff, 0x05, /* 2008: mov byte [rip - 13], 5 */
        0xe9, 0xf8, 0xef, 0xff, 0xff,           /* 200f: jmp 100c */
    };
    static uint8_t code[0x1000 + sizeof(page1)];
    memcpy(code, page0, sizeof(page0));
    memcpy(code + 0x1000, page1, sizeof(page1));
    for (int i = 0; i < 2; i++) {
        run_on(cpu, i ? "interp" : "native", code, sizeof(code), 0, 0);
        CHECK_EQ(cpu->env.regs[R_EDX], 44);
        CHECK_EQ(cpu->env.rip, TT_CODE + sizeof(page0));
    }
}
#endif
