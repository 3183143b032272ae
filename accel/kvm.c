/* The KVM accelerator, VM side: opening /dev/kvm, creating the VM with its
 * in-kernel interrupt controllers, turning the RAM/ROM of the guest's
 * address space into memory slots, and driving GSIs.  The vCPU side is in
 * accel/kvm-cpu.c, register transfer in kvm-regs.c, CPUID in kvm-cpuid.c. */
#include "accel/kvm-int.h"
#include "accel/kvm-debug.h"
#include "accel/accel.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_API_VERSION_NEEDED 12
/* Just below the BIOS at 4 GiB, where nothing else is mapped (as QEMU):
 * Intel VMX needs a page for its real-mode identity page table and three
 * for the real-mode TSS. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR 0xfeffd000ULL

KvmState kvm_state = { .fd = -1, .vm_fd = -1 };

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

static char why_buf[160];

/* Open /dev/kvm and check the API version; fd or -1 with *why set. */
static int kvm_open(const char **why)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why_buf, sizeof(why_buf), "Could not access KVM kernel module: %s",
                 strerror(errno));
        *why = why_buf;
        return -1;
    }
    int ver = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (ver != KVM_API_VERSION_NEEDED) {
        snprintf(why_buf, sizeof(why_buf),
                 "/dev/kvm: KVM API version %d is not supported (kemu needs %d)",
                 ver, KVM_API_VERSION_NEEDED);
        *why = why_buf;
        close(fd);
        return -1;
    }
    return fd;
}

static bool kvm_available(const char **why)
{
    const char *dummy;
    int fd = kvm_open(why ? why : &dummy);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Hardware virtualization: the host CPU advertises VT-x or AMD-V.  Without
 * it a /dev/kvm may still exist (a software KVM) but runs guests far
 * slower than hardware does. */
static bool kvm_hw_assisted(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    bool found = false;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5))
            continue;
        for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
            if (!strcmp(tok, "vmx") || !strcmp(tok, "svm"))
                found = true;
        }
    }
    fclose(f);
    return found;
}

static int kvm_check_extension(int cap)
{
    int r = ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

/* ---- memory slots ---------------------------------------------------- */

static int slot_set(int id, const KvmSlot *s)
{
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)id,
        .flags = (s->readonly ? KVM_MEM_READONLY : 0) | (s->log ? KVM_MEM_LOG_DIRTY_PAGES : 0),
        .guest_phys_addr = s->gpa,
        .memory_size = s->used ? s->size : 0,
        .userspace_addr = (uintptr_t)s->host,
    };
    if (kvm_ioctl(kvm_state.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        error_report("kvm: memory slot %d at 0x%llx (+0x%llx): %s", id,
                     (unsigned long long)s->gpa, (unsigned long long)s->size,
                     strerror(errno));
        return -1;
    }
    return 0;
}

/* The slot a flat range of RAM/ROM should have, or false if it gets none
 * (I/O, or not page-aligned: such pieces stay on the MMIO exit path). */
static bool range_slot(const FlatRange *fr, KvmSlot *s)
{
    MemoryRegion *mr = fr->mr;
    if (mr->kind == MR_IO || !mr->host)
        return false;
    uint64_t start = ALIGN_UP(fr->start, 4096), end = ALIGN_DOWN(fr->end, 4096);
    if (start >= end)
        return false;
    *s = (KvmSlot){
        .used = true, .gpa = start, .size = end - start,
        .host = mr->host + fr->off + (start - fr->start),
        .readonly = mr->kind == MR_ROM && kvm_state.readonly_mem,
        .log = mr->dirty != NULL, .mr = mr, .mr_off = fr->off + (start - fr->start),
    };
    return true;
}

static bool slot_same(const KvmSlot *a, const KvmSlot *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->host == b->host &&
           a->readonly == b->readonly && a->log == b->log;
}

static bool slot_wanted(const KvmSlot *s, const FlatView *v)
{
    for (size_t i = 0; v && i < v->n; i++) {
        KvmSlot w;
        if (range_slot(&v->ranges[i], &w) && slot_same(&w, s))
            return true;
    }
    return false;
}

static bool slot_present(const KvmSlot *w)
{
    for (int i = 0; i < KVM_SLOTS_MAX; i++) {
        const KvmSlot *s = &kvm_state.slots[i];
        if (s->used && slot_same(s, w))
            return true;
    }
    return false;
}

static void slot_add(const KvmSlot *w)
{
    for (int i = 0; i < KVM_SLOTS_MAX; i++) {
        if (kvm_state.slots[i].used)
            continue;
        kvm_state.slots[i] = *w;
        if (slot_set(i, w) < 0)
            kvm_state.slots[i].used = false;
        return;
    }
    error_report("kvm: too many memory slots (%d)", KVM_SLOTS_MAX);
}

