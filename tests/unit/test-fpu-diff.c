/* Host-vs-fpu_exec differential runner; see test-fpu-diff.h. */
#include "tests/unit/unit.h"

#include "tests/unit/test-fpu-diff.h"

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/fpu.h"
#include "tests/diff/host-model.h"
#include "tests/unit/cpu-harness.h"

#define GUEST_MEM 0x8000
#define MEM_BYTES 64

typedef struct HostRegs {
    uint64_t rflags, rax, rcx, rdx;
} HostRegs;

typedef struct DiffState {
    uint8_t img[512] __attribute__((aligned(16)));
    uint8_t mem[MEM_BYTES] __attribute__((aligned(16)));
    HostRegs regs;
} DiffState;

static uint64_t rs;

static uint64_t rnd(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 0x2545f4914f6cdd1dULL;
}

/* ---- operands biased to the interesting cases ---- */

static void rnd_f80(uint8_t *p)
{
    uint64_t r = rnd(), m = rnd() | (1ULL << 63);
    uint16_t s = (r & 1) ? 0x8000 : 0, e;
    if ((r >> 8) & 1)
        m &= ~0ULL << ((r >> 9) % 64);
    switch ((r >> 1) % 12) {
    case 0: m = 0; e = 0; break;
    case 1: m >>= 1; e = 0; break;
    case 2: m = 1ULL << 63; e = 0x7fff; break;
    case 3: m |= 3ULL << 62; e = 0x7fff; break;
    case 4: m = (m & ~(1ULL << 62)) | 1; e = 0x7fff; break;
    case 5: e = (uint16_t)(0x3fff + (int)((r >> 16) % 130) - 65); break;
    case 6: e = (uint16_t)(0x3fff + (int)((r >> 16) % 8) - 4); break;
    default: e = (uint16_t)(0x3fff + (int)((r >> 16) % 40) - 20); break;
    }
    e |= s;
    memcpy(p, &m, 8);
    memcpy(p + 8, &e, 2);
}

static uint32_t rnd_f32(void)
{
    uint64_t r = rnd();
    uint32_t s = (r & 1) << 31, f = (uint32_t)(r >> 32) & 0x7fffff;
    switch ((r >> 1) % 10) {
    case 0: return s;
    case 1: return s | f;                                   /* denormal */
    case 2: return s | 0x7f800000u;
    case 3: return s | 0x7fc00000u | f;                     /* QNaN */
    case 4: return s | 0x7f800000u | (f >> 1) | 1;          /* SNaN */
    case 5: return s | ((uint32_t)(1 + (r >> 8) % 30) << 23) | f;   /* tiny */
    case 6: return s | ((uint32_t)(254 - (r >> 8) % 30) << 23) | f; /* huge */
    default: return s | ((uint32_t)(127 - 12 + (r >> 8) % 24) << 23) | f;
    }
}

static uint64_t rnd_f64(void)
{
    uint64_t r = rnd();
    uint64_t s = (r & 1) << 63, f = rnd() & ((1ULL << 52) - 1);
    if ((r >> 20) & 1)
        f &= ~0ULL << 30;
    switch ((r >> 1) % 10) {
    case 0: return s;
    case 1: return s | f;
    case 2: return s | (0x7ffULL << 52);
    case 3: return s | (0xfffULL << 51) | f;
    case 4: return s | (0x7ffULL << 52) | (f >> 1) | 1;
    case 5: return s | ((1 + (r >> 8) % 60) << 52) | f;
    case 6: return s | ((2046 - (r >> 8) % 60) << 52) | f;
    default: return s | ((1023 - 40 + (r >> 8) % 80) << 52) | f;
    }
}

static void rnd_vec(uint8_t *p)
{
    uint64_t k = rnd() % 4;
    for (int i = 0; i < 4; i++) {
        uint32_t v = k == 1 ? rnd_f32() : (uint32_t)rnd();
        if (k == 3)
            v &= 0x00ff00ffu * (uint32_t)(rnd() & 1) | 0x01010101u;  /* small ints */
        memcpy(p + 4 * i, &v, 4);
    }
    if (k == 2) {
        uint64_t a = rnd_f64(), b = rnd_f64();
        memcpy(p, &a, 8);
        memcpy(p + 8, &b, 8);
    }
}

