/* The local APIC ("apic"), one per vCPU (Intel SDM vol. 3 ch. 11), in
 * xAPIC mode at 0xfee00000.  All vCPUs share one MMIO page; an access goes
 * to the APIC of the CPU running on the calling thread (current_cpu).
 *
 * The APIC timer counts at 1 GHz divided by the divide configuration (the
 * "bus clock" is the virtual nanosecond), in one-shot, periodic or
 * TSC-deadline mode.  x2APIC mode (IA32_APIC_BASE.EXTD, SDM 11.12) moves
 * the registers to MSRs 800H-8FFH with 32-bit IDs and a 64-bit ICR, and
 * turns the MMIO page off.  Relocating the APIC page is not supported;
 * SMIs and the thermal/performance/CMCI LVTs are stored but
 * never fire. */
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/sys.h"
#include "hw/core/clock.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"

#include <pthread.h>
#include <stdio.h>

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_MASKED   (1u << 16)
#define LVT_LEVEL    (1u << 15)
#define LVT_REMOTE   (1u << 14)
#define TIMER_MODE(l) (((l) >> 17) & 3)
enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_DEADLINE = 2 };
#define SVR_ENABLE   (1u << 8)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)

typedef struct APICState {
    Device dev;
    uint32_t cpu_index;          /* property "cpu" */
    CPUState *cpu;
    pthread_mutex_t lock;
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t initial_count;
    uint32_t divide_conf;
    int64_t count_start;         /* virtual ns when the count was loaded */
    uint64_t tsc_deadline;
    Timer timer;
    int lint_level[2];
    bool extint_msg;             /* an ExtINT message (IOAPIC) awaits INTA */
} APICState;

static MemoryRegion apic_mmio;   /* the shared xAPIC page */

static APICState *apic_of(CPUState *cpu)
{
    return cpu ? (APICState *)cpu->lapic : NULL;
}

void cpu_interrupt(CPUState *cpu, uint32_t bits)
{
    atomic_fetch_or(&cpu->env.interrupt_request, bits);
    if (cpu->machine && cpu->machine->accel && cpu->machine->accel->kick)
        cpu->machine->accel->kick(cpu);
}

/* ---- priority and vectors (callers hold s->lock) ---- */

static int highest_bit(const uint32_t *bits)
{
    for (int i = 7; i >= 0; i--) {
        if (bits[i])
            return i * 32 + 31 - __builtin_clz(bits[i]);
    }
    return -1;
}

static void bit_set(uint32_t *bits, int v) { bits[v >> 5] |= 1u << (v & 31); }
static void bit_clear(uint32_t *bits, int v) { bits[v >> 5] &= ~(1u << (v & 31)); }
static bool bit_test(const uint32_t *bits, int v) { return bits[v >> 5] & (1u << (v & 31)); }

static uint8_t ppr(const APICState *s)
{
    int isrv = highest_bit(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

static bool hw_enabled(const APICState *s)
{
    return (s->cpu->env.apic_base & APIC_BASE_ENABLE) != 0;
}

static bool sw_enabled(const APICState *s)
{
    return hw_enabled(s) && (s->svr & SVR_ENABLE);
}

/* LINT0 passes the 8259's INTR when it is unmasked ExtINT, or when the
 * APIC is globally disabled (the pin is then the CPU's INTR). */
static bool extint_pending(const APICState *s)
{
    if (s->extint_msg)
        return true;
    if (!s->lint_level[0])
        return false;
    uint32_t l = s->lvt[LVT_LINT0];
    if (!hw_enabled(s))
        return true;
    return !(l & LVT_MASKED) && ((l >> 8) & 7) == APIC_DM_EXTINT;
}

static int deliverable_vector(const APICState *s)
{
    if (!sw_enabled(s))
        return -1;
    int v = highest_bit(s->irr);
    if (v < 0 || (v & 0xf0) <= (ppr(s) & 0xf0))
        return -1;
    return v;
}

static void update_request(APICState *s)
{
    if (deliverable_vector(s) >= 0 || extint_pending(s))
        cpu_interrupt(s->cpu, CPU_INTERRUPT_HARD);
    else
        atomic_fetch_and(&s->cpu->env.interrupt_request, ~(uint32_t)CPU_INTERRUPT_HARD);
}

static void accept_fixed(APICState *s, uint8_t vector, bool level);

/* Record an error in ESR and raise the LVT error interrupt if unmasked. */
static void apic_error(APICState *s, uint32_t bit)
{
    s->esr_pending |= bit;
    uint32_t l = s->lvt[LVT_ERROR];
    if (!(l & LVT_MASKED) && (l & 0xff) >= 16)
        accept_fixed(s, l & 0xff, false);
}

static void accept_fixed(APICState *s, uint8_t vector, bool level)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL);
        return;
    }
    bit_set(s->irr, vector);
    if (level)
        bit_set(s->tmr, vector);
    else
        bit_clear(s->tmr, vector);
}