/* Diff the slots against the new view: drop the ones that changed first
 * (KVM refuses overlapping slots), then add the new ones.  The vCPUs stay
 * out of KVM_RUN meanwhile: one fetching code from RAM whose slot is being
 * replaced would otherwise find no memory there. */
static bool slots_change(const FlatView *new_view)
{
    for (int i = 0; i < KVM_SLOTS_MAX; i++) {
        if (kvm_state.slots[i].used && !slot_wanted(&kvm_state.slots[i], new_view))
            return true;
    }
    for (size_t i = 0; new_view && i < new_view->n; i++) {
        KvmSlot w;
        if (range_slot(&new_view->ranges[i], &w) && !slot_present(&w))
            return true;
    }
    return false;
}

static void kvm_mem_commit(MemoryListener *l, const FlatView *old_view,
                           const FlatView *new_view)
{
    /* Mapping I/O regions (PCI BARs...) leaves the slots alone: the vCPUs
     * need not stop for it. */
    if (!slots_change(new_view))
        return;
    kvm_vcpus_hold(kvm_state.m, true);
    for (int i = 0; i < KVM_SLOTS_MAX; i++) {
        KvmSlot *s = &kvm_state.slots[i];
        if (!s->used || slot_wanted(s, new_view))
            continue;
        s->used = false;
        slot_set(i, s);
    }
    for (size_t i = 0; new_view && i < new_view->n; i++) {
        KvmSlot w;
        if (range_slot(&new_view->ranges[i], &w) && !slot_present(&w))
            slot_add(&w);
    }
    kvm_vcpus_hold(kvm_state.m, false);
}

/* The kernel logs writes to the pages of slots with the log flag (it
 * write-protects them again as it hands the log over): fetch it into the
 * region's own log. */
static void slot_log_sync(const KvmSlot *s, int id)
{
    uint64_t pages = s->size >> 12;
    uint64_t *bits = xzalloc((size_t)(pages + 63) / 64 * sizeof(uint64_t));
    struct kvm_dirty_log d = { .slot = (uint32_t)id, .dirty_bitmap = bits };
    if (kvm_ioctl(kvm_state.vm_fd, KVM_GET_DIRTY_LOG, &d) < 0) {
        mr_dirty_mark(s->mr, s->mr_off, s->size);   /* unknown: all written */
    } else {
        for (uint64_t i = 0; i < pages; i++) {
            if (bits[i / 64] >> (i % 64) & 1)
                mr_dirty_mark(s->mr, s->mr_off + (i << 12), 0x1000);
        }
    }
    free(bits);
}

static void kvm_log_sync(MemoryListener *l, MemoryRegion *mr)
{
    (void)l;
    for (int i = 0; i < KVM_SLOTS_MAX; i++) {
        const KvmSlot *s = &kvm_state.slots[i];
        if (s->used && s->log && s->mr == mr)
            slot_log_sync(s, i);
    }
}

static MemoryListener kvm_listener = { .commit = kvm_mem_commit, .log_sync = kvm_log_sync };

/* ---- interrupt controllers ------------------------------------------- */

