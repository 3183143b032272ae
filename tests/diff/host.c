/* Run a differential-test case on the host CPU.
 *
 * The parent maps the shared data page and result block once, at fixed
 * addresses; each case forks a child that maps the code and stack pages,
 * loads the initial registers from a trampoline and jumps to the code at
 * DIFF_CODE_VA.  Right after the code an epilogue stores every register
 * and exits; a fault is caught by a signal handler on an alternate stack
 * that stores the registers from the signal context instead, with the
 * hardware's trap number and error code.  The code page is filled with INT3
 * around the case so a stray branch ends in #BP on both sides. */
#include "tests/diff/diff.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define TRAMP_VA  0x0000000010600000ULL
#define RESULT_VA 0x0000000010800000ULL

/* Laid out in the result page, shared with the parent. */
typedef struct HostResult {
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t rip;
    int64_t vector;
    uint64_t error_code;
    uint64_t fault_addr;
    uint64_t done;
    uint64_t in_regs[16];
    uint64_t in_rflags;
    uint8_t xmm[16][16];
    uint8_t in_xmm[16][16];
    uint32_t mxcsr, in_mxcsr;
} HostResult;

/* The epilogue's stack grows down from RESULT_VA + 0x800. */
_Static_assert(sizeof(HostResult) < 0x7f0, "HostResult overlaps the epilogue's stack");

#define OFF_REGS 0
#define OFF_RFLAGS (16 * 8)
#define OFF_IN_REGS (offsetof(HostResult, in_regs))
#define OFF_IN_RFLAGS (offsetof(HostResult, in_rflags))

static HostResult *result;