/* ---- the public interrupt interface ---- */

bool apic_has_interrupt(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return false;
    pthread_mutex_lock(&s->lock);
    bool r = deliverable_vector(s) >= 0 || extint_pending(s);
    pthread_mutex_unlock(&s->lock);
    return r;
}

int apic_get_interrupt(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return -1;
    pthread_mutex_lock(&s->lock);
    int v = deliverable_vector(s);
    if (v >= 0) {
        bit_clear(s->irr, v);
        bit_set(s->isr, v);
    } else if (extint_pending(s)) {
        v = APIC_EXTINT;
        s->extint_msg = false;
    }
    update_request(s);
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void apic_init_state(APICState *s);

/* One APIC receives a message (lock not held by the caller). */
static void apic_receive(APICState *s, int mode, uint8_t vector, bool level_trig)
{
    CPUState *cpu = s->cpu;
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        pthread_mutex_lock(&s->lock);
        if (sw_enabled(s))
            accept_fixed(s, vector, level_trig);
        update_request(s);
        pthread_mutex_unlock(&s->lock);
        break;
    case APIC_DM_NMI:
        cpu_interrupt(cpu, CPU_INTERRUPT_NMI);
        break;
    case APIC_DM_INIT:
        pthread_mutex_lock(&s->lock);
        apic_init_state(s);
        pthread_mutex_unlock(&s->lock);
        cpu_interrupt(cpu, CPU_INTERRUPT_INIT);
        break;
    case APIC_DM_SIPI:
        cpu->env.sipi_vector = vector;
        cpu_interrupt(cpu, CPU_INTERRUPT_SIPI);
        break;
    case APIC_DM_EXTINT:
        /* The vector comes from the 8259 (virtual wire through the IOAPIC). */
        pthread_mutex_lock(&s->lock);
        s->extint_msg = true;
        update_request(s);
        pthread_mutex_unlock(&s->lock);
        break;
    default:
        if (log_enabled(LOG_UNIMP))
            log_printf("apic: delivery mode %d not supported\n", mode);
        break;
    }
}

static bool x2apic_mode(const APICState *s)
{
    return (s->cpu->env.apic_base & APIC_BASE_EXTD) != 0;
}

/* dest is 32 bits, 0xffffffff a broadcast (an 8-bit 0xff from an xAPIC
 * source is widened to it).  x2APIC logical IDs are derived from the APIC
 * ID: cluster in bits 31:16, one bit of 16 in bits 15:0 (SDM 11.12.10.2). */
static bool dest_match(APICState *s, uint32_t dest, bool logical)
{
    if (dest == 0xffffffffu)
        return true;
    if (x2apic_mode(s)) {
        if (!logical)
            return dest == s->id;
        return (dest >> 16) == (uint32_t)(s->id >> 4) && (dest & (1u << (s->id & 15)));
    }
    uint8_t d8 = (uint8_t)dest;
    if (!logical)
        return d8 == s->id;
    uint8_t ldr = s->ldr >> 24;
    if ((s->dfr >> 28) == 0xf)         /* flat model */
        return (ldr & d8) != 0;
    /* cluster model: high nibble = cluster, low nibble = member mask */
    return (ldr >> 4) == (d8 >> 4) && (ldr & d8 & 0xf) != 0;
}

