/* MMX/SSE..SSE4.2 against the host CPU: every row of the SSE tables (the
 * same rows fpu_handles answers the decoder from), in register and memory
 * forms, with random operands, MXCSR modes and immediates. */
#include "tests/unit/unit.h"

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
