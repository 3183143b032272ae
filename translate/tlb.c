/* The soft TLB's slow paths: fills through the page walker, page-crossing
 * and MMIO accesses, stores to pages holding translated code, and the
 * flush hooks cpu/ calls (see translate/tlb.h). */
#include "translate/tlb.h"

#include <stdlib.h>

#include "translate/debug-hooks.h"
#include "translate/dr.h"

#include "cpu/excp.h"
#include "cpu/sys.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"
#include "translate/noncanon.h"
#include "translate/tb.h"

static void tlb_clear(TcgCpu *t)
{
    for (unsigned i = 0; i < TLB_WFILTER_BITS / 64; i++)     /* read by other vCPUs */
        __atomic_store_n(&t->wfilter[i], 0, __ATOMIC_RELAXED);
    for (unsigned u = 0; u < 2; u++) {
        memset(t->tlb[u], 0xff, sizeof(TLBEntry) * tlb_entries(t));
        for (unsigned i = 0; i < tlb_entries(t); i++) {
            t->tlb[u][i].host = NULL;
            t->tlb[u][i].pa = TLB_INVALID;
        }
    }
}

/* cpu/ system code's accesses (cpu->lin_access_hook): the same checks as
 * the slow paths below; the #DB trap or the debugger stop follows in the
 * execution loop. */
static void sys_access(CPUState *cpu, uint64_t la, unsigned size, bool write)
{
    if (atomic_load_explicit(&tcg_debug_active, memory_order_relaxed))
        tcg_debug_hooks->watch_access(cpu, la, size, write);
    if ((cpu->env.dr[7] & 0xff) && cpu->accel)
        tcg_cpu(cpu)->dr_data_hits |= tcg_dr_data_hits(cpu, la, size, write);
}

static const CpuTlbHooks soft_tlb_hooks = {
    .flush = tlb_flush, .flush_page = tlb_flush_page, .code_write = tlb_code_write,
};

TcgCpu *tcg_cpu_init(CPUState *cpu)
{
    TcgCpu *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    pthread_mutex_init(&t->size_lock, NULL);
    tlb_set_size(t, TLB_MIN_BITS);
    tlb_clear(t);
    t->a20_mask = cpu->env.a20_mask;
    cpu->accel = t;
    cpu->jmp_env = &t->jmp;
    cpu->lin_access_hook = sys_access;
    cpu->tlb_hooks = &soft_tlb_hooks;
    return t;
}

void tlb_flush(CPUState *cpu)
{
    if (!cpu->accel)
        return;
    TcgCpu *t = tcg_cpu(cpu);
    if (cpu == current_cpu) {   /* never under another vCPU's running code */
        tlb_resize(t);
        tlb_clear(t);
        return;
    }
    pthread_mutex_lock(&t->size_lock);  /* its own thread may be resizing */
    tlb_clear(t);
    pthread_mutex_unlock(&t->size_lock);
}

void tlb_flush_page(CPUState *cpu, uint64_t la)
{
    if (!cpu->accel)
        return;
    TcgCpu *t = tcg_cpu(cpu);
    la &= ~0xfffULL;
    for (unsigned u = 0; u < 2; u++) {
        TLBEntry *e = tlb_entry(t, u, la);
        if ((e->tag_r & ~TLB_MMIO) == la || e->tag_w == la || e->tag_x == la) {
            e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
            e->host = NULL;
            e->pa = TLB_INVALID;
        }
    }
}

static unsigned wfilter_bit(uint64_t pa_page)
{
    return (unsigned)(pa_page >> 12) & (TLB_WFILTER_BITS - 1);
}

/* Stores to the page of entry e (physical page pa_page) may go fast,
 * unless the page holds code: the filter bit goes up first, so that
 * tlb_protect_code, which runs under the TB lock tb_set_write_tag takes,
 * scans this table whenever the tag may be set.  Nor while the page is
 * clean in a dirty log (a display's video RAM): its first store takes the
 * slow path, which marks it.  A display clearing the log between the
 * check and the tag may have scanned before the tag went in, so the log
 * is read again after it, and the tag dropped if the page is clean now. */