static void deliver(Machine *m, uint32_t dest, bool dest_logical, int mode,
                    uint8_t vector, int level, int trigger)
{
    if (mode == APIC_DM_INIT && !level && trigger)
        return;     /* INIT level de-assert: no effect on modern APICs */
    APICState *lowest = NULL;
    for (unsigned i = 0; i < m->ncpus; i++) {
        APICState *s = apic_of(m->cpus[i]);
        if (!s || !hw_enabled(s) || !dest_match(s, dest, dest_logical))
            continue;
        if (mode == APIC_DM_LOWEST) {
            if (!lowest || s->tpr < lowest->tpr)
                lowest = s;
            continue;
        }
        apic_receive(s, mode, vector, trigger != 0);
    }
    if (lowest)
        apic_receive(lowest, mode, vector, trigger != 0);
}

void apic_deliver(Machine *m, uint8_t dest, bool dest_logical, int mode,
                  uint8_t vector, int level, int trigger)
{
    deliver(m, dest == 0xff ? 0xffffffffu : dest, dest_logical, mode, vector, level, trigger);
}

/* ICR low write: send an IPI with the shorthand. */
static void send_ipi(APICState *self)
{
    uint32_t lo = self->icr_lo;
    int mode = (lo >> 8) & 7;
    uint8_t vector = lo & 0xff;
    int shorthand = (lo >> 18) & 3;
    bool level = lo & (1u << 14), trig = lo & (1u << 15);
    Machine *m = self->cpu->machine;
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        pthread_mutex_lock(&self->lock);
        apic_error(self, ESR_SEND_ILLEGAL);
        update_request(self);
        pthread_mutex_unlock(&self->lock);
        return;
    }
    if (shorthand == 0) {
        uint32_t dest = self->icr_hi >> 24;
        if (x2apic_mode(self))
            dest = self->icr_hi;
        else if (dest == 0xff)
            dest = 0xffffffffu;
        deliver(m, dest, lo & (1u << 11), mode, vector, level, trig);
        return;
    }
    if (mode == APIC_DM_INIT && !level && trig)
        return;
    for (unsigned i = 0; i < m->ncpus; i++) {
        APICState *s = apic_of(m->cpus[i]);
        if (!s || (shorthand == 1 && s != self) || (shorthand == 3 && s == self))
            continue;
        apic_receive(s, mode, vector, trig);
    }
}

void apic_lint_irq(void *opaque, int n, int level)
{
    CPUState *cpu = opaque;
    APICState *s = apic_of(cpu);
    if (!s || n < 0 || n > 1)
        return;
    pthread_mutex_lock(&s->lock);
    int old = s->lint_level[n];
    s->lint_level[n] = level != 0;
    uint32_t l = s->lvt[LVT_LINT0 + n];
    int mode = (l >> 8) & 7;
    bool rising = level && !old;
    bool act = !(l & LVT_MASKED) && sw_enabled(s);
    if (act && mode == APIC_DM_FIXED && (rising || (level && (l & LVT_LEVEL))))
        accept_fixed(s, l & 0xff, l & LVT_LEVEL);
    update_request(s);
    pthread_mutex_unlock(&s->lock);
    if (act && mode == APIC_DM_NMI && rising)
        cpu_interrupt(cpu, CPU_INTERRUPT_NMI);
}

/* ---- timer ---- */

static unsigned divide_shift(const APICState *s)
{
    unsigned v = (s->divide_conf & 3) | ((s->divide_conf >> 1) & 4);
    return (v + 1) & 7;   /* 0 -> /2 ... 6 -> /128, 7 -> /1 */
}

static uint32_t current_count(const APICState *s)
{
    if (!s->initial_count || TIMER_MODE(s->lvt[LVT_TIMER]) == TIMER_DEADLINE)
        return 0;
    uint64_t ticks = (uint64_t)(clock_ns() - s->count_start) >> divide_shift(s);
    if (TIMER_MODE(s->lvt[LVT_TIMER]) == TIMER_PERIODIC)
        return s->initial_count - (uint32_t)(ticks % s->initial_count);
    return ticks >= s->initial_count ? 0 : s->initial_count - (uint32_t)ticks;
}