static void rnd_state(DiffState *s, const DiffCase *c)
{
    static const uint16_t pcs[3] = { 0x000, 0x200, 0x300 };
    memset(s, 0, sizeof(*s));
    uint16_t fcw = (uint16_t)(0x0040 | pcs[rnd() % 3] | ((rnd() % 4) << 10) | 0x3f);
    if (rnd() % 4 == 0)
        fcw &= (uint16_t)~(rnd() & 0x3f);
    uint16_t fsw = (uint16_t)((rnd() % 8) << 11);
    uint8_t ftw = 0;
    for (int i = 0; i < 8; i++)
        ftw |= (uint8_t)((rnd() % 8 ? 1 : 0) << i);
    uint32_t mxcsr = 0x1f80 | (uint32_t)((rnd() % 4) << 13);
    if (rnd() % 4 == 0)
        mxcsr |= 0x40;
    if (rnd() % 4 == 0)
        mxcsr |= 0x8000;
    if (rnd() % 4 == 0)
        mxcsr &= ~(uint32_t)(rnd() & 0x1f80);
    memcpy(s->img, &fcw, 2);
    memcpy(s->img + 2, &fsw, 2);
    s->img[4] = ftw;
    memcpy(s->img + 24, &mxcsr, 4);
    for (int i = 0; i < 8; i++)
        rnd_f80(s->img + 32 + 16 * i);
    for (int i = 0; i < 16; i++)
        rnd_vec(s->img + 160 + 16 * i);
    for (int i = 0; i < MEM_BYTES; i += 16)
        rnd_vec(s->mem + i);
    if (c->map == 0 && rnd() % 2)
        rnd_f80(s->mem);
    s->regs.rflags = 0x2 | (rnd() & 0x8d5);
    s->regs.rax = rnd() % 3 ? (uint64_t)((int64_t)(rnd() % 41) - 20) : rnd();
    s->regs.rcx = rnd();
    s->regs.rdx = rnd() % 3 ? (uint64_t)((int64_t)(rnd() % 41) - 20) : rnd();
}

/* ---- the host side ---- */

static uint8_t *code;
static sigjmp_buf host_jb;
static volatile int host_signal;

static void on_signal(int sig)
{
    host_signal = sig;
    siglongjmp(host_jb, 1);
}

bool fpu_diff_available(void)
{
#if defined(__x86_64__)
    if (!code) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return false;
        code = p;
    }
    return true;
#else
    return false;
#endif
}

static const uint8_t prologue[] = {
    0x49, 0x89, 0xd0,             /* mov r8, rdx */
    0x41, 0xff, 0x30, 0x9d,       /* push [r8]; popfq */
    0x49, 0x8b, 0x40, 0x08,       /* mov rax, [r8+8] */
    0x49, 0x8b, 0x48, 0x10,       /* mov rcx, [r8+16] */
    0x49, 0x8b, 0x50, 0x18,       /* mov rdx, [r8+24] */
    0x0f, 0xae, 0x0f,             /* fxrstor [rdi] */
};
static const uint8_t epilogue[] = {
    0x0f, 0xae, 0x07,             /* fxsave [rdi] */
    0x49, 0x89, 0x40, 0x08,       /* mov [r8+8], rax */
    0x49, 0x89, 0x48, 0x10,       /* mov [r8+16], rcx */
    0x49, 0x89, 0x50, 0x18,       /* mov [r8+24], rdx */
    0x9c, 0x41, 0x8f, 0x00,       /* pushfq; pop qword [r8] */
    0xc3,
};

static size_t emit_insn(uint8_t *p, const DiffCase *c, uint8_t modrm, uint8_t imm, uint8_t rex)
{
    size_t n = 0;
    if (c->prefix)
        p[n++] = c->prefix;
    if (rex)
        p[n++] = rex;
    if (c->map) {
        p[n++] = 0x0f;
        if (c->map == 2)
            p[n++] = 0x38;
        else if (c->map == 3)
            p[n++] = 0x3a;
    }
    p[n++] = c->opcode;
    p[n++] = modrm;
    if (c->flags & DC_IMM)
        p[n++] = imm;
    return n;
}

/* Returns the signal that stopped the instruction, or 0. */
static int host_run(DiffState *s, const DiffCase *c, uint8_t modrm, uint8_t imm, uint8_t rex)
{
    uint8_t saved[512] __attribute__((aligned(16)));
    size_t n = 0;
    memcpy(code, prologue, sizeof(prologue));
    n += sizeof(prologue);
    n += emit_insn(code + n, c, modrm, imm, rex);
    memcpy(code + n, epilogue, sizeof(epilogue));
    void (*fn)(void *, void *, void *) = (void (*)(void *, void *, void *))(void *)code;
    struct sigaction sa = { .sa_handler = on_signal }, old_fpe, old_segv, old_ill;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, &old_fpe);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGILL, &sa, &old_ill);
    host_signal = 0;