static void set_write_tag(CPUState *cpu, TLBEntry *e, uint64_t pa_page, uint64_t page)
{
    AddressSpace *mem = &cpu->machine->mem;
    if (as_page_log_clean(mem, pa_page))
        return;
    TcgCpu *t = tcg_cpu(cpu);
    unsigned b = wfilter_bit(pa_page);
    __atomic_fetch_or(&t->wfilter[b / 64], 1ULL << (b % 64), __ATOMIC_SEQ_CST);
    tb_set_write_tag(e, pa_page, page);
    if (!__atomic_load_n(&mem->logging, __ATOMIC_RELAXED))
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (as_page_log_clean(mem, pa_page))
        e->tag_w = TLB_INVALID;
}

/* Drops the write tags for pa_page from another vCPU's TLB while that
 * vCPU runs.  The race with its own plain TLB accesses is by design (as
 * on hardware, a store racing with code being translated on another CPU
 * may still go through the old tag; each tag is one aligned word, never
 * torn), so ThreadSanitizer does not instrument this scan. */
__attribute__((no_sanitize_thread))
static void drop_write_tags(TcgCpu *t, uint64_t pa, uint64_t len)
{
    for (unsigned u = 0; u < 2; u++) {
        for (unsigned i = 0; i < tlb_entries(t); i++) {
            if (t->tlb[u][i].pa - pa < len)
                t->tlb[u][i].tag_w = TLB_INVALID;
        }
    }
}

/* Whether t may have a write tag for a page of [pa, pa+len). */
static bool wfilter_any(TcgCpu *t, uint64_t pa, uint64_t len)
{
    if (len >> 12 >= TLB_WFILTER_BITS)
        return true;
    for (uint64_t p = pa & ~0xfffULL; p < pa + len; p += 0x1000) {
        unsigned b = wfilter_bit(p);
        if (__atomic_load_n(&t->wfilter[b / 64], __ATOMIC_SEQ_CST) & (1ULL << (b % 64)))
            return true;
    }
    return false;
}

/* Every vCPU of the machine, and any_cpu if it is not one of them (a
 * board-less test CPU): scanned once each (a scan reads every entry). */
void tlb_protect_range(CPUState *any_cpu, uint64_t pa, uint64_t len)
{
    Machine *m = any_cpu->machine;
    unsigned n = m ? m->ncpus : 0;
    bool any_seen = false;
    for (unsigned c = 0; c <= n; c++) {
        CPUState *cpu = c < n ? m->cpus[c] : any_seen ? NULL : any_cpu;
        any_seen |= cpu == any_cpu;
        if (!cpu || !cpu->accel)
            continue;
        TcgCpu *t = tcg_cpu(cpu);
        if (!wfilter_any(t, pa, len))
            continue;
        pthread_mutex_lock(&t->size_lock);      /* its thread may resize */
        drop_write_tags(t, pa & ~0xfffULL, len + (pa & 0xfff));
        pthread_mutex_unlock(&t->size_lock);
    }
}

void tlb_protect_code(CPUState *any_cpu, uint64_t pa_page)
{
    tlb_protect_range(any_cpu, pa_page, 0x1000);
}

static bool canonical(const CPUState *cpu, uint64_t la)
{
    if (!(cpu->env.efer & EFER_LMA))
        return true;
    return (uint64_t)((int64_t)(la << 16) >> 16) == la;   /* shift unsigned: no UB */
}

/* SMAP: with AC set, supervisor data accesses to user pages are allowed
 * only until AC is cleared again (CLAC, POPF, IRET, an exception), which
 * flushes nothing: such accesses get no data tag and are checked again
 * each time.  With AC clear the walk faults on user pages, so what is
 * cached then does not depend on AC. */
static bool smap_open(CPUState *cpu)
{
    return !tcg_cpu(cpu)->user && (cpu->env.cr4 & CR4_SMAP) &&
           (cpu->env.rflags & FL_AC);
}