/* Timers belong to the machine lock: every caller of timer_arm holds it
 * (MMIO and device paths do; the MSR entry points take it).
 *
 * `loaded`: the initial count was just written.  A one-shot count then
 * always ends in an interrupt, even when its end is already behind the
 * clock when we get here (a short count, and this thread preempted
 * between loading the count and arming the timer): the timer is armed in
 * the past and fires at once.  Recomputed later (a divide change), a
 * one-shot count that has not fired yet keeps its interrupt the same
 * way; one that fired stays at zero. */
static void timer_arm(APICState *s, bool loaded)
{
    uint32_t lvt = s->lvt[LVT_TIMER];
    if (TIMER_MODE(lvt) == TIMER_DEADLINE) {
        if (!s->tsc_deadline) {
            timer_del(&s->timer);
            return;
        }
        int64_t at = (int64_t)(s->tsc_deadline - s->cpu->env.tsc_offset);
        timer_mod(&s->timer, at > clock_ns() ? at : clock_ns());
        return;
    }
    if (!s->initial_count) {
        timer_del(&s->timer);
        return;
    }
    uint64_t period = (uint64_t)s->initial_count << divide_shift(s);
    uint64_t elapsed = (uint64_t)(clock_ns() - s->count_start);
    uint64_t next;
    if (TIMER_MODE(lvt) == TIMER_PERIODIC)
        next = (elapsed / period + 1) * period;
    else if (loaded || timer_pending(&s->timer))
        next = period;
    else
        return;
    timer_mod(&s->timer, s->count_start + (int64_t)next);
}

static void timer_fire(void *opaque)
{
    APICState *s = opaque;
    pthread_mutex_lock(&s->lock);
    uint32_t lvt = s->lvt[LVT_TIMER];
    if (!(lvt & LVT_MASKED) && sw_enabled(s))
        accept_fixed(s, lvt & 0xff, false);
    if (TIMER_MODE(lvt) == TIMER_DEADLINE)
        s->tsc_deadline = 0;
    else if (TIMER_MODE(lvt) == TIMER_PERIODIC)
        timer_arm(s, false);
    update_request(s);
    pthread_mutex_unlock(&s->lock);
}

/* ---- registers ---- */

static uint32_t reg_read(APICState *s, uint32_t off)
{
    unsigned r = off >> 4;
    switch (r) {
    case 0x02: return (uint32_t)s->id << 24;
    case 0x03: return 0x14 | ((LVT_COUNT - 1) << 16);  /* version, max LVT */
    case 0x08: return s->tpr;
    case 0x09: return 0;                               /* APR */
    case 0x0a: return ppr(s);
    case 0x0d: return s->ldr;
    case 0x0e: return s->dfr;
    case 0x0f: return s->svr;
    case 0x28: return s->esr;
    case 0x30: return s->icr_lo;
    case 0x31: return s->icr_hi;
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        return s->lvt[r - 0x32];
    case 0x38: return s->initial_count;
    case 0x39: return current_count(s);
    case 0x3e: return s->divide_conf;
    default:
        if (r >= 0x10 && r < 0x18)
            return s->isr[r - 0x10];
        if (r >= 0x18 && r < 0x20)
            return s->tmr[r - 0x18];
        if (r >= 0x20 && r < 0x28)
            return s->irr[r - 0x20];
        return 0;
    }
}

/* EOI: retire the highest in-service vector; level-triggered ones are
 * broadcast to the IOAPIC (done by the caller, outside the lock).
 * Returns that vector if it must be broadcast, else -1.  The TMR bit
 * stays: it tells the trigger mode of the vector's last accepted
 * interrupt until another one is accepted (SDM 11.8.4). */
static int do_eoi(APICState *s)
{
    int v = highest_bit(s->isr);
    if (v < 0)
        return -1;
    bit_clear(s->isr, v);
    return bit_test(s->tmr, v) ? v : -1;
}