#if defined(__x86_64__)
    __asm__ volatile("fxsave %0" : "=m"(saved));
#endif
    if (sigsetjmp(host_jb, 1) == 0)
        fn(s->img, s->mem, &s->regs);
#if defined(__x86_64__)
    __asm__ volatile("fxrstor %0" : : "m"(saved));
#endif
    sigaction(SIGFPE, &old_fpe, NULL);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGILL, &old_ill, NULL);
    return host_signal;
}

/* ---- the emulated side ---- */

static void kemu_call(CPUState *cpu, uint64_t *args)
{
    fpu_exec(cpu, (const FpuInsn *)(uintptr_t)args[0]);
}

static int kemu_run(CPUState *cpu, DiffState *s, const DiffCase *c, uint8_t modrm, uint8_t imm,
                    uint8_t rex)
{
    CPUX86State *env = &cpu->env;
    FpuInsn in = {
        .map = c->map, .opcode = c->opcode, .prefix = c->prefix, .modrm = modrm,
        .reg = (uint8_t)(((modrm >> 3) & 7) | ((rex & 4) << 1)),
        .rm = (uint8_t)((modrm & 7) | ((rex & 1) << 3)), .has_mem = (modrm >> 6) != 3,
        .la = GUEST_MEM, .seg = FPU_SEG_NONE, .imm8 = imm, .opsize = 4, .rex = rex != 0, .rex_w = (rex & 8) != 0,
    };
    env->cr0 |= CR0_NE | CR0_MP;
    env->cr0 &= ~(uint64_t)(CR0_EM | CR0_TS);
    env->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    fpu_fxrstor(cpu, s->img);
    env->rflags = s->regs.rflags;
    env->regs[R_EAX] = s->regs.rax;
    env->regs[R_ECX] = s->regs.rcx;
    env->regs[R_EDX] = s->regs.rdx;
    for (int i = 0; i < MEM_BYTES; i++)
        pw8(GUEST_MEM + (uint64_t)i, s->mem[i]);
    uint64_t args[1] = { (uintptr_t)&in };
    int exc = cpu_try(cpu, kemu_call, args);
    fpu_fxsave(cpu, s->img);
    s->regs.rflags = env->rflags;
    s->regs.rax = env->regs[R_EAX];
    s->regs.rcx = env->regs[R_ECX];
    s->regs.rdx = env->regs[R_EDX];
    for (int i = 0; i < MEM_BYTES; i += 8)
        memcpy(s->mem + i, &(uint64_t){ pr64(GUEST_MEM + (uint64_t)i) }, 8);
    return exc;
}

/* ---- comparison ---- */

static void hexdump(char *out, size_t sz, const uint8_t *p, int n)
{
    size_t o = 0;
    for (int i = n - 1; i >= 0 && o + 3 < sz; i--)
        o += (size_t)snprintf(out + o, sz - o, "%02x", p[i]);
}

static bool f80_close(const uint8_t *a, const uint8_t *b)
{
    uint64_t ma, mb;
    uint16_t ea, eb;
    memcpy(&ma, a, 8);
    memcpy(&mb, b, 8);
    memcpy(&ea, a + 8, 2);
    memcpy(&eb, b + 8, 2);
    if (ea == eb)
        return ma - mb + 1 <= 2;
    /* one ulp across a binade boundary */
    return (uint16_t)(ea + 1) == eb ? (ma == ~0ULL && mb == 1ULL << 63)
         : (uint16_t)(eb + 1) == ea ? (mb == ~0ULL && ma == 1ULL << 63) : false;
}

static bool rcp_close(uint32_t a, uint32_t b)
{
    /* relative error bound 1.5 * 2^-12 of each against the other */
    if ((a ^ b) & 0x80000000u)
        return false;
    int64_t d = (int64_t)(a & 0x7fffffff) - (int64_t)(b & 0x7fffffff);
    return d >= -(3 << 11) && d <= (3 << 11);
}

