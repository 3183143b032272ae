/* Unit tests of the KVM accelerator without a board: a machine with a bit
 * of RAM, an MMIO region and a port region runs a hand-assembled real-mode
 * loop, which proves I/O and MMIO exits reach the bus, memory slots follow
 * mapping changes, CPUID comes from the -cpu model and registers survive a
 * round trip.  Skipped where /dev/kvm cannot be used. */
#include "tests/unit/unit.h"
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/core/machine.h"

#include <stdatomic.h>
#include <time.h>

static Machine machine;
static MemoryRegion ram, mmio, ports, overlay;
static _Atomic uint32_t port_val[8];
static _Atomic uint32_t port_writes[8];

/* At 0000:1000, forever: CPUID leaf 0x80000002 and out AL (the brand
 * string's first letter) to 0x83; out the MMIO byte at 0x3000 to 0x82 and
 * the RAM byte at 0x2000 to 0x81. */
static const uint8_t guest_code[] = {
    0x66, 0xb8, 0x02, 0x00, 0x00, 0x80, /* mov eax, 0x80000002 */
    0x0f, 0xa2,             /* cpuid */
    0xe6, 0x83,             /* out 0x83, al */
    0xa0, 0x00, 0x30,       /* mov al, [0x3000] */
    0xe6, 0x82,             /* out 0x82, al */
    0xa0, 0x00, 0x20,       /* mov al, [0x2000] */
    0xe6, 0x81,             /* out 0x81, al */
    0xeb, 0xea,             /* jmp back to the start (-22) */
};

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
    return port_val[off & 7];
}

static void port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    atomic_store(&port_val[off & 7], (uint32_t)val);
    atomic_fetch_add(&port_writes[off & 7], 1);
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    return 0x5a;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps port_ops = { port_read, port_write, 1, 1 };
static const MemoryRegionOps mmio_ops = { mmio_read, mmio_write, 1, 4 };

/* Wait (bounded) until port 0x80+p has been written with val. */
static bool wait_port(int p, uint32_t val)
{
    struct timespec ts = { 0, 1000000 };
    for (int i = 0; i < 20000; i++) {
        uint32_t before = atomic_load(&port_writes[p]);
        if (atomic_load(&port_val[p]) == val && before > 0) {
            /* and again after a fresh write, to see the current state */
            while (atomic_load(&port_writes[p]) == before && i++ < 20000)
                nanosleep(&ts, NULL);
            if (atomic_load(&port_val[p]) == val)
                return true;
        }
        nanosleep(&ts, NULL);
    }
    return false;
}

static CPUState *setup(const char *cpu_model)
{
    const AccelOps *kvm = accel_find("kvm");
    const char *why;
    REQUIRE(kvm && kvm->available, "the KVM accelerator is not built");
    if (!kvm->available(&why))
        SKIP(why);
    as_init(&machine.mem, "memory", 1ULL << 32);
    as_init(&machine.io, "io", 0x10000);
    mr_init_ram(&ram, "ram", 0x10000);
    mr_init_io(&mmio, "mmio", 0x1000, &mmio_ops, NULL);
    mr_init_io(&ports, "ports", 8, &port_ops, NULL);
    as_map(&machine.mem, &ram, 0, 0);
    as_map(&machine.mem, &mmio, 0x3000, 1);
    as_map(&machine.io, &ports, 0x80, 0);
    memcpy(ram.host + 0x1000, guest_code, sizeof(guest_code));
    ram.host[0x2000] = 0x11;
    if (kvm->init(&machine) < 0)
        SKIP("the VM could not be created here");
    const struct CPUModel *model;
    uint32_t feat[8] = { 0 };
    CHECK_EQ(cpu_model_parse(cpu_model, true, &model, feat), 0);
    CPUState *cpu = cpu_create(&machine, 0, model, feat);
    machine.cpus[0] = cpu;
    machine.ncpus = 1;
    machine.accel = kvm;
    CHECK_EQ(kvm->vcpu_init(cpu), 0);
    cpu->env.seg[SEG_CS].sel = 0;
    cpu->env.seg[SEG_CS].base = 0;
    cpu->env.rip = 0x1000;
    kvm->sync_state(cpu, false);
    return cpu;
}