static void lvt_write(APICState *s, unsigned i, uint32_t val)
{
    static const uint32_t writable[LVT_COUNT] = {
        0x710ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff
    };
    val &= writable[i];
    if (!(s->svr & SVR_ENABLE))
        val |= LVT_MASKED;
    uint32_t old = s->lvt[i];
    s->lvt[i] = (old & (1u << 12 | LVT_REMOTE)) | val;
    if (i == LVT_TIMER && TIMER_MODE(old) != TIMER_MODE(val)) {
        s->initial_count = 0;
        s->tsc_deadline = 0;
        timer_arm(s, false);
    }
}

static void svr_write(APICState *s, uint32_t val)
{
    s->svr = val & 0x11ff;
    if (!(s->svr & SVR_ENABLE)) {
        for (int i = 0; i < LVT_COUNT; i++)
            s->lvt[i] |= LVT_MASKED;
    }
}

/* Returns true if an IPI must be sent (outside the lock). */
static bool reg_write(APICState *s, uint32_t off, uint32_t val, int *eoi_vec)
{
    unsigned r = off >> 4;
    switch (r) {
    case 0x02: s->id = val >> 24; break;
    case 0x08: s->tpr = val & 0xff; s->cpu->env.cr8 = s->tpr >> 4; break;
    case 0x0b: *eoi_vec = do_eoi(s); break;
    case 0x0d: s->ldr = val & 0xff000000u; break;
    case 0x0e: s->dfr = val | 0x0fffffffu; break;
    case 0x0f: svr_write(s, val); break;
    case 0x28: s->esr = s->esr_pending; s->esr_pending = 0; break;
    case 0x30: s->icr_lo = val & ~(1u << 12); return true;
    case 0x31: s->icr_hi = val & 0xff000000u; break;
    case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        lvt_write(s, r - 0x32, val);
        break;
    case 0x38:
        if (TIMER_MODE(s->lvt[LVT_TIMER]) == TIMER_DEADLINE)
            break;
        s->initial_count = val;
        s->count_start = clock_ns();
        timer_arm(s, true);
        break;
    case 0x3e:
        s->divide_conf = val & 0xb;
        timer_arm(s, false);
        break;
    default:
        if (log_enabled(LOG_GUEST_ERROR) && r != 0x39)
            log_printf("apic: write 0x%x to read-only/reserved offset 0x%x\n", val, off);
        break;
    }
    return false;
}

uint32_t apic_reg_read(CPUState *cpu, uint32_t off)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return 0;
    pthread_mutex_lock(&s->lock);
    uint32_t v = reg_read(s, off & 0xff0);
    pthread_mutex_unlock(&s->lock);
    return v;
}

void apic_reg_write(CPUState *cpu, uint32_t off, uint32_t val)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return;
    int eoi = -1;
    pthread_mutex_lock(&s->lock);
    bool ipi = reg_write(s, off & 0xff0, val, &eoi);
    update_request(s);
    pthread_mutex_unlock(&s->lock);
    if (ipi)
        send_ipi(s);
    if (eoi >= 0 && cpu->machine)
        ioapic_eoi_broadcast(cpu->machine, (uint8_t)eoi);
}

static CPUState *mmio_cpu(Machine *m)
{
    if (current_cpu)
        return current_cpu;
    return m->ncpus ? m->cpus[0] : NULL;
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    CPUState *cpu = mmio_cpu(opaque);
    if (!cpu || !apic_of(cpu) || !hw_enabled(apic_of(cpu)) || x2apic_mode(apic_of(cpu)))
        return 0xffffffffu;
    return apic_reg_read(cpu, (uint32_t)off);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    CPUState *cpu = mmio_cpu(opaque);
    if (!cpu || !apic_of(cpu) || !hw_enabled(apic_of(cpu)) || x2apic_mode(apic_of(cpu)))
        return;
    apic_reg_write(cpu, (uint32_t)off, (uint32_t)val);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_access = 4, .max_access = 4,
};

/* ---- x2APIC registers as MSRs (SDM 11.12.1.2) ---- */

enum { X2_READ = 1, X2_WRITE = 2, X2_RW = 3 };