static int map_fixed(uint64_t va, int prot, int flags)
{
    void *p = mmap((void *)va, DIFF_PAGE, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
    return p == (void *)va ? 0 : -1;
}

static int setup_shared(void)
{
    if (result)
        return 0;
    if (map_fixed(DIFF_DATA_VA, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS) ||
        map_fixed(RESULT_VA, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS))
        return -1;
    result = (HostResult *)RESULT_VA;
    return 0;
}

/* A tiny x86-64 emitter for the trampoline and epilogue. */
typedef struct Emit {
    uint8_t *p;
} Emit;

static void emit_bytes(Emit *e, const void *b, size_t n)
{
    memcpy(e->p, b, n);
    e->p += n;
}

static void emit_u64(Emit *e, uint64_t v) { emit_bytes(e, &v, 8); }

/* mov reg, [base + disp32] or mov [base + disp32], reg; base is r15 (load)
 * or rax (store).  rex/modrm computed for any of the 16 registers. */
static void emit_mov_mem(Emit *e, int reg, int base, int32_t disp, bool store)
{
    uint8_t rex = 0x48 | ((reg & 8) ? 4 : 0) | ((base & 8) ? 1 : 0);
    uint8_t op = store ? 0x89 : 0x8b;
    uint8_t modrm = 0x80 | ((reg & 7) << 3) | (base & 7);
    uint8_t b[3] = { rex, op, modrm };
    emit_bytes(e, b, 3);
    if ((base & 7) == 4) {           /* rsp/r12 as base need a SIB */
        uint8_t sib = 0x24;
        emit_bytes(e, &sib, 1);
    }
    emit_bytes(e, &disp, 4);
}

/* movdqu xmmN, [r15 + disp32] (load) or movdqu [rax + disp32], xmmN. */
static void emit_movdqu(Emit *e, int x, int32_t disp, bool store)
{
    uint8_t rex = 0x40 | ((x & 8) ? 4 : 0) | (store ? 0 : 1);
    uint8_t b[5] = { 0xf3, rex, 0x0f, store ? 0x7f : 0x6f,
                     (uint8_t)(0x80 | ((x & 7) << 3) | (store ? 0 : 7)) };
    emit_bytes(e, b, 5);
    emit_bytes(e, &disp, 4);
}

/* ldmxcsr [r15 + disp32] or stmxcsr [rax + disp32]. */
static void emit_mxcsr(Emit *e, int32_t disp, bool store)
{
    uint8_t b[4] = { 0x41, 0x0f, 0xae, (uint8_t)(store ? 0x98 : 0x97) };
    emit_bytes(e, store ? b + 1 : b, store ? 3 : 4);
    emit_bytes(e, &disp, 4);
}

static void build_trampoline(uint8_t *t)
{
    Emit e = { t };
    /* mov r15, RESULT_VA */
    emit_bytes(&e, "\x49\xbf", 2);
    emit_u64(&e, RESULT_VA);
    for (int x = 0; x < 16; x++)
        emit_movdqu(&e, x, (int32_t)offsetof(HostResult, in_xmm[x]), false);
    emit_mxcsr(&e, (int32_t)offsetof(HostResult, in_mxcsr), false);
    /* push qword [r15 + in_rflags]; popfq */
    emit_bytes(&e, "\x41\xff\xb7", 3);
    int32_t d = (int32_t)OFF_IN_RFLAGS;
    emit_bytes(&e, &d, 4);
    emit_bytes(&e, "\x9d", 1);
    for (int r = 0; r < 15; r++)
        emit_mov_mem(&e, r, 15, (int32_t)(OFF_IN_REGS + 8 * r), false);
    emit_mov_mem(&e, 15, 15, (int32_t)(OFF_IN_REGS + 8 * 15), false);
    /* jmp [rip+0]; dq DIFF_CODE_VA */
    emit_bytes(&e, "\xff\x25\x00\x00\x00\x00", 6);
    emit_u64(&e, DIFF_CODE_VA);
}

static void build_epilogue(uint8_t *p)
{
    Emit e = { p };
    /* mov [RESULT_VA], rax  (A3 moffs64) */
    emit_bytes(&e, "\x48\xa3", 2);
    emit_u64(&e, RESULT_VA + OFF_REGS);
    /* mov rax, RESULT_VA */
    emit_bytes(&e, "\x48\xb8", 2);
    emit_u64(&e, RESULT_VA);
    for (int r = 1; r < 16; r++)
        emit_mov_mem(&e, r, 0, OFF_REGS + 8 * r, true);
    for (int x = 0; x < 16; x++)
        emit_movdqu(&e, x, (int32_t)offsetof(HostResult, xmm[x]), true);
    emit_mxcsr(&e, (int32_t)offsetof(HostResult, mxcsr), true);
    /* mov rsp, RESULT_VA + 0x800 (the case's stack may be anything);
     * pushfq; pop qword [rax + OFF_RFLAGS] */
    emit_bytes(&e, "\x48\xbc", 2);
    emit_u64(&e, RESULT_VA + 0x800);
    emit_bytes(&e, "\x9c\x8f\x80", 3);
    int32_t d = OFF_RFLAGS;
    emit_bytes(&e, &d, 4);
    /* mov qword [rax + done], 1 */
    emit_bytes(&e, "\x48\xc7\x80", 3);
    d = (int32_t)offsetof(HostResult, done);
    emit_bytes(&e, &d, 4);
    d = 1;
    emit_bytes(&e, &d, 4);
    /* exit_group(0): mov eax, 231; xor edi, edi; syscall */
    emit_bytes(&e, "\xb8\xe7\x00\x00\x00\x31\xff\x0f\x05", 9);
}

static const int greg_of[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    greg_t *g = uc->uc_mcontext.gregs;
    for (int r = 0; r < 16; r++)
        result->regs[r] = (uint64_t)g[greg_of[r]];
    result->rflags = (uint64_t)g[REG_EFL];
    result->rip = (uint64_t)g[REG_RIP];
    result->vector = g[REG_TRAPNO];
    result->error_code = (uint64_t)g[REG_ERR];
    result->fault_addr = sig == SIGSEGV ? (uint64_t)si->si_addr : 0;
    memcpy(result->xmm, uc->uc_mcontext.fpregs->_xmm, sizeof(result->xmm));
    result->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    result->done = 2;
    _exit(0);
}

static void child(const DiffCase *c)
{
    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    alarm(2);

    if (map_fixed(DIFF_CODE_VA, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS) ||
        map_fixed(DIFF_STACK_VA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) ||
        map_fixed(TRAMP_VA, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS))
        _exit(3);
    uint8_t *code = (uint8_t *)DIFF_CODE_VA;
    memset(code, 0xcc, DIFF_PAGE);
    memcpy(code, c->code, c->len);
    build_epilogue(code + c->len);
    build_trampoline((uint8_t *)TRAMP_VA);
    memcpy((void *)DIFF_DATA_VA, c->in.data, DIFF_PAGE);
    memcpy(result->in_regs, c->in.regs, sizeof(result->in_regs));
    result->in_rflags = c->in.rflags;
    memcpy(result->in_xmm, c->in.xmm, sizeof(result->in_xmm));
    result->in_mxcsr = c->in.mxcsr;
    __builtin___clear_cache((char *)TRAMP_VA, (char *)TRAMP_VA + DIFF_PAGE);
    ((void (*)(void))TRAMP_VA)();
    _exit(4);
}

int diff_run_host(const DiffCase *c, DiffState *out)
{
    if (setup_shared())
        return -1;
    memset(result, 0, sizeof(*result));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(c);
    int st;
    waitpid(pid, &st, 0);
    if (!result->done)
        return -1;
    memcpy(out->regs, result->regs, sizeof(out->regs));
    out->rflags = result->rflags;
    out->rip = result->rip;
    memcpy(out->xmm, result->xmm, sizeof(out->xmm));
    out->mxcsr = result->mxcsr;
    memcpy(out->data, (void *)DIFF_DATA_VA, DIFF_PAGE);
    if (result->done == 2) {
        out->vector = (int)result->vector;
        out->error_code = (uint32_t)result->error_code;
        out->fault_addr = result->fault_addr;
        /* #BP and #OF are traps: the host reports RIP after the INT3/INTO,
         * which is also what the architecture pushes; keep as is. */
    } else {
        out->vector = -1;
        out->error_code = 0;
        out->fault_addr = 0;
        out->rip = DIFF_CODE_VA + c->len;
    }
    return 0;
}