/* Walk for la and fill its entry for access acc; raises on a fault. */
static TLBEntry *tlb_fill(CPUState *cpu, uint64_t la, MMUAccess acc)
{
    TcgCpu *t = tcg_cpu(cpu);
    MMUResult r;
    uint32_t err;
    if (!canonical(cpu, la))
        cpu_raise_exception(cpu, noncanonical_vector(cpu, la), 0);
    if (!mmu_translate(cpu, la, acc, t->user != 0, &r, &err))
        cpu_raise_page_fault(cpu, la, err);
    uint64_t page = la & ~0xfffULL, pa = r.pa & ~0xfffULL;
    TLBEntry *e = tlb_entry(t, t->user, la);
    if (e->pa != pa || (e->tag_r != page && e->tag_w != page && e->tag_x != page)) {
        e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
        e->pa = pa;
        t->tlb_fills++;
        e->host = cpu->machine ? as_ram_ptr(&cpu->machine->mem, pa, 0x1000, false) : NULL;
    }
    /* the data tags and the addend are for one page (tag_x, set for
     * another page of the same frame, may stay) */
    if (e->tag_r != page)
        e->tag_r = TLB_INVALID;
    if (e->tag_w != page)
        e->tag_w = TLB_INVALID;
    e->addend = (uintptr_t)e->host - (uintptr_t)page;
    /* gdbstub watchpoints: data accesses to a watched page stay slow */
    if (acc != MMU_EXEC && atomic_load_explicit(&tcg_debug_active, memory_order_relaxed) &&
        tcg_debug_hooks->watch_page(page))
        return e;
    /* the guest's DR7 data breakpoints, the same way */
    if (acc != MMU_EXEC && (cpu->env.dr[7] & 0xff) && tcg_dr_data_page(cpu, page))
        return e;
    if (acc != MMU_EXEC && smap_open(cpu))
        return e;
    if (acc == MMU_READ)
        e->tag_r = e->host ? page : page | TLB_MMIO;
    else if (acc == MMU_EXEC)
        e->tag_x = page;
    else if (e->host && as_ram_ptr(&cpu->machine->mem, pa, 0x1000, true))
        set_write_tag(cpu, e, pa, page);
    return e;
}

static TLBEntry *tlb_get(CPUState *cpu, uint64_t la, MMUAccess acc)
{
    TcgCpu *t = tcg_cpu(cpu);
    TLBEntry *e = tlb_entry(t, t->user, la);
    uint64_t page = la & ~0xfffULL;
    uint64_t tag = acc == MMU_READ ? e->tag_r & ~TLB_MMIO :
                   acc == MMU_WRITE ? e->tag_w : e->tag_x;
    if (tag == page)
        return e;
    return tlb_fill(cpu, la, acc);
}

uint64_t tcg_ld_slow(CPUState *cpu, uint64_t la, unsigned size)
{
    if ((la & 0xfff) + size > 0x1000) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= tcg_ld(cpu, la + i, 1) << (8 * i);
        return v;
    }
    TLBEntry *e = tlb_get(cpu, la, MMU_READ);
    if (atomic_load_explicit(&tcg_debug_active, memory_order_relaxed))
        tcg_debug_hooks->watch_access(cpu, la, size, false);
    if (cpu->env.dr[7] & 0xff)
        tcg_cpu(cpu)->dr_data_hits |= tcg_dr_data_hits(cpu, la, size, false);
    if (e->host)
        return host_ld(e->host + (la & 0xfff), size);
    big_lock();
    uint64_t v = as_ld(&cpu->machine->mem, e->pa + (la & 0xfff), size);
    big_unlock();
    return v;
}

void tcg_probe_write(CPUState *cpu, uint64_t la, unsigned size)
{
    tlb_get(cpu, la, MMU_WRITE);
    /* a fault on the second page reports its first byte, as the CPU */
    if ((la & 0xfff) + size > 0x1000)
        tlb_get(cpu, (la + size - 1) & ~0xfffULL, MMU_WRITE);
}

void tcg_probe_read(CPUState *cpu, uint64_t la)
{
    tlb_get(cpu, la, MMU_READ);
}

uint64_t tcg_ld_w_slow(CPUState *cpu, uint64_t la, unsigned size)
{
    tcg_probe_write(cpu, la, size);
    return tcg_ld_slow(cpu, la, size);
}

/* A store to a page with code: drop its TBs, and leave the running TB
 * after this instruction in case it was one of them. */
static void store_to_code(CPUState *cpu, uint64_t pa)
{
    if (tb_invalidate_page(cpu, pa & ~0xfffULL))
        tcg_cpu(cpu)->exit_request = true;
}

