/* The TB cache: arena allocation, lookup by physical address and mode,
 * tracking of code pages and invalidation (see translate/tb.h).
 *
 * vCPUs may run on threads of their own (thread=multi): the hash table,
 * the page lists, the arena and chaining change under tb_mutex; lookups
 * (a vCPU's own jump cache, chained successors and the hash table) take
 * no lock and check tb->valid, which invalidation clears before the TB
 * leaves the hash table.  A TB enters its hash chain fully built (a
 * release store of the chain head), and one unlinked keeps its hash_next,
 * so a reader walking the chain meanwhile reaches the rest of it.  A TB
 * stays in the arena, so a vCPU still running or walking it reads
 * nothing freed; dropping every TB reuses the arena, so it happens with
 * all other vCPUs parked (tb_stop_world), and every lookup is inside a
 * vCPU's exec section: no reader is left then, no grace period needed. */
#include "translate/tb.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "translate/dr.h"
#include "cpu/excp.h"
#include "cpu/sys.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"
#include "translate/backend-native.h"
#include "translate/tlb.h"

#define TB_HASH_BITS 16
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
#define PAGE_HASH_SIZE 4096u
#define ARENA_SIZE (64u << 20)

typedef struct PageDesc {
    uint64_t page;
    TB **tbs;               /* TBs with code on this page */
    unsigned n, cap;
    struct PageDesc *next;
} PageDesc;

static TB *tb_hash[TB_HASH_SIZE];
static PageDesc *page_hash[PAGE_HASH_SIZE];
static uint8_t *arena;
static size_t arena_used;
static IRBlock ir_scratch;
static atomic_uint flush_generation;
static pthread_mutex_t tb_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local unsigned tb_lock_depth;

void (*tb_stop_world)(struct CPUState *cpu, bool stop);

/* Recursive for the calling thread: invalidation runs inside translation
 * paths (a TB translated from a page drops its write tags). */
static void tb_lock(void)
{
    if (tb_lock_depth++ == 0)
        pthread_mutex_lock(&tb_mutex);
}

static void tb_unlock(void)
{
    if (--tb_lock_depth == 0)
        pthread_mutex_unlock(&tb_mutex);
}

void tb_lock_release_all(void)
{
    if (tb_lock_depth) {
        tb_lock_depth = 0;
        pthread_mutex_unlock(&tb_mutex);
    }
}

unsigned tb_generation(void)
{
    return flush_generation;
}

static unsigned tb_hash_of(uint64_t phys, uint32_t flags)
{
    uint64_t h = (phys ^ ((uint64_t)flags << 40)) * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static unsigned page_hash_of(uint64_t page)
{
    return (unsigned)((page >> 12) * 0x9e3779b1u) % PAGE_HASH_SIZE;
}

static unsigned jc_hash(uint64_t lin)
{
    return (unsigned)((lin ^ (lin >> JMP_CACHE_BITS)) & (JMP_CACHE_SIZE - 1));
}

/* TBF_SEGNF bits: segments that are not present, writable, expand-up
 * data with a 4 GiB limit (the base does not matter). */
static uint32_t segs_nonflat(const CPUX86State *env)
{
    uint32_t m = 0;
    for (int i = 0; i < SEG_COUNT; i++) {
        const SegReg *s = &env->seg[i];
        if ((s->attr & (SEGATTR_P | SEGATTR_S | 0xe)) != (SEGATTR_P | SEGATTR_S | 0x2) ||
            s->limit != 0xffffffff)
            m |= TBF_SEGNF(i);
    }
    return m;
}

uint32_t tb_flags(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t f;
    if ((env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L))
        f = 2;
    else
        /* CS.D in the descriptor cache, not CR0.PE, gives the code size: a
         * MOV to CR0 that clears PE leaves protected mode's CS in place
         * (32-bit code, full EIP) until a far transfer loads a real-mode
         * CS (seg_load_real), as on the hardware (SDM vol. 3, 9.9.2). */
        f = !(env->rflags & FL_VM) && (env->seg[SEG_CS].attr & SEGATTR_DB) ? 1 : 0;
    if ((env->seg[SEG_SS].attr & SEGATTR_DB) && (env->cr0 & CR0_PE) && !(env->rflags & FL_VM))
        f |= TBF_SS32;
    if (env->cr0 & CR0_PE) {
        f |= TBF_PE;
        f |= (uint32_t)cpu_cpl(cpu) << TBF_CPL_SHIFT;
    }
    if (env->rflags & FL_VM)
        f |= TBF_VM;
    if (env->efer & EFER_LMA)
        f |= TBF_LMA;
    if (env->a20_mask & (1ULL << 20))
        f |= TBF_A20;
    if (env->rflags & FL_TF)
        f |= TBF_TF;
    if (env->rflags & FL_RF)
        f |= TBF_RF;
    if (env->inhibit_irq)
        f |= TBF_SHADOW;
    if (env->dr[7] & 0xff)
        f |= TBF_DRBP | (tcg_dr_tb_key(cpu) << TBF_DRKEY_SHIFT);
    if ((f & TBF_MODE_MASK) != 2)
        f |= segs_nonflat(env);
    return f;
}

static void *arena_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!arena) {
        arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (arena == MAP_FAILED) {
            fprintf(stderr, "kemu: tcg: cannot allocate the translation cache\n");
            exit(1);
        }
    }
    if (arena_used + n > ARENA_SIZE)
        return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

