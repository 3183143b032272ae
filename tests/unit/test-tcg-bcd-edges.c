/* BCD adjustments at the edges of AH and AL, where the helpers once did
 * signed arithmetic that UndefinedBehaviorSanitizer reports (the sanitizer
 * leg runs this; the results are also checked). */
#include "tests/unit/tcg-harness.h"
#include "tests/unit/unit.h"
#include "translate/flags.h"

static const uint8_t bcd_edges[] = {
    0xb8, 0x0f, 0x00,       /* mov ax, 0x000f */
    0x3f,                   /* aas: AH 0 - 1, AL 0x0f - 6 */
    0x89, 0xc3,             /* mov bx, ax */
    0xb8, 0x0a, 0xff,       /* mov ax, 0xff0a */
    0x37,                   /* aaa: AH 0xff + 1 wraps */
    0x89, 0xc1,             /* mov cx, ax */
    0xb0, 0xff,             /* mov al, 0xff */
    0x27,                   /* daa: both corrections, AL wraps */
    0x88, 0xc2,             /* mov dl, al */
    0xf4,                   /* hlt */
};

TEST(tcg_real, bcd_adjust_edges)
{
    CPUState *cpu = tt_cpu(16);
    tt_load(bcd_edges, sizeof(bcd_edges));
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EBX] & 0xffff, 0xff09);
    CHECK_EQ(cpu->env.regs[R_ECX] & 0xffff, 0x0000);
    CHECK_EQ(cpu->env.regs[R_EDX] & 0xff, 0x65);
    CHECK(tt_flags(cpu) & FL_CF);
}
