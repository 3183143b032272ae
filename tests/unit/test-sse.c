/* MMX/SSE..SSE4.2 against the host CPU: every row of the SSE tables (the
 * same rows fpu_handles answers the decoder from), in register and memory
 * forms, with random operands, MXCSR modes and immediates. */
#include "tests/unit/unit.h"

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