static PageDesc *page_find(uint64_t page)
{
    for (PageDesc *p = page_hash[page_hash_of(page)]; p; p = p->next) {
        if (p->page == page)
            return p;
    }
    return NULL;
}

bool tb_page_has_code(uint64_t pa_page)
{
    tb_lock();
    bool has = page_find(pa_page) != NULL;
    tb_unlock();
    return has;
}

void tb_set_write_tag(TLBEntry *e, uint64_t pa_page, uint64_t tag)
{
    tb_lock();
    if (!page_find(pa_page))
        e->tag_w = tag;
    tb_unlock();
}

static void page_add_tb(CPUState *cpu, uint64_t page, TB *tb)
{
    PageDesc *p = page_find(page);
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p)
            abort();
        p->page = page;
        unsigned h = page_hash_of(page);
        p->next = page_hash[h];
        page_hash[h] = p;
        tlb_protect_code(cpu, page);
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->tbs = realloc(p->tbs, p->cap * sizeof(*p->tbs));
        if (!p->tbs)
            abort();
    }
    p->tbs[p->n++] = tb;
}

/* Writers hold tb_mutex; lock-free readers (hash_find) load the links
 * with acquire, pairing with these release stores. */
static void hash_insert(TB *tb)
{
    TB **head = &tb_hash[tb_hash_of(tb->phys, tb->flags)];
    tb->hash_next = *head;
    __atomic_store_n(head, tb, __ATOMIC_RELEASE);
}

static void hash_remove(TB *tb)
{
    TB **pp = &tb_hash[tb_hash_of(tb->phys, tb->flags)];
    for (; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            __atomic_store_n(pp, tb->hash_next, __ATOMIC_RELEASE);
            return;
        }
    }
}

static void page_free(PageDesc *p)
{
    PageDesc **pp = &page_hash[page_hash_of(p->page)];
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    free(p->tbs);
    free(p);
}

bool tb_invalidate_page(CPUState *cpu, uint64_t pa_page)
{
    tb_lock();
    PageDesc *p = page_find(pa_page);
    if (!p) {
        tb_unlock();
        return false;
    }
    for (unsigned i = 0; i < p->n; i++) {
        TB *tb = p->tbs[i];
        if (tb->valid) {
            /* chained jumps into it test valid (both backends) */
            __atomic_store_n(&tb->valid, false, __ATOMIC_RELEASE);
            hash_remove(tb);
        }
    }
    page_free(p);
    tb_unlock();
    return true;
}

void tb_invalidate_phys_range(CPUState *cpu, uint64_t pa, uint64_t len)
{
    for (uint64_t pg = pa & ~0xfffULL; pg < pa + len; pg += 0x1000)
        tb_invalidate_page(cpu, pg);
}

void tb_jmp_cache_clear(CPUState *cpu)
{
    if (cpu->accel)
        memset(tcg_cpu(cpu)->jmp_cache, 0, sizeof(tcg_cpu(cpu)->jmp_cache));
}

void tb_flush_all(CPUState *cpu)
{
    if (tb_stop_world)
        tb_stop_world(cpu, true);
    tb_lock();
    memset(tb_hash, 0, sizeof(tb_hash));
    for (unsigned i = 0; i < PAGE_HASH_SIZE; i++) {
        while (page_hash[i])
            page_free(page_hash[i]);
    }
    arena_used = 0;
    native_flush();
    flush_generation++;
    Machine *m = cpu->machine;
    if (m) {
        for (unsigned i = 0; i < m->ncpus; i++)
            tb_jmp_cache_clear(m->cpus[i]);
    }
    tb_jmp_cache_clear(cpu);
    tb_unlock();
    if (tb_stop_world)
        tb_stop_world(cpu, false);
}

