/* Guest atomics when vCPUs run on threads of their own (thread=multi).
 *
 * A LOCK-prefixed read-modify-write and XCHG with memory are translated
 * as usual (load, operate, store) between two helper calls that hold one
 * global lock, so locked instructions of different vCPUs never
 * interleave: a shared counter hammered with LOCK ADD/XADD/INC from every
 * vCPU ends exact.  CMPXCHG and CMPXCHG8B on RAM (the ones locks are made
 * of, where a lost plain store would matter most: a spin_unlock's MOV
 * racing with a failing CMPXCHG) also compare-and-exchange on the host,
 * so a plain store from another vCPU is never overwritten.  The host lock
 * and host atomics are full barriers, as x86's locked operations are.  A
 * fault inside a locked instruction leaves through the execution loop's
 * exception path, which releases the lock (tcg_atomic_release_all).
 *
 * A locked operation the host cannot compare-and-exchange (it crosses a
 * page or is misaligned, a split lock; it targets MMIO or a code page)
 * is restarted before its load and run again with every other vCPU
 * parked (tcg_atomic_take_step, the engine's exclusive step), as the
 * bus lock of a split-locked access holds off every other agent. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>

#include "translate/atomic.h"
#include "translate/tlb.h"

bool translate_parallel;

static pthread_mutex_t atomic_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool held;
static _Thread_local bool step_wanted;      /* restarted for an exclusive step */
static _Thread_local bool exclusive;        /* in it: other vCPUs parked */

void translate_set_parallel(bool on)
{
    translate_parallel = on;
}

HELPER(helper_lock_begin)
{
    if (!held) {
        pthread_mutex_lock(&atomic_lock);
        held = true;
    }
    return 0;
}

HELPER(helper_lock_end)
{
    if (held) {
        held = false;
        pthread_mutex_unlock(&atomic_lock);
    }
    return 0;
}

void tcg_atomic_release_all(void)
{
    helper_lock_end(NULL, 0, 0, 0, 0);
}

/* The host address of w bytes at la when stores may go straight to RAM
 * (the write tag is set: no code, watchpoint or MMIO on the page) and the
 * access is naturally aligned, else NULL.  The caller probed for writing. */
static void *ram_for_atomic(CPUState *cpu, uint64_t la, unsigned w)
{
    TcgCpu *t = tcg_cpu(cpu);
    TLBEntry *e = tlb_entry(t, t->user, la);
    if (!translate_parallel || (la & (w - 1)) || e->tag_w != (la & ~0xfffULL) || !e->host)
        return NULL;
    return e->host + (la & 0xfff);
}

void tcg_atomic_need_exclusive(CPUState *cpu)
{
    if (!translate_parallel || exclusive)
        return;
    step_wanted = true;
    cpu->env.exception_index = -1;      /* nothing of the instruction done */
    siglongjmp(*(sigjmp_buf *)cpu->jmp_env, 1);
}

bool tcg_atomic_take_step(void)
{
    bool wanted = step_wanted;
    step_wanted = false;
    return wanted;
}

void tcg_atomic_set_exclusive(bool on)
{
    exclusive = on;
}

/* Before the load of a locked read-modify-write (a = la, imm = width):
 * probe for writing (a locked access faults as a write) and restart in
 * an exclusive step if the host cannot do its store atomically. */
HELPER(helper_atomic_prepare)
{
    unsigned w = (unsigned)imm;
    tcg_probe_write(cpu, a, w);
    if (!ram_for_atomic(cpu, a, w))
        tcg_atomic_need_exclusive(cpu);
    return 0;
}

/* The store of a locked read-modify-write (a = address, b = new value,
 * c = the value its load saw, imm = width): on RAM it goes in only if
 * memory still holds what was loaded; if a plain store of another vCPU
 * came in between, the instruction runs again from its start (its stores
 * and register writes come after this one, so nothing of it is done). */
HELPER(helper_st_locked)
{
    unsigned w = (unsigned)imm;
    uint64_t found;
    if (!tcg_atomic_cmpxchg(cpu, a, w, c, b, &found)) {
        tcg_st(cpu, a, b, w);
        return 0;
    }
    if (found != c) {
        cpu->env.exception_index = -1;
        siglongjmp(*(sigjmp_buf *)cpu->jmp_env, 1);
    }
    return 0;
}

bool tcg_atomic_cmpxchg(CPUState *cpu, uint64_t la, unsigned w, uint64_t expect,
                        uint64_t desired, uint64_t *old)
{
    void *p = ram_for_atomic(cpu, la, w);
    if (!p)
        return false;
    switch (w) {
    case 1: {
        uint8_t e = (uint8_t)expect;
        __atomic_compare_exchange_n((uint8_t *)p, &e, (uint8_t)desired, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *old = e;
        break;
    }
    case 2: {
        uint16_t e = (uint16_t)expect;
        __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *old = e;
        break;
    }
    case 4: {
        uint32_t e = (uint32_t)expect;
        __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *old = e;
        break;
    }
    default: {
        uint64_t e = expect;
        __atomic_compare_exchange_n((uint64_t *)p, &e, desired, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *old = e;
        break;
    }
    }
    return true;
}

bool tcg_atomic_cmpxchg16(CPUState *cpu, uint64_t la, uint64_t *lo, uint64_t *hi,
                          uint64_t new_lo, uint64_t new_hi)
{
#if defined(__x86_64__)
    void *p = ram_for_atomic(cpu, la, 16);
    if (!p)
        return false;
    /* the host's own CMPXCHG16B (x86-64 CPUs that run kemu have it) */
    __asm__ volatile("lock cmpxchg16b %0"
                     : "+m"(*(volatile unsigned __int128 *)p), "+a"(*lo), "+d"(*hi)
                     : "b"(new_lo), "c"(new_hi)
                     : "memory", "cc");
    return true;
#else
    (void)cpu; (void)la; (void)lo; (void)hi; (void)new_lo; (void)new_hi;
    return false;
#endif
}
