/* MMX/SSE..SSE4.2 against the host CPU: every row of the SSE tables (the
 * same rows fpu_handles answers the decoder from), in register and memory
 * forms, with random operands, MXCSR modes and immediates. */
#include "tests/unit/unit.h"

#include "cpu/cpuid.h"
#include "cpu/fpu.h"
#include "cpu/sse.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/test-fpu-diff.h"

static DiffCase case_of(const SseOp *op, bool mem)
{
    DiffCase c = { .name = "", .prefix = op->prefix, .map = op->map, .opcode = op->opcode,
                   .flags = DC_REX };
    if (op->flags & OPF_IMM8)
        c.flags |= DC_IMM;
    if (mem)
        c.flags |= DC_MEM;
    switch (op->kind) {
    case K_XG:
    case K_GXS:
        c.flags |= DC_GPR_RM;
        break;
    case K_GX:
        c.flags |= DC_GPR_REG;
        break;
    case K_GG:
        c.flags |= DC_GPR_REG | DC_GPR_RM;
        break;
    case K_GST:
        c.flags |= DC_GPR_REG;
        break;
    default:
        break;
    }
    if (op->map == 1 && (op->opcode == 0x52 || op->opcode == 0x53))
        c.flags |= DC_RCP;
    return c;
}

/* MASKMOVQ/MASKMOVDQU store through RDI, which holds the host's own
 * buffer pointer in the runner: covered by a unit test instead. */
static bool skipped(const SseOp *op)
{
    return op->map == 1 && op->opcode == 0xf7;
}

static void run_table(const SseTable *t, int n)
{
    char name[48];
    if (!fpu_diff_available())
        SKIP("no executable memory or not an x86-64 host");
    for (unsigned i = 0; i < t->n; i++) {
        const SseOp *op = &t->ops[i];
        if (skipped(op))
            continue;
        for (int mem = 0; mem < 2; mem++) {
            if ((mem && (op->flags & OPF_REGONLY)) || (!mem && (op->flags & OPF_MEMONLY)))
                continue;
            DiffCase c = case_of(op, mem);
            snprintf(name, sizeof(name), "%02x %s%02x %s", op->prefix,
                     op->map == 1 ? "0f " : op->map == 2 ? "0f38 " : "0f3a ", op->opcode,
                     mem ? "mem" : "reg");
            c.name = name;
            fpu_diff_run(&c, n, 0xabcdef + i);
        }
    }
}

TEST(sse, integer_rows_vs_host) { run_table(&sse_int_table, 40); }
TEST(sse, float_rows_vs_host) { run_table(&sse_fp_table, 60); }
TEST(sse, move_rows_vs_host) { run_table(&sse_move_table, 40); }
TEST(sse, sse41_rows_vs_host) { run_table(&sse_s41_table, 40); }
TEST(sse, sse42_rows_vs_host) { run_table(&sse_str_table, 200); }
TEST(sse, aes_pclmul_rows_vs_host) { run_table(&sse_aes_table, 100); }

static void sse_call(CPUState *cpu, uint64_t *args)
{
    fpu_exec(cpu, (const FpuInsn *)(uintptr_t)args[0]);
}

/* CRC32 in its four operand sizes (the 16-bit one needs both 66 and F2,
 * which the table-driven runner does not combine), against the host. */
TEST(sse, crc32_all_sizes_vs_host)
{
#if defined(__x86_64__)
    CPUState *cpu = tcpu_setup(1);
    uint64_t x = 0x0123456789abcdefULL;
    for (int i = 0; i < 200 && !unit_failures; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t crc = (uint32_t)(x >> 17);
        uint64_t v = x ^ (x << 13), h = crc;
        unsigned size = 1u << (i % 4);
        switch (size) {
        case 1: __asm__("crc32b %b1, %k0" : "+r"(h) : "r"((uint8_t)v)); break;
        case 2: __asm__("crc32w %w1, %k0" : "+r"(h) : "r"((uint16_t)v)); break;
        case 4: __asm__("crc32l %k1, %k0" : "+r"(h) : "r"((uint32_t)v)); break;
        default: __asm__("crc32q %1, %0" : "+r"(h) : "r"(v)); break;
        }
        cpu->env.regs[R_EAX] = crc;
        cpu->env.regs[R_ECX] = v;
        FpuInsn in = { .map = 2, .opcode = size == 1 ? 0xf0 : 0xf1, .prefix = 0xf2,
                       .modrm = 0xc1, .reg = 0, .rm = 1, .rex_w = size == 8, .rex = size == 8,
                       .opsize = size == 8 ? 8 : size == 2 ? 2 : 4, .seg = FPU_SEG_NONE };
        uint64_t args[1] = { (uintptr_t)&in };
        CHECK_EQ(cpu_try(cpu, sse_call, args), -1);
        CHECK_EQ(cpu->env.regs[R_EAX], (uint32_t)h);
    }
#else
    SKIP("not an x86-64 host");
#endif
}

