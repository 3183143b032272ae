/* The machine: the buses, the CPUs and the board's configuration.  A board
 * (hw/pc) fills it in; devices reach the guest only through mem, io and the
 * GSI lines; accelerators only through this struct and the CPU structs. */
#ifndef KEMU_MACHINE_H
#define KEMU_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/core/memory.h"

struct CPUState;
struct AccelOps;

#define MAX_CPUS 255
#define NUM_GSI 24

typedef enum { RUN_STATE_PRELAUNCH, RUN_STATE_RUNNING, RUN_STATE_PAUSED,
               RUN_STATE_SHUTDOWN } RunState;

typedef struct MachineConfig {
    const char *type;          /* "pc" */
    uint64_t ram_size;
    unsigned smp_cpus, smp_max, sockets, dies, cores, threads;
    const char *cpu_model;     /* "qemu64", "host", ... with +feat,-feat */
    const char *name;
    const char *kernel, *initrd, *append, *bios;
    char boot_order[8], boot_once[8];
    bool boot_menu, boot_strict;
    int boot_reboot_timeout;   /* ms, -1 = never */
    const char *boot_splash;   /* -boot splash=FILE (a JPEG/BMP for the firmware) */
    int boot_splash_time;      /* ms, -1 = not given */
    bool no_reboot, no_shutdown;
    bool kernel_irqchip;       /* -machine kernel-irqchip=on/off */
    bool kernel_irqchip_set;
    bool no_pit;               /* -machine pit=off: no i8254 */
    const char *smbios[16];    /* -smbios arguments, parsed by the board */
    unsigned nsmbios;
    uint8_t uuid[16];          /* -uuid, as written (big-endian) */
    bool uuid_set;
} MachineConfig;

typedef struct Machine {
    MachineConfig cfg;
    AddressSpace mem;          /* guest physical memory */
    AddressSpace io;           /* x86 I/O ports, 64 KiB */
    IrqLine gsi[NUM_GSI];      /* board-wired interrupt inputs */
    struct CPUState *cpus[MAX_CPUS];
    unsigned ncpus;
    const struct AccelOps *accel;
    const char *accel_why;     /* why this accelerator was chosen */
    Device *devices;
    RunState state;
    /* Requests raised by devices/monitor, served by the main loop. */
    _Atomic int reset_requested;
    _Atomic int shutdown_requested;
    _Atomic int exit_code;
    void *board;               /* board-private data (hw/pc) */
    /* Board work after devices and CPUs were reset, before accel->reset
     * (hw/pc: the BIOS shadow, -boot once=, a direct kernel boot again).
     * NULL if none. */
    void (*board_reset)(struct Machine *m);
    /* Interrupt controllers live in the accelerator (KVM in-kernel irqchip
     * and PIT): set by accel->init; the board then routes GSIs to
     * accel->set_gsi and creates no userspace PIC/IOAPIC/PIT. */
    bool kernel_irqchip;
    /* For engines that deliver interrupts themselves (TCG): acknowledge the
     * highest-priority pending external interrupt for cpu and return its
     * vector, or -1 if none is pending any more.  Set by the board. */
    int (*irq_ack)(struct Machine *m, struct CPUState *cpu);
    /* Message-signalled interrupts: a bus master's dword write to the
     * interrupt address range 0xfee00000-0xfeefffff (addr) with data, as
     * the Intel SDM 10.11 encodes them.  Set by the board (the local APICs,
     * or the accelerator's in-kernel irqchip); NULL drops them. */
    void (*msi)(struct Machine *m, uint64_t addr, uint32_t data);
    /* The A20 gate (port 0x92, i8042): engines mask addresses with it. */
    bool a20;
    /* The x87 error pins of the PC (CR0.NE=0): the CPU drives FERR# on
     * ferr; the chipset's latch (port 0xF0) routes it to IRQ 13 and drives
     * IGNNE#, with which the CPU ignores the pending error. */
    IrqLine ferr;
    _Atomic bool ignne;
    /* PCI bus 0, created by the host bridge (NULL until then). */
    struct PCIBus *pci;
    /* The ISA DMA controller (hw/core/isa-dma.h), NULL until one exists. */
    const struct IsaDmaOps *isa_dma;
    void *isa_dma_ctl;
} Machine;

/* What the machine needs of its CPUs and of the engine running them, which
 * sit in layers above hw/core: registered by accel/ (accel/accel-vcpu.c)
 * before main(). */
typedef struct MachineCpuOps {
    /* Power-on state of cpu, written back to the engine. */
    void (*reset)(Machine *m, struct CPUState *cpu);
    /* After the board's reset work: the engine's own state. */
    void (*reset_engine)(Machine *m);
    /* Pause (stopped) or let run, and make the vCPU see it soon. */
    void (*set_stopped)(Machine *m, struct CPUState *cpu, bool stopped);
    /* Mask addresses with the A20 gate or not, seen soon. */
    void (*set_a20)(Machine *m, struct CPUState *cpu, bool enabled);
} MachineCpuOps;
void machine_register_cpu_ops(const MachineCpuOps *ops);

/* Requests from devices, vCPUs and the monitor (thread-safe). */
void machine_request_reset(Machine *m);
void machine_request_shutdown(Machine *m, int exit_code);
/* Reset every device and CPU (main loop, big lock held). */
void machine_reset(Machine *m);
void machine_pause(Machine *m);
void machine_resume(Machine *m);

/* Find a realized device by class name (first) or by id. */
Device *machine_find_device(Machine *m, const char *cls_name);

/* Drive the A20 gate (i8042 output port, port 0x92): sets m->a20 and every
 * CPU's a20_mask, and kicks the vCPUs so engines see the change. */
void machine_set_a20(Machine *m, bool enabled);

#endif