/* Which accesses MSR 800H + r allows: ID, version, PPR, LDR, ISR, TMR,
 * IRR and the current count are read-only; EOI and SELF IPI write-only;
 * APR, DFR, ICR high and the reserved offsets do not exist. */
static int x2_access(unsigned r)
{
    switch (r) {
    case 0x02: case 0x03: case 0x0a: case 0x0d: case 0x39:
        return X2_READ;
    case 0x0b: case 0x3f:
        return X2_WRITE;
    case 0x08: case 0x0f: case 0x28: case 0x30: case 0x38: case 0x3e:
        return X2_RW;
    default:
        if (r >= 0x32 && r <= 0x37)
            return X2_RW;
        return r >= 0x10 && r < 0x28 ? X2_READ : 0;
    }
}

bool apic_msr_read(CPUState *cpu, uint32_t idx, uint64_t *val)
{
    APICState *s = apic_of(cpu);
    unsigned r = idx - 0x800;
    if (!s || !x2apic_mode(s) || r > 0xff || !(x2_access(r) & X2_READ))
        return false;
    pthread_mutex_lock(&s->lock);
    if (r == 0x02)
        *val = s->id;
    else if (r == 0x0d)
        *val = ((uint32_t)(s->id >> 4) << 16) | (1u << (s->id & 15));
    else if (r == 0x30)
        *val = ((uint64_t)s->icr_hi << 32) | s->icr_lo;
    else
        *val = reg_read(s, r << 4);
    pthread_mutex_unlock(&s->lock);
    return true;
}

/* Reserved bits set, or a non-zero EOI/ESR write: #GP (SDM 11.12.1.3). */
static bool x2_write_ok(unsigned r, uint64_t val)
{
    if (r == 0x30)
        return true;                     /* ICR: all 64 bits are the message */
    if (val >> 32)
        return false;
    switch (r) {
    case 0x08: case 0x3f: return val <= 0xff;
    case 0x0b: case 0x28: return val == 0;
    default: return true;
    }
}

bool apic_msr_write(CPUState *cpu, uint32_t idx, uint64_t val)
{
    APICState *s = apic_of(cpu);
    unsigned r = idx - 0x800;
    if (!s || !x2apic_mode(s) || r > 0xff || !(x2_access(r) & X2_WRITE) || !x2_write_ok(r, val))
        return false;
    if (r == 0x3f) {                     /* SELF IPI: fixed, edge, to this APIC */
        big_lock();
        apic_receive(s, APIC_DM_FIXED, (uint8_t)val, false);
        big_unlock();
        return true;
    }
    big_lock();
    if (r == 0x30) {
        pthread_mutex_lock(&s->lock);
        s->icr_hi = (uint32_t)(val >> 32);
        pthread_mutex_unlock(&s->lock);
    }
    apic_reg_write(cpu, r << 4, (uint32_t)val);
    big_unlock();
    return true;
}

/* ---- CPU side ---- */

void apic_set_base(CPUState *cpu, uint64_t val)
{
    APICState *s = apic_of(cpu);
    big_lock();
    pthread_mutex_lock(&s->lock);
    uint64_t old = cpu->env.apic_base;
    /* The page stays at 0xfee00000: relocation is not supported. */
    if ((val & ~0xfffULL) != APIC_DEFAULT_BASE && log_enabled(LOG_UNIMP))
        log_printf("apic: relocation to 0x%llx not supported\n",
                   (unsigned long long)(val & ~0xfffULL));
    cpu->env.apic_base = APIC_DEFAULT_BASE |
                         (val & (APIC_BASE_ENABLE | APIC_BASE_BSP | APIC_BASE_EXTD));
    if ((old & APIC_BASE_ENABLE) && !(val & APIC_BASE_ENABLE)) {
        /* Global disable resets the APIC to its power-on state. */
        apic_init_state(s);
    }
    update_request(s);
    pthread_mutex_unlock(&s->lock);
    big_unlock();
}

uint8_t apic_get_tpr(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s ? s->tpr : (uint8_t)(cpu->env.cr8 << 4);
}

void apic_set_tpr(CPUState *cpu, uint8_t tpr)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->tpr = tpr;
    update_request(s);
    pthread_mutex_unlock(&s->lock);
}

