/* x87: every D8-DF form against the host CPU (test-fpu-diff.c), and the
 * parts a differential run cannot see: #NM/#UD/#MF rules, FSTENV/FLDENV
 * and FSAVE/FRSTOR layouts, FXSAVE images, stack faults and FWAIT. */
#include "tests/unit/unit.h"

#include "cpu/fpu.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/test-fpu-diff.h"

#define CC DC_CC_UNDEF
#define M(reg) ((reg) << 3)

static const DiffCase x87_cases[] = {
    /* arithmetic with every memory format */
    { "fadd m32", 0, 0, 0xd8, M(0), DC_MEM | CC },
    { "fmul m32", 0, 0, 0xd8, M(1), DC_MEM | CC },
    { "fcom m32", 0, 0, 0xd8, M(2), DC_MEM },
    { "fcomp m32", 0, 0, 0xd8, M(3), DC_MEM },
    { "fsub m32", 0, 0, 0xd8, M(4), DC_MEM | CC },
    { "fsubr m32", 0, 0, 0xd8, M(5), DC_MEM | CC },
    { "fdiv m32", 0, 0, 0xd8, M(6), DC_MEM | CC },
    { "fdivr m32", 0, 0, 0xd8, M(7), DC_MEM | CC },
    { "fiadd m32", 0, 0, 0xda, M(0), DC_MEM | CC },
    { "fimul m32", 0, 0, 0xda, M(1), DC_MEM | CC },
    { "ficom m32", 0, 0, 0xda, M(2), DC_MEM },
    { "fisub m32", 0, 0, 0xda, M(4), DC_MEM | CC },
    { "fidivr m32", 0, 0, 0xda, M(7), DC_MEM | CC },
    { "fadd m64", 0, 0, 0xdc, M(0), DC_MEM | CC },
    { "fcomp m64", 0, 0, 0xdc, M(3), DC_MEM },
    { "fsubr m64", 0, 0, 0xdc, M(5), DC_MEM | CC },
    { "fdiv m64", 0, 0, 0xdc, M(6), DC_MEM | CC },
    { "fimul m16", 0, 0, 0xde, M(1), DC_MEM | CC },
    { "fidiv m16", 0, 0, 0xde, M(6), DC_MEM | CC },
    /* loads and stores */
    { "fld m32", 0, 0, 0xd9, M(0), DC_MEM | CC },
    { "fst m32", 0, 0, 0xd9, M(2), DC_MEM | CC },
    { "fstp m32", 0, 0, 0xd9, M(3), DC_MEM | CC },
    { "fnstcw", 0, 0, 0xd9, M(7), DC_MEM },
    { "fild m32", 0, 0, 0xdb, M(0), DC_MEM | CC },
    { "fisttp m32", 0, 0, 0xdb, M(1), DC_MEM | CC },
    { "fist m32", 0, 0, 0xdb, M(2), DC_MEM | CC },
    { "fistp m32", 0, 0, 0xdb, M(3), DC_MEM | CC },
    { "fld m80", 0, 0, 0xdb, M(5), DC_MEM | CC },
    { "fstp m80", 0, 0, 0xdb, M(7), DC_MEM | CC },
    { "fld m64", 0, 0, 0xdd, M(0), DC_MEM | CC },
    { "fisttp m64", 0, 0, 0xdd, M(1), DC_MEM | CC },
    { "fst m64", 0, 0, 0xdd, M(2), DC_MEM | CC },
    { "fstp m64", 0, 0, 0xdd, M(3), DC_MEM | CC },
    { "fnstsw m16", 0, 0, 0xdd, M(7), DC_MEM },
    { "fild m16", 0, 0, 0xdf, M(0), DC_MEM | CC },
    { "fisttp m16", 0, 0, 0xdf, M(1), DC_MEM | CC },
    { "fist m16", 0, 0, 0xdf, M(2), DC_MEM | CC },
    { "fbld", 0, 0, 0xdf, M(4), DC_MEM | CC },
    { "fild m64", 0, 0, 0xdf, M(5), DC_MEM | CC },
    { "fbstp", 0, 0, 0xdf, M(6), DC_MEM | CC },
    { "fistp m64", 0, 0, 0xdf, M(7), DC_MEM | CC },
    /* register forms */
    { "fadd st,st(i)", 0, 0, 0xd8, 0xc0, CC },
    { "fmul st,st(i)", 0, 0, 0xd8, 0xc8, CC },
    { "fcom st(i)", 0, 0, 0xd8, 0xd0, 0 },
    { "fsub st,st(i)", 0, 0, 0xd8, 0xe0, CC },
    { "fsubr st,st(i)", 0, 0, 0xd8, 0xe8, CC },
    { "fdiv st,st(i)", 0, 0, 0xd8, 0xf0, CC },
    { "fdivr st,st(i)", 0, 0, 0xd8, 0xf8, CC },
    { "fld st(i)", 0, 0, 0xd9, 0xc0, CC },
    { "fxch", 0, 0, 0xd9, 0xc8, CC },
    { "fcmovb", 0, 0, 0xda, 0xc0, CC },
    { "fcmove", 0, 0, 0xda, 0xc8, CC },
    { "fcmovbe", 0, 0, 0xda, 0xd0, CC },
    { "fcmovu", 0, 0, 0xda, 0xd8, CC },
    { "fucompp", 0, 0, 0xda, 0xe9, DC_FIXED },
    { "fcmovnb", 0, 0, 0xdb, 0xc0, CC },
    { "fcmovnbe", 0, 0, 0xdb, 0xd0, CC },
    { "fnclex", 0, 0, 0xdb, 0xe2, DC_FIXED },
    { "fninit", 0, 0, 0xdb, 0xe3, DC_FIXED },
    { "fucomi", 0, 0, 0xdb, 0xe8, CC },
    { "fcomi", 0, 0, 0xdb, 0xf0, CC },
    { "fadd st(i),st", 0, 0, 0xdc, 0xc0, CC },
    { "fsubr st(i),st", 0, 0, 0xdc, 0xe0, CC },
    { "fsub st(i),st", 0, 0, 0xdc, 0xe8, CC },
    { "fdivr st(i),st", 0, 0, 0xdc, 0xf0, CC },
    { "fdiv st(i),st", 0, 0, 0xdc, 0xf8, CC },
    { "ffree", 0, 0, 0xdd, 0xc0, CC },
    { "fst st(i)", 0, 0, 0xdd, 0xd0, CC },
    { "fstp st(i)", 0, 0, 0xdd, 0xd8, CC },
    { "fucom", 0, 0, 0xdd, 0xe0, 0 },
    { "fucomp", 0, 0, 0xdd, 0xe8, 0 },
    { "faddp", 0, 0, 0xde, 0xc0, CC },
    { "fmulp", 0, 0, 0xde, 0xc8, CC },
    { "fcompp", 0, 0, 0xde, 0xd9, DC_FIXED },
    { "fsubrp", 0, 0, 0xde, 0xe0, CC },
    { "fsubp", 0, 0, 0xde, 0xe8, CC },
    { "fdivrp", 0, 0, 0xde, 0xf0, CC },
    { "fdivp", 0, 0, 0xde, 0xf8, CC },
    { "fnstsw ax", 0, 0, 0xdf, 0xe0, DC_FIXED },
    { "fucomip", 0, 0, 0xdf, 0xe8, CC },
    { "fcomip", 0, 0, 0xdf, 0xf0, CC },
    /* D9 E0-FF */
    { "fchs", 0, 0, 0xd9, 0xe0, DC_FIXED | CC },
    { "fabs", 0, 0, 0xd9, 0xe1, DC_FIXED | CC },
    { "ftst", 0, 0, 0xd9, 0xe4, DC_FIXED },
    { "fxam", 0, 0, 0xd9, 0xe5, DC_FIXED },
    { "fld1", 0, 0, 0xd9, 0xe8, DC_FIXED | CC },
    { "fldl2t", 0, 0, 0xd9, 0xe9, DC_FIXED | CC },
    { "fldl2e", 0, 0, 0xd9, 0xea, DC_FIXED | CC },
    { "fldpi", 0, 0, 0xd9, 0xeb, DC_FIXED | CC },
    { "fldlg2", 0, 0, 0xd9, 0xec, DC_FIXED | CC },
    { "fldln2", 0, 0, 0xd9, 0xed, DC_FIXED | CC },
    { "fldz", 0, 0, 0xd9, 0xee, DC_FIXED | CC },
    { "fxtract", 0, 0, 0xd9, 0xf4, DC_FIXED | CC },
    { "fprem1", 0, 0, 0xd9, 0xf5, DC_FIXED },
    { "fdecstp", 0, 0, 0xd9, 0xf6, DC_FIXED | CC },
    { "fincstp", 0, 0, 0xd9, 0xf7, DC_FIXED | CC },
    { "fprem", 0, 0, 0xd9, 0xf8, DC_FIXED },
    { "fsqrt", 0, 0, 0xd9, 0xfa, DC_FIXED | CC },
    { "frndint", 0, 0, 0xd9, 0xfc, DC_FIXED | CC },
    { "fscale", 0, 0, 0xd9, 0xfd, DC_FIXED | CC },
    { "f2xm1", 0, 0, 0xd9, 0xf0, DC_FIXED | CC | DC_APPROX | DC_UNIT_ST0 },
    { "fyl2x", 0, 0, 0xd9, 0xf1, DC_FIXED | CC | DC_APPROX },
    { "fptan", 0, 0, 0xd9, 0xf2, DC_FIXED | CC | DC_APPROX | DC_TRIG_ST0 },
    { "fpatan", 0, 0, 0xd9, 0xf3, DC_FIXED | CC | DC_APPROX },
    { "fyl2xp1", 0, 0, 0xd9, 0xf9, DC_FIXED | CC | DC_APPROX | DC_SMALL_ST0 },
    { "fsincos", 0, 0, 0xd9, 0xfb, DC_FIXED | CC | DC_APPROX | DC_TRIG_ST0 },
    { "fsin", 0, 0, 0xd9, 0xfe, DC_FIXED | CC | DC_APPROX | DC_TRIG_ST0 },
    { "fcos", 0, 0, 0xd9, 0xff, DC_FIXED | CC | DC_APPROX | DC_TRIG_ST0 },
};

static void run_group(int first, int last, int n)
{
    if (!fpu_diff_available())
        SKIP("no executable memory or not an x86-64 host");
    for (int i = first; i <= last; i++)
        fpu_diff_run(&x87_cases[i], n, 0x1234567 + (uint64_t)i);
}

#define NCASES ((int)(sizeof(x87_cases) / sizeof(x87_cases[0])))

TEST(fpu, x87_memory_forms_vs_host) { run_group(0, 40, 60); }
TEST(fpu, x87_register_forms_vs_host) { run_group(41, 80, 60); }
TEST(fpu, x87_d9_group_vs_host) { run_group(81, 99, 60); }
TEST(fpu, x87_transcendentals_vs_host) { run_group(100, NCASES - 1, 60); }