static const char *compare(const DiffState *h, const DiffState *k, const DiffCase *c)
{
    uint16_t swmask = 0xffff;
    if (c->flags & DC_CC_UNDEF)
        swmask &= ~(0x4000 | 0x0400 | 0x0100);
    if (c->flags & DC_APPROX) {
        swmask &= ~(0x0200 | 0x0020);
        /* PE is not compared, so neither is the ES/B it raises unmasked. */
        if (!(h->img[0] & 0x20))
            swmask &= ~0x8080;
    }
    if (memcmp(h->img, k->img, 2))
        return "FCW";
    if (((h->img[2] | h->img[3] << 8) ^ (k->img[2] | k->img[3] << 8)) & swmask)
        return "FSW";
    if (h->img[4] != k->img[4])
        return "FTW";
    if (memcmp(h->img + 24, k->img + 24, 4))
        return "MXCSR";
    for (int i = 0; i < 8; i++) {
        const uint8_t *a = h->img + 32 + 16 * i, *b = k->img + 32 + 16 * i;
        if (memcmp(a, b, 10) && !((c->flags & DC_APPROX) && f80_close(a, b))) {
            static char why[160];
            uint64_t ma, mb;
            memcpy(&ma, a, 8);
            memcpy(&mb, b, 8);
            snprintf(why, sizeof(why), "ST%d (host %02x%02x:%016" PRIx64 " kemu %02x%02x:%016" PRIx64 ")",
                     i, a[9], a[8], ma, b[9], b[8], mb);
            return why;
        }
    }
    for (int i = 0; i < 16; i++) {
        const uint8_t *a = h->img + 160 + 16 * i, *b = k->img + 160 + 16 * i;
        if (!memcmp(a, b, 16))
            continue;
        if (c->flags & DC_RCP) {
            bool ok = true;
            for (int l = 0; l < 4; l++) {
                uint32_t x, y;
                memcpy(&x, a + 4 * l, 4);
                memcpy(&y, b + 4 * l, 4);
                ok &= x == y || rcp_close(x, y);
            }
            if (ok)
                continue;
        }
        static char xwhy[160];
        char hx[40], kx[40];
        hexdump(hx, sizeof(hx), a, 16);
        hexdump(kx, sizeof(kx), b, 16);
        snprintf(xwhy, sizeof(xwhy), "XMM%d (host %s kemu %s)", i, hx, kx);
        return xwhy;
    }
    if ((h->regs.rflags ^ k->regs.rflags) & 0x8d5)
        return "EFLAGS";
    if (h->regs.rax != k->regs.rax || h->regs.rcx != k->regs.rcx || h->regs.rdx != k->regs.rdx)
        return "RAX/RCX/RDX";
    if (!(c->flags & DC_NOMEMCMP) && memcmp(h->mem, k->mem, MEM_BYTES))
        return "memory";
    return NULL;
}

static uint8_t pick_modrm(const DiffCase *c)
{
    if (c->flags & DC_FIXED)
        return c->modrm;
    unsigned reg = (unsigned)(rnd() % 8), rm = (unsigned)(rnd() % 8);
    if (c->flags & DC_GPR_REG)
        reg %= 3;
    if (c->flags & DC_GPR_RM)
        rm %= 3;
    if ((c->flags & DC_MEM) && c->map == 0)
        return (uint8_t)(((c->modrm >> 3) & 7) << 3 | 6);
    if (c->flags & DC_MEM)
        return (uint8_t)(reg << 3 | 6);
    if (c->map == 0)
        return (uint8_t)((c->modrm & 0xf8) | rm);
    return (uint8_t)(0xc0 | reg << 3 | rm);
}