/* DPPS/DPPD with a different NaN in each product: x86 adds return their
 * first NaN operand, so the lanes show the order of the sums.  AMD models
 * sum as the pseudocode of the SDM and APM reads, (P0 + P1) + (P2 + P3),
 * into every selected lane; Intel models as Intel's parts do, each lane
 * from its own product pair first (see dpps in cpu/sse-s41.c). */
static void dp_run(const char *model, uint8_t opcode, uint8_t imm, const Xmm *d, const Xmm *s,
                   Xmm *out)
{
    CPUState *cpu = tcpu_setup(1);
    cpu->model = cpu_model_find(model);
    CHECK(cpu->model != NULL);
    cpu->env.cr0 = (cpu->env.cr0 & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    cpu->env.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    cpu->env.xmm[1] = *d;
    cpu->env.xmm[2] = *s;
    FpuInsn in = { .map = 3, .opcode = opcode, .prefix = 0x66, .modrm = 0xca, .reg = 1,
                   .rm = 2, .imm8 = imm, .opsize = 4, .seg = FPU_SEG_NONE };
    uint64_t args[1] = { (uintptr_t)&in };
    CHECK_EQ(cpu_try(cpu, sse_call, args), -1);
    *out = cpu->env.xmm[1];
}

#define QNAN_A 0x7fc0000aU
#define QNAN_B 0x7fc0000bU
#define QNAN_C 0x7fc0000cU
#define QNAN_D 0x7fc0000dU
#define ONE_F 0x3f800000U

TEST(sse, dpps_nan_lanes_follow_the_models_vendor)
{
    /* Products P0..P3 = NaN A, B, C, D (each NaN times 1.0). */
    Xmm d = { .d = { QNAN_A, ONE_F, QNAN_C, ONE_F } };
    Xmm s = { .d = { ONE_F, QNAN_B, ONE_F, QNAN_D } };
    Xmm r;
    dp_run("EPYC", 0x40, 0xff, &d, &s, &r);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(r.d[i], QNAN_A);                         /* (A + B) + (C + D) */
    dp_run("Haswell", 0x40, 0xff, &d, &s, &r);
    CHECK_EQ(r.d[0], QNAN_B);                             /* (B + A) + (D + C) */
    CHECK_EQ(r.d[1], QNAN_A);                             /* (A + B) + (C + D) */
    CHECK_EQ(r.d[2], QNAN_D);                             /* (D + C) + (B + A) */
    CHECK_EQ(r.d[3], QNAN_C);                             /* (C + D) + (A + B) */
    dp_run("Haswell", 0x40, 0xb5, &d, &s, &r);            /* P2 off (+0.0); lanes 0, 2 */
    CHECK_EQ(r.d[0], QNAN_B);                             /* (B + A) + (D + 0) */
    CHECK_EQ(r.d[1], 0);
    CHECK_EQ(r.d[2], QNAN_D);                             /* (D + 0) + (B + A) */
    CHECK_EQ(r.d[3], 0);
    /* No NaN: both vendors agree (1 + 2) + (3 + 4) = 10. */
    Xmm x = { .d = { ONE_F, 0x40000000, 0x40400000, 0x40800000 } };
    Xmm one = { .d = { ONE_F, ONE_F, ONE_F, ONE_F } };
    dp_run("EPYC", 0x40, 0xf1, &x, &one, &r);
    CHECK_EQ(r.d[0], 0x41200000);
    dp_run("Nehalem", 0x40, 0xf1, &x, &one, &r);
    CHECK_EQ(r.d[0], 0x41200000);
}

TEST(sse, dppd_nan_lanes_follow_the_models_vendor)
{
    Xmm d = { .q = { 0x7ff800000000000aULL, 0x3ff0000000000000ULL } };
    Xmm s = { .q = { 0x3ff0000000000000ULL, 0x7ff800000000000bULL } };
    Xmm r;
    dp_run("qemu64", 0x41, 0x33, &d, &s, &r);
    CHECK_EQ(r.q[0], 0x7ff800000000000aULL);              /* P0 + P1 in both */
    CHECK_EQ(r.q[1], 0x7ff800000000000aULL);
    dp_run("Skylake-Client", 0x41, 0x33, &d, &s, &r);
    CHECK_EQ(r.q[0], 0x7ff800000000000aULL);              /* P0 + P1 */
    CHECK_EQ(r.q[1], 0x7ff800000000000bULL);              /* P1 + P0 */
}