uint64_t apic_get_tsc_deadline(CPUState *cpu)
{
    APICState *s = apic_of(cpu);
    return s ? s->tsc_deadline : 0;
}

void apic_set_tsc_deadline(CPUState *cpu, uint64_t tsc)
{
    APICState *s = apic_of(cpu);
    if (!s)
        return;
    big_lock();
    pthread_mutex_lock(&s->lock);
    if (TIMER_MODE(s->lvt[LVT_TIMER]) == TIMER_DEADLINE) {
        s->tsc_deadline = tsc;
        timer_arm(s, false);
    }
    pthread_mutex_unlock(&s->lock);
    big_unlock();
}

/* ---- device ---- */

/* INIT (and power-on) state, SDM 11.4.7.3; keeps the APIC ID. */
static void apic_init_state(APICState *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    for (int i = 0; i < 8; i++)
        s->isr[i] = s->tmr[i] = s->irr[i] = 0;
    s->extint_msg = false;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_COUNT; i++)
        s->lvt[i] = LVT_MASKED;
    s->initial_count = 0;
    s->divide_conf = 0;
    s->tsc_deadline = 0;
    timer_del(&s->timer);
}

static void apic_reset(Device *dev)
{
    APICState *s = (APICState *)dev;
    pthread_mutex_lock(&s->lock);
    apic_init_state(s);
    s->id = (uint8_t)s->cpu_index;
    /* Firmware leaves the BSP in virtual-wire mode: LINT0 = ExtINT, so the
     * 8259 reaches the CPU before the OS programs the APIC. */
    if (s->cpu_index == 0)
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    s->lvt[LVT_LINT1] = (APIC_DM_NMI << 8) | (s->cpu_index == 0 ? 0 : LVT_MASKED);
    update_request(s);
    pthread_mutex_unlock(&s->lock);
}

static const CpuLapicOps lapic_ops = {
    .set_base = apic_set_base, .get_tpr = apic_get_tpr, .set_tpr = apic_set_tpr,
    .get_tsc_deadline = apic_get_tsc_deadline, .set_tsc_deadline = apic_set_tsc_deadline,
    .msr_read = apic_msr_read, .msr_write = apic_msr_write,
};

static int apic_realize(Device *dev, Machine *m)
{
    APICState *s = (APICState *)dev;
    if (s->cpu_index >= m->ncpus || !m->cpus[s->cpu_index]) {
        error_report("-device apic,cpu=%u: no such CPU", s->cpu_index);
        return -1;
    }
    s->cpu = m->cpus[s->cpu_index];
    if (s->cpu->lapic) {
        error_report("-device apic,cpu=%u: CPU already has a local APIC", s->cpu_index);
        return -1;
    }
    pthread_mutex_init(&s->lock, NULL);
    timer_init(&s->timer, timer_fire, s);
    s->cpu->lapic = s;
    s->cpu->lapic_ops = &lapic_ops;
    if (!apic_mmio.as) {
        mr_init_io(&apic_mmio, "apic", 0x1000, &mmio_ops, m);
        as_map(&m->mem, &apic_mmio, APIC_DEFAULT_BASE, 10);
    }
    apic_reset(dev);
    return 0;
}

static void apic_info(Device *dev, char *buf, size_t len)
{
    APICState *s = (APICState *)dev;
    snprintf(buf, len, "cpu %u id %u svr 0x%x tpr 0x%x timer 0x%x count %u",
             s->cpu_index, s->id, s->svr, s->tpr, s->lvt[LVT_TIMER], s->initial_count);
}

static const Property apic_props[] = {
    DEFINE_PROP("cpu", APICState, cpu_index, PROP_U32, 0),
    PROP_END,
};

static DeviceClass apic_class = {
    .name = "apic",
    .desc = "local APIC (one per CPU, xAPIC at 0xfee00000)",
    .bus = "sys",
    .size = sizeof(APICState),
    .props = apic_props,
    .realize = apic_realize,
    .reset = apic_reset,
    .info = apic_info,
};
DEVICE_REGISTER(apic_class)