static void route_add(struct kvm_irq_routing *r, uint32_t gsi, uint32_t chip, uint32_t pin)
{
    struct kvm_irq_routing_entry *e = &r->entries[r->nr++];
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

/* The PC's routing: ISA IRQs 0-15 to both PICs (IRQ2 is the cascade), and
 * GSIs 0-23 to the IOAPIC with the timer (ISA IRQ0) on IOAPIC pin 2, as the
 * MADT's interrupt source override says. */
static int kvm_setup_routing(void)
{
    struct kvm_irq_routing *r =
        xzalloc(sizeof(*r) + 48 * sizeof(struct kvm_irq_routing_entry));
    for (uint32_t i = 0; i < 16; i++) {
        if (i != 2)
            route_add(r, i, i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, i & 7);
    }
    for (uint32_t i = 0; i < NUM_GSI; i++) {
        if (i != 2)
            route_add(r, i, KVM_IRQCHIP_IOAPIC, i == 0 ? 2 : i);
    }
    int ret = kvm_ioctl(kvm_state.vm_fd, KVM_SET_GSI_ROUTING, r);
    free(r);
    if (ret < 0)
        error_report("kvm: KVM_SET_GSI_ROUTING: %s", strerror(errno));
    return ret;
}

static int kvm_create_irqchip(Machine *m)
{
    if (kvm_ioctl(kvm_state.vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0) {
        error_report("kvm: cannot create the in-kernel irqchip: %s", strerror(errno));
        return -1;
    }
    if (kvm_check_extension(KVM_CAP_IRQ_ROUTING) && kvm_setup_routing() < 0)
        return -1;
    /* SPEAKER_DUMMY makes the kernel also serve port 0x61 (channel 2 gate
     * and OUT2, which firmware delay loops poll) with a silent speaker. */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    if (kvm_ioctl(kvm_state.vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        error_report("kvm: cannot create the in-kernel PIT: %s", strerror(errno));
        return -1;
    }
    kvm_state.irqchip = true;
    m->kernel_irqchip = true;
    return 0;
}

static void kvm_set_gsi(Machine *m, int gsi, int level)
{
    struct kvm_irq_level l = { .irq = (uint32_t)gsi, .level = (uint32_t)level };
    if (!kvm_state.irqchip || gsi < 0 || gsi >= NUM_GSI)
        return;
    if (kvm_ioctl(kvm_state.vm_fd, KVM_IRQ_LINE, &l) < 0)
        error_report("kvm: KVM_IRQ_LINE %d: %s", gsi, strerror(errno));
}

/* A message-signalled interrupt straight into the in-kernel irqchip. */
static void kvm_signal_msi(Machine *m, uint64_t addr, uint32_t data)
{
    struct kvm_msi msi = { .address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32),
                           .data = data };
    (void)m;
    if (kvm_state.irqchip && kvm_ioctl(kvm_state.vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
        error_report("kvm: KVM_SIGNAL_MSI 0x%llx: %s", (unsigned long long)addr,
                     strerror(errno));
}

/* ---- VM ---------------------------------------------------------------- */

static int kvm_create_vm(void)
{
    const char *why = NULL;
    kvm_state.fd = kvm_open(&why);
    if (kvm_state.fd < 0) {
        error_report("-accel kvm: %s", why);
        return -1;
    }
    do {
        kvm_state.vm_fd = ioctl(kvm_state.fd, KVM_CREATE_VM, 0);
    } while (kvm_state.vm_fd < 0 && errno == EINTR);
    if (kvm_state.vm_fd < 0) {
        error_report("-accel kvm: KVM_CREATE_VM: %s", strerror(errno));
        return -1;
    }
    if (!kvm_check_extension(KVM_CAP_USER_MEMORY)) {
        error_report("-accel kvm: the kernel lacks KVM_CAP_USER_MEMORY");
        return -1;
    }
    kvm_state.run_size = ioctl(kvm_state.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (kvm_state.run_size < (int)sizeof(struct kvm_run)) {
        error_report("-accel kvm: KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -1;
    }
    kvm_state.readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM);
    kvm_state.immediate_exit = kvm_check_extension(KVM_CAP_IMMEDIATE_EXIT);
    kvm_state.xcrs = kvm_check_extension(KVM_CAP_XCRS);
    return 0;
}

static int kvm_load_msr_list(void)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    ioctl(kvm_state.fd, KVM_GET_MSR_INDEX_LIST, &probe);   /* E2BIG, sets nmsrs */
    struct kvm_msr_list *l = xzalloc(sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
    l->nmsrs = probe.nmsrs;
    if (ioctl(kvm_state.fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
        error_report("-accel kvm: KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
        free(l);
        return -1;
    }
    kvm_state.nmsrs = l->nmsrs;
    kvm_state.msr_list = xmalloc(l->nmsrs * sizeof(uint32_t) + 1);
    memcpy(kvm_state.msr_list, l->indices, l->nmsrs * sizeof(uint32_t));
    free(l);
    return 0;
}

static int kvm_init(Machine *m)
{
    kvm_state.m = m;
    if (kvm_create_vm() < 0 || kvm_load_msr_list() < 0 || kvm_cpuid_load_supported() < 0)
        return -1;
    uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
    if (kvm_check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
        kvm_ioctl(kvm_state.vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
        error_report("-accel kvm: KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
        return -1;
    }
    if (kvm_check_extension(KVM_CAP_SET_TSS_ADDR) &&
        ioctl(kvm_state.vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
        error_report("-accel kvm: KVM_SET_TSS_ADDR: %s", strerror(errno));
        return -1;
    }
    bool want_irqchip = !m->cfg.kernel_irqchip_set || m->cfg.kernel_irqchip;
    if (want_irqchip && kvm_create_irqchip(m) < 0)
        return -1;
    kvm_signal_init();
    as_add_listener(&m->mem, &kvm_listener);
    return 0;
}

static int kvm_vcpu_init(CPUState *cpu)
{
    return kvm_vcpu_create(cpu);
}

static void kvm_start(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        kvm_vcpu_start(m->cpus[i]);
}

static void sync_one(CPUState *cpu, void *opaque)
{
    bool to_env = *(bool *)opaque;
    KvmVcpu *v = cpu->accel;
    if (to_env) {
        kvm_regs_get(cpu);
    } else {
        kvm_regs_put(cpu);
        atomic_store(&v->wait_reset, false);
    }
}

static void kvm_sync_state(CPUState *cpu, bool to_env)
{
    if (cpu->accel)
        kvm_vcpu_exclusive(cpu, sync_one, &to_env);
}

static void reset_one(CPUState *cpu, void *opaque)
{
    KvmVcpu *v = cpu->accel;
    kvm_regs_reset(cpu);
    atomic_store(&v->wait_sipi, !kvm_state.irqchip && cpu->index != 0);
    atomic_store(&v->wait_reset, false);
}

/* The in-kernel PIT as hw/timer/i8254.c resets it: each channel in mode 3
 * with count 65536, lobyte/hibyte access, gate high but for channel 2's
 * (port 0x61 bit 0), the speaker data bit off; load time kept. */
static void kvm_reset_pit(void)
{
    struct kvm_pit_state2 pit;
    if (kvm_ioctl(kvm_state.vm_fd, KVM_GET_PIT2, &pit) < 0)
        return;
    for (int i = 0; i < 3; i++) {
        struct kvm_pit_channel_state *c = &pit.channels[i];
        int64_t loaded = c->count_load_time;
        memset(c, 0, sizeof(*c));
        c->count = 0x10000;
        c->rw_mode = c->read_state = c->write_state = 3;   /* lobyte, hibyte */
        c->mode = 3;
        c->gate = i != 2;
        c->count_load_time = loaded;
    }
    pit.flags &= ~(uint32_t)KVM_PIT_FLAGS_SPEAKER_DATA_ON;
    if (kvm_ioctl(kvm_state.vm_fd, KVM_SET_PIT2, &pit) < 0)
        error_report("kvm: resetting the PIT: %s", strerror(errno));
}

/* The in-kernel PICs and IOAPIC back to their power-on state: nothing
 * pending or in service, every IOAPIC pin masked (the kernel keeps the
 * ELCR masks and the IOAPIC's address); the PIT as above. */
static void kvm_reset_irqchip(void)
{
    for (uint32_t id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_IOAPIC; id++) {
        struct kvm_irqchip chip = { .chip_id = id };
        if (kvm_ioctl(kvm_state.vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
            continue;
        if (id == KVM_IRQCHIP_IOAPIC) {
            uint64_t base = chip.chip.ioapic.base_address;
            memset(&chip.chip.ioapic, 0, sizeof(chip.chip.ioapic));
            chip.chip.ioapic.base_address = base;
            for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
                chip.chip.ioapic.redirtbl[i].fields.mask = 1;
        } else {
            uint8_t elcr_mask = chip.chip.pic.elcr_mask;
            memset(&chip.chip.pic, 0, sizeof(chip.chip.pic));
            chip.chip.pic.elcr_mask = elcr_mask;
        }
        if (kvm_ioctl(kvm_state.vm_fd, KVM_SET_IRQCHIP, &chip) < 0)
            error_report("kvm: resetting irqchip %u: %s", id, strerror(errno));
    }
    kvm_reset_pit();
}

static void kvm_reset(Machine *m)
{
    if (kvm_state.irqchip)
        kvm_reset_irqchip();
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i]->accel)
            kvm_vcpu_exclusive(m->cpus[i], reset_one, NULL);
    }
}

static void kvm_shutdown(Machine *m)
{
    atomic_store(&kvm_state.quitting, true);
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i]->accel)
            kvm_vcpu_kick(m->cpus[i]);
    }
}

static void kvm_info(Machine *m, char *buf, size_t len)
{
    int used = 0;
    for (int i = 0; i < KVM_SLOTS_MAX; i++)
        used += kvm_state.slots[i].used;
    snprintf(buf, len,
             "hardware assistance: %s\n"
             "kernel irqchip: %s\n"
             "memory slots: %d\n",
             kvm_hw_assisted() ? "yes (vmx/svm)" : "no (software KVM, no vmx/svm flag)",
             kvm_state.irqchip ? "on (in-kernel PIC, IOAPIC, LAPIC and PIT)" : "off",
             used);
}

static AccelOps kvm_ops = {
    .name = "kvm",
    .desc = "Kernel-based Virtual Machine (/dev/kvm)",
    .host_cpu = true,
    .available = kvm_available,
    .hw_assisted = kvm_hw_assisted,
    .init = kvm_init,
    .vcpu_init = kvm_vcpu_init,
    .start = kvm_start,
    .kick = kvm_vcpu_kick,
    .sync_state = kvm_sync_state,
    .set_gsi = kvm_set_gsi,
    .signal_msi = kvm_signal_msi,
    .shutdown = kvm_shutdown,
    .reset = kvm_reset,
    .info = kvm_info,
    .set_breakpoint = kvm_set_breakpoint,
    .remove_all_breakpoints = kvm_remove_all_breakpoints,
    .set_singlestep = kvm_set_singlestep,
    .wait_stopped = kvm_wait_stopped,
};
ACCEL_REGISTER(kvm_ops)