static void report(const DiffCase *c, const char *what, uint8_t rex, uint8_t modrm, uint8_t imm,
                   const DiffState *in, const DiffState *h, const DiffState *k)
{
    char a[64], b[64], x[64], y[64], m[40];
    int rr = (modrm >> 3) & 7, rm = modrm & 7;
    int top = (in->img[3] >> 3) & 7;
    (void)top;
    hexdump(a, sizeof(a), in->img + 160 + 16 * rr, 16);
    hexdump(b, sizeof(b), (modrm >> 6) == 3 ? in->img + 160 + 16 * rm : in->mem, 16);
    hexdump(x, sizeof(x), h->img + 160 + 16 * rr, 16);
    hexdump(y, sizeof(y), k->img + 160 + 16 * rr, 16);
    hexdump(m, sizeof(m), in->img + 32, 10);
    unit_fail(__FILE__, __LINE__,
              "%s rex=%02x modrm=%02x imm=%02x: %s differs; fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x "
              "st0=%s xmm[reg]=%s src=%s | host fsw=%04x mxcsr=%08x xmm[reg]=%s "
              "st0=%02x%02x:%02x%02x%02x%02x.. fl=%03x | kemu fsw=%04x mxcsr=%08x "
              "xmm[reg]=%s st0=%02x%02x:%02x%02x%02x%02x.. fl=%03x",
              c->name, rex, modrm, imm, what, in->img[0] | in->img[1] << 8,
              in->img[2] | in->img[3] << 8, in->img[4],
              (unsigned)(in->img[24] | in->img[25] << 8), m, a, b,
              h->img[2] | h->img[3] << 8, (unsigned)(h->img[24] | h->img[25] << 8), x,
              h->img[41], h->img[40], h->img[39], h->img[38], h->img[37], h->img[36],
              (unsigned)(h->regs.rflags & 0x8d5),
              k->img[2] | k->img[3] << 8, (unsigned)(k->img[24] | k->img[25] << 8), y,
              k->img[41], k->img[40], k->img[39], k->img[38], k->img[37], k->img[36],
              (unsigned)(k->regs.rflags & 0x8d5));
}

int fpu_diff_run(const DiffCase *c, int n, uint64_t seed)
{
    static DiffState in, h, k;
    CPUState *cpu = tcpu_setup(1);
    host_model_apply(cpu);      /* where the vendors differ, as the host */
    int bad = 0;
    /* KEMU_FPU_DIFF_SCALE=N runs N times as many cases (longer fuzzing),
     * KEMU_FPU_DIFF_SEED varies the operands. */
    const char *scale = getenv("KEMU_FPU_DIFF_SCALE"), *seed_env = getenv("KEMU_FPU_DIFF_SEED");
    if (scale && atoi(scale) > 0)
        n *= atoi(scale);
    if (seed_env)
        seed += strtoull(seed_env, NULL, 0);
    rs = seed ^ ((uint64_t)c->opcode << 8) ^ ((uint64_t)c->prefix << 16) ^ c->modrm;
    for (int i = 0; i < n && bad < 3; i++) {
        rnd_state(&in, c);
        if (c->flags & (DC_SMALL_ST0 | DC_TRIG_ST0 | DC_UNIT_ST0)) {
            uint16_t e = (uint16_t)(in.img[40] | in.img[41] << 8);
            bool finite_only = c->flags & (DC_SMALL_ST0 | DC_UNIT_ST0);
            uint16_t lim = (c->flags & DC_SMALL_ST0) ? 0x3ffc
                         : (c->flags & DC_UNIT_ST0) ? 0x3ffe : 0x3fff + 31;
            if ((e & 0x7fff) > lim && (finite_only || (e & 0x7fff) != 0x7fff))
                e = (uint16_t)((e & 0x8000) | lim);
            in.img[40] = (uint8_t)e;
            in.img[41] = (uint8_t)(e >> 8);
        }
        uint8_t modrm = pick_modrm(c);
        uint8_t imm = (uint8_t)rnd();
        if (c->flags & DC_IMM_LOW)
            imm &= 7;
        h = in;
        k = in;
        uint8_t rex = 0;
        if ((c->flags & DC_REX) && rnd() % 2) {
            bool regform = (modrm >> 6) == 3;
            rex = (uint8_t)(0x40 | (rnd() % 2) << 3);
            if (!(c->flags & DC_GPR_REG))
                rex |= (uint8_t)((rnd() % 2) << 2);
            if (regform && !(c->flags & DC_GPR_RM))
                rex |= (uint8_t)(rnd() % 2);
        }
        int sig = host_run(&h, c, modrm, imm, rex);
        int exc = kemu_run(cpu, &k, c, modrm, imm, rex);
        if (sig || exc >= 0) {
            bool same = (sig == SIGFPE && (exc == EXC_XM || exc == EXC_MF)) ||
                        (sig == SIGSEGV && (exc == EXC_GP || exc == EXC_PF)) ||
                        (sig == SIGILL && exc == EXC_UD);
            if (!same) {
                bad++;
                unit_fail(__FILE__, __LINE__, "%s rex=%02x modrm=%02x imm=%02x: host signal %d, kemu exception %d",
                          c->name, rex, modrm, imm, sig, exc);
            }
            continue;
        }
        const char *what = compare(&h, &k, c);
        if (what) {
            bad++;
            report(c, what, rex, modrm, imm, &in, &h, &k);
        }
    }
    return bad;
}