/* A block whose last instruction runs into the next page is only valid
 * while that page still maps to the physical page it was read from. */
static bool page2_ok(CPUState *cpu, const TB *tb)
{
    if (tb->phys2 == ~0ULL)
        return true;
    uint64_t lin2 = (tb->lin & ~0xfffULL) + 0x1000;
    TcgCpu *t = tcg_cpu(cpu);
    const TLBEntry *e = tlb_entry(t, t->user, lin2);
    return e->tag_x == lin2 && e->pa == tb->phys2;
}

void tb_chain(TB *tb, unsigned slot, TB *next)
{
    if (tb->flags != next->flags)
        return;
    tb_lock();
    /* not if either was invalidated meanwhile (by another vCPU) */
    if (tb->valid && next->valid) {
        /* read without the lock (tcg-exec.c): publishes next's contents */
        __atomic_store_n(&tb->jmp_dest[slot], next, __ATOMIC_RELEASE);
        native_link(tb, slot, next);
    }
    tb_unlock();
}

/* Lock-free readers pair with invalidation's release store. */
static bool tb_is_valid(const TB *tb)
{
    return __atomic_load_n(&tb->valid, __ATOMIC_ACQUIRE);
}

bool tb_chain_ok(CPUState *cpu, const TB *tb, const TB *next)
{
    if (!tb_is_valid(next) || next->pc != cpu->env.rip || next->cs_base != cpu->env.seg[SEG_CS].base ||
        !page2_ok(cpu, next))
        return false;
    if (((tb->lin ^ next->lin) & ~0xfffULL) == 0 && ((tb->phys ^ next->phys) & ~0xfffULL) == 0)
        return true;
    /* Another page: only while it still maps to the same physical page. */
    TcgCpu *t = tcg_cpu(cpu);
    const TLBEntry *e = tlb_entry(t, t->user, next->lin);
    return e->tag_x == (next->lin & ~0xfffULL) && e->pa == (next->phys & ~0xfffULL);
}

/* With or without tb_mutex (a TB being unlinked may still be met: valid
 * tells). */
static TB *hash_find(uint64_t phys, uint64_t phys2, uint64_t pc, uint64_t cs_base,
                     uint32_t flags)
{
    TB *tb = __atomic_load_n(&tb_hash[tb_hash_of(phys, flags)], __ATOMIC_ACQUIRE);
    for (; tb; tb = __atomic_load_n(&tb->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb->phys == phys && tb->pc == pc && tb->cs_base == cs_base &&
            tb->flags == flags && (tb->phys2 == ~0ULL || tb->phys2 == phys2) &&
            tb_is_valid(tb))
            return tb;
    }
    return NULL;
}

static void log_new_tb(const TB *tb)
{
    if (log_enabled(LOG_OP)) {
        log_lock();
        log_printf("OP after optimization: TB %016llx (%u insns)\n",
                   (unsigned long long)tb->lin, tb->icount);
        ir_dump(log_file(), tb->ops, tb->nops);
        log_printf("\n");
        log_unlock();
    }
}

/* A block compiled to host code never runs its IR again, so only a block
 * left to the interpreter keeps a copy of it (the IR of every block was
 * three quarters of the arena's resident memory in a Linux boot). */
static bool keep_ir(TB *tb)
{
    if (tb->code) {
        tb->ops = NULL;
        tb->nops = 0;
        return true;
    }
    IROp *ops = arena_alloc(tb->nops * sizeof(IROp));
    if (!ops)
        return false;
    memcpy(ops, tb->ops, tb->nops * sizeof(IROp));
    tb->ops = ops;
    tb->nops = interp_prepare(ops, tb->nops);
    return true;
}

/* Translate a TB at cpu's current pc (phys = physical address of its first
 * byte); returns NULL when the arena is full. */