void tlb_code_write(CPUState *cpu, uint64_t pa, unsigned size)
{
    if (!cpu->accel)
        return;
    uint64_t first = pa & ~0xfffULL, last = (pa + size - 1) & ~0xfffULL;
    if (tb_page_has_code(first))
        store_to_code(cpu, first);
    if (last != first && tb_page_has_code(last))
        store_to_code(cpu, last);
}

void tcg_st_slow(CPUState *cpu, uint64_t la, uint64_t val, unsigned size)
{
    if ((la & 0xfff) + size > 0x1000) {
        tcg_probe_write(cpu, la, size);
        for (unsigned i = 0; i < size; i++)
            tcg_st(cpu, la + i, val >> (8 * i), 1);
        return;
    }
    TLBEntry *e = tlb_get(cpu, la, MMU_WRITE);
    bool watched = atomic_load_explicit(&tcg_debug_active, memory_order_relaxed) &&
                   tcg_debug_hooks->watch_page(la & ~0xfffULL);
    if (watched)
        tcg_debug_hooks->watch_access(cpu, la, size, true);
    if (cpu->env.dr[7] & 0xff) {
        tcg_cpu(cpu)->dr_data_hits |= tcg_dr_data_hits(cpu, la, size, true);
        watched |= tcg_dr_data_page(cpu, la & ~0xfffULL);
    }
    uint64_t pa = e->pa + (la & 0xfff);
    uint8_t *host = e->host ? as_ram_ptr(&cpu->machine->mem, pa, size, true) : NULL;
    if (host) {
        /* Store, then drop the code: another vCPU translating the page
         * in between reads the new bytes (and its block is dropped), never
         * keeps a block of the old bytes that outlives the store. */
        host_st(host, val, size);
        store_to_code(cpu, pa);
        as_dirty_mark(&cpu->machine->mem, pa, size);
        /* The page has no code any more and is marked: let later stores
         * go fast (unless a watchpoint or data breakpoint covers it). */
        if (!watched && !smap_open(cpu))
            set_write_tag(cpu, e, pa & ~0xfffULL, la & ~0xfffULL);
        return;
    }
    store_to_code(cpu, pa);
    big_lock();
    as_st(&cpu->machine->mem, pa, val, size);
    big_unlock();
}

bool tcg_code_pa(CPUState *cpu, uint64_t la, uint64_t *pa, uint32_t *err)
{
    TcgCpu *t = tcg_cpu(cpu);
    TLBEntry *e = tlb_entry(t, t->user, la);
    if (e->tag_x != (la & ~0xfffULL)) {
        MMUResult r;
        if (!canonical(cpu, la)) {
            *err = 0;
            return false;
        }
        if (!mmu_translate(cpu, la, MMU_EXEC, t->user != 0, &r, err))
            return false;
        uint64_t p = r.pa & ~0xfffULL;
        if (e->pa != p) {
            e->tag_r = e->tag_w = TLB_INVALID;
            e->pa = p;
            e->host = cpu->machine ? as_ram_ptr(&cpu->machine->mem, p, 0x1000, false) : NULL;
        }
        e->tag_x = la & ~0xfffULL;
    }
    *pa = e->pa + (la & 0xfff);
    return true;
}

unsigned tcg_fetch_code(CPUState *cpu, uint64_t la, uint8_t *buf, unsigned max,
                        uint64_t *pa)
{
    unsigned n = 0;
    while (n < max) {
        uint64_t p;
        uint32_t err;
        if (!tcg_code_pa(cpu, la + n, &p, &err))
            break;
        if (n == 0)
            *pa = p;
        unsigned chunk = 0x1000 - (unsigned)((la + n) & 0xfff);
        if (chunk > max - n)
            chunk = max - n;
        TcgCpu *t = tcg_cpu(cpu);
        const TLBEntry *e = tlb_entry(t, t->user, la + n);
        if (e->host) {
            memcpy(buf + n, e->host + ((la + n) & 0xfff), chunk);
        } else if (cpu->machine) {
            big_lock();
            as_read(&cpu->machine->mem, p, buf + n, chunk);
            big_unlock();
        } else {
            break;
        }
        n += chunk;
    }
    return n;
}
