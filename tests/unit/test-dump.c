/* `info registers` layout: the reset state must read exactly as QEMU 7.2
 * prints it (x86_64 build, real mode), and long mode switches to the
 * 64-bit layout with decoded segment descriptors. */
#include "tests/unit/unit.h"
#include "cpu/dump.h"

#include <stdlib.h>

static void reset_like_qemu(CPUState *cpu)
{
    memset(cpu, 0, sizeof(*cpu));
    CPUX86State *env = &cpu->env;
    env->regs[R_EDX] = 0x663;
    env->rip = 0xfff0;
    env->rflags = 2;
    for (int i = 0; i < SEG_COUNT; i++)
        env->seg[i] = (SegReg){ 0, 0, 0xffff, 0x93 };
    env->seg[SEG_CS] = (SegReg){ 0xf000, 0xffff0000, 0xffff, 0x9b };
    env->ldt = (SegReg){ 0, 0, 0xffff, 0x82 };
    env->tr = (SegReg){ 0, 0, 0xffff, 0x8b };
    env->gdt.limit = env->idt.limit = 0xffff;
    env->cr0 = 0x60000010;
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->fpu.fcw = 0x37f;
    env->mxcsr = 0x1f80;
    env->a20_enabled = true;
}

TEST(dump, reset_state_as_qemu)
{
    static CPUState cpu;
    reset_like_qemu(&cpu);
    char *s = cpu_dump_state(&cpu);
    const char *want =
        "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
        "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\n"
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
        "ES =0000 00000000 0000ffff 00009300\n"
        "CS =f000 ffff0000 0000ffff 00009b00\n"
        "SS =0000 00000000 0000ffff 00009300\n"
        "DS =0000 00000000 0000ffff 00009300\n"
        "FS =0000 00000000 0000ffff 00009300\n"
        "GS =0000 00000000 0000ffff 00009300\n"
        "LDT=0000 00000000 0000ffff 00008200\n"
        "TR =0000 00000000 0000ffff 00008b00\n"
        "GDT=     00000000 0000ffff\n"
        "IDT=     00000000 0000ffff\n"
        "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
        "EFER=0000000000000000\n"
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n"
        "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000\n"
        "FPR2=0000000000000000 0000 FPR3=0000000000000000 0000\n"
        "FPR4=0000000000000000 0000 FPR5=0000000000000000 0000\n"
        "FPR6=0000000000000000 0000 FPR7=0000000000000000 0000\n"
        "XMM00=0000000000000000 0000000000000000 XMM01=0000000000000000 0000000000000000\n"
        "XMM02=0000000000000000 0000000000000000 XMM03=0000000000000000 0000000000000000\n"
        "XMM04=0000000000000000 0000000000000000 XMM05=0000000000000000 0000000000000000\n"
        "XMM06=0000000000000000 0000000000000000 XMM07=0000000000000000 0000000000000000\n";
    CHECK_STR(s, want);
    free(s);
}

TEST(dump, long_mode_layout)
{
    static CPUState cpu;
    reset_like_qemu(&cpu);
    CPUX86State *env = &cpu.env;
    env->efer = EFER_LME | EFER_LMA;
    env->cr0 = 0x80050033;
    env->regs[R_R15] = 0x123456789abcdef0ULL;
    env->rip = 0xffffffff81000000ULL;
    env->rflags = 0x246;
    env->seg[SEG_CS] = (SegReg){ 0x10, 0, 0xffffffff, 0xa9b };   /* L, G, P, code */
    env->seg[SEG_SS] = (SegReg){ 0x18, 0, 0xffffffff, 0xc93 };
    env->tr = (SegReg){ 0x40, 0x1000, 0x67, 0x8b };
    env->xmm[15].q[1] = 0x1111;
    env->xmm[15].q[0] = 0x2222;
    char *s = cpu_dump_state(&cpu);
    CHECK(strstr(s, "R12=0000000000000000 R13=0000000000000000 R14=0000000000000000 "
                    "R15=123456789abcdef0\n") != NULL);
    CHECK(strstr(s, "RIP=ffffffff81000000 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n")
          != NULL);
    CHECK(strstr(s, "CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]\n") != NULL);
    CHECK(strstr(s, "SS =0018 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n") != NULL);
    CHECK(strstr(s, "TR =0040 0000000000001000 00000067 00008b00 DPL=0 TSS64-busy\n") != NULL);
    CHECK(strstr(s, "XMM15=0000000000001111 0000000000002222\n") != NULL);
    free(s);
}