static TB *tb_gen(CPUState *cpu, uint64_t lin, uint64_t phys, uint32_t flags)
{
    TB tmp = { .pc = cpu->env.rip, .cs_base = cpu->env.seg[SEG_CS].base, .lin = lin,
               .phys = phys, .phys2 = ~0ULL, .flags = flags, .valid = true };
    IRBlock *b = &ir_scratch;
    ir_init(b);
    tmp.icount = (uint16_t)translate_block(cpu, b, flags, &tmp);
    unsigned n = ir_optimize(b->ops, b->nops, b->ntemps);
    TB *tb = arena_alloc(sizeof(TB));
    if (!tb)
        return NULL;
    *tb = tmp;
    tb->ops = b->ops;       /* the scratch block, under tb_mutex */
    tb->nops = n;
    tb->ntemps = b->ntemps;
    page_add_tb(cpu, phys & ~0xfffULL, tb);
    if (tb->phys2 != ~0ULL)
        page_add_tb(cpu, tb->phys2, tb);
    log_new_tb(tb);
    if (!native_compile(tb))
        return NULL;        /* the code cache is full: tb_find flushes, retries */
    if (!keep_ir(tb))
        return NULL;
    /* pairs with tb_reached: native code reaches the TB unseen */
    __atomic_store_n(&tb->valid, true, __ATOMIC_RELEASE);
    hash_insert(tb);        /* last: lock-free lookups may find it now */
    return tb;
}

static uint64_t code_pa_or_raise(CPUState *cpu, uint64_t lin)
{
    uint64_t pa;
    uint32_t err;
    if (!tcg_code_pa(cpu, lin, &pa, &err)) {
        /* A fetch at a non-canonical RIP (reached without a check, e.g.
         * AMD's SYSRET) is #GP(0), not a page fault. */
        if ((cpu->env.efer & EFER_LMA) && !cpu_canonical(lin))
            cpu_raise_exception(cpu, EXC_GP, 0);
        cpu_raise_page_fault(cpu, lin, err);
    }
    return pa;
}

static bool jc_valid(CPUState *cpu, const TB *tb, uint64_t lin, uint32_t flags)
{
    const CPUX86State *env = &cpu->env;
    if (!tb || !tb_is_valid(tb) || tb->lin != lin || tb->pc != env->rip || tb->flags != flags ||
        tb->cs_base != env->seg[SEG_CS].base || !page2_ok(cpu, tb))
        return false;
    TcgCpu *t = tcg_cpu(cpu);
    const TLBEntry *e = tlb_entry(t, t->user, lin);
    return e->tag_x == (lin & ~0xfffULL) && e->pa == (tb->phys & ~0xfffULL);
}

static uint64_t tb_lin_pc(const CPUX86State *env, uint32_t flags)
{
    uint64_t lin = env->seg[SEG_CS].base + env->rip;
    return (flags & TBF_MODE_MASK) != 2 ? lin & 0xffffffffULL : lin;
}

TB *tb_find(CPUState *cpu, uint32_t flags)
{
    CPUX86State *env = &cpu->env;
    TcgCpu *t = tcg_cpu(cpu);
    uint64_t lin = tb_lin_pc(env, flags);
    t->user = ((flags & TBF_CPL_MASK) >> TBF_CPL_SHIFT) == 3;
    TB **slot = &t->jmp_cache[jc_hash(lin)];
    if (jc_valid(cpu, *slot, lin, flags))
        return *slot;
    uint64_t phys = code_pa_or_raise(cpu, lin);
    /* A TB crossing into the next page is only reused if that page still
     * maps to the same physical page; its translation is checked lazily. */
    uint64_t phys2 = ~0ULL, pa2;
    uint32_t err;
    if (tcg_code_pa(cpu, (lin & ~0xfffULL) + 0x1000, &pa2, &err))
        phys2 = pa2 & ~0xfffULL;
    TB *tb = hash_find(phys, phys2, env->rip, env->seg[SEG_CS].base, flags);
    if (tb) {
        *slot = tb;
        return tb;
    }
    /* Not there: look again under the lock (another vCPU may be
     * translating it) before translating.  Translation may raise (#PF on
     * the first fetch): the execution loop's exception path releases the
     * lock (tb_lock_release_all). */
    tb_lock();
    tb = hash_find(phys, phys2, env->rip, env->seg[SEG_CS].base, flags);
    if (!tb)
        tb = tb_gen(cpu, lin, phys, flags);
    tb_unlock();
    if (!tb) {
        tb_flush_all(cpu);          /* stops the world: without the lock */
        tb_lock();
        tb = tb_gen(cpu, lin, phys, flags);
        tb_unlock();
        if (!tb)
            abort();
    }
    *slot = tb;
    return tb;
}