TEST(kvm, io_mmio_and_cpuid_exits)
{
    CPUState *cpu = setup("qemu64");
    CHECK(machine.kernel_irqchip);
    machine.accel->start(&machine);
    CHECK(wait_port(3, 'Q'));           /* "QEMU Virtual CPU..." from the model */
    CHECK(wait_port(2, 0x5a));          /* MMIO read reached the region */
    CHECK(wait_port(1, 0x11));          /* RAM through a memory slot */
    (void)cpu;
}

TEST(kvm, brand_from_model)
{
    setup("Haswell");
    machine.accel->start(&machine);
    CHECK(wait_port(3, 'I'));           /* "Intel Core Processor (Haswell)" */
}

TEST(kvm, memory_slots_follow_mapping)
{
    setup("qemu64");
    machine.accel->start(&machine);
    CHECK(wait_port(1, 0x11));
    mr_init_ram(&overlay, "overlay", 0x1000);
    overlay.host[0] = 0x22;
    as_map(&machine.mem, &overlay, 0x2000, 2);
    CHECK(wait_port(1, 0x22));          /* the new slot is seen */
    as_unmap(&machine.mem, &overlay);
    CHECK(wait_port(1, 0x11));          /* and the old RAM again */
}

TEST(kvm, registers_round_trip)
{
    CPUState *cpu = setup("qemu64");
    cpu->env.regs[R_EBX] = 0x1122334455667788ULL;
    cpu->env.regs[R_R13] = 0xdeadbeefULL;
    cpu->env.star = 0x0023001000000000ULL;
    cpu->env.sysenter_eip = 0xc0ffee;
    cpu->env.lstar = 0xffffffff81000000ULL;
    cpu->env.fpu.fcw = 0x027f;
    cpu->env.xmm[3].q[1] = 0xabcdef0123456789ULL;
    cpu->env.mxcsr = 0x1f80 | 0x6000;   /* rounding toward zero */
    cpu->env.seg[SEG_DS].sel = 0x1234;
    cpu->env.seg[SEG_DS].base = 0x12340;
    machine.accel->sync_state(cpu, false);
    memset(&cpu->env.regs, 0, sizeof(cpu->env.regs));
    cpu->env.star = cpu->env.sysenter_eip = cpu->env.lstar = 0;
    cpu->env.fpu.fcw = 0;
    cpu->env.xmm[3].q[1] = 0;
    cpu->env.mxcsr = 0;
    cpu->env.seg[SEG_DS].sel = 0;
    machine.accel->sync_state(cpu, true);
    CHECK_EQ(cpu->env.regs[R_EBX], 0x1122334455667788ULL);
    CHECK_EQ(cpu->env.regs[R_R13], 0xdeadbeefULL);
    CHECK_EQ(cpu->env.star, 0x0023001000000000ULL);
    CHECK_EQ(cpu->env.sysenter_eip, 0xc0ffee);
    CHECK_EQ(cpu->env.lstar, 0xffffffff81000000ULL);
    CHECK_EQ(cpu->env.fpu.fcw, 0x027f);
    CHECK_EQ(cpu->env.xmm[3].q[1], 0xabcdef0123456789ULL);
    /* The software-only KVM some hosts have drops MXCSR in KVM_SET_FPU;
     * hardware-assisted KVM keeps it. */
    if (machine.accel->hw_assisted())
        CHECK_EQ(cpu->env.mxcsr, 0x7f80);
    CHECK_EQ(cpu->env.seg[SEG_DS].sel, 0x1234);
    CHECK_EQ(cpu->env.seg[SEG_DS].base, 0x12340);
    CHECK_EQ(cpu->env.seg[SEG_CS].attr & (SEGATTR_P | SEGATTR_S), SEGATTR_P | SEGATTR_S);
    CHECK_EQ(cpu->env.rip, 0x1000);
}

/* The monitor reads registers while the vCPU runs: the kick brings it out
 * of KVM_RUN and the state is the loop's. */
TEST(kvm, sync_while_running)
{
    CPUState *cpu = setup("qemu64");
    machine.accel->start(&machine);
    CHECK(wait_port(1, 0x11));
    for (int i = 0; i < 50; i++) {
        machine.accel->sync_state(cpu, true);
        CHECK(cpu->env.rip >= 0x1000 && cpu->env.rip < 0x1000 + sizeof(guest_code));
    }
    cpu->stopped = true;
    machine.accel->kick(cpu);
    machine.accel->sync_state(cpu, true);
    uint64_t rip = cpu->env.rip;
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
    machine.accel->sync_state(cpu, true);
    CHECK_EQ(cpu->env.rip, rip);        /* stopped means stopped */
}
