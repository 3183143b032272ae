/* Guest virtual memory for the debugger: each page is translated through
 * the CPU's current page tables as a supervisor read (the walk sets the
 * accessed bits as a CPU access would) and accessed physically.  Writes
 * ignore page protection, as a debugger's do, and reach ROM too; the
 * engine is told (TCG drops translated code). */
#include "cpu/sys.h"
#include "ui/gdbstub-int.h"

#include <string.h>

#include "accel/accel.h"
#include "cpu/mmu.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"

#define PAGE 4096u

typedef bool (*PageFn)(CPUState *cpu, uint64_t pa, uint8_t *buf, size_t n);

static bool read_phys(CPUState *cpu, uint64_t pa, uint8_t *buf, size_t n)
{
    return as_read(&cpu->machine->mem, pa, buf, n);
}

static bool write_phys(CPUState *cpu, uint64_t pa, uint8_t *buf, size_t n)
{
    AddressSpace *as = &cpu->machine->mem;
    uint8_t *host = as_ram_ptr(as, pa, n, false);
    if (host)
        memcpy(host, buf, n);
    else if (!as_write(as, pa, buf, n))
        return false;
    const AccelOps *accel = cpu->machine->accel;
    if (accel && accel->memory_written)
        accel->memory_written(cpu->machine);
    return true;
}

/* In long mode, bits 63:47 of an address must be equal (no LA57). */
static bool canonical(const CPUState *cpu, uint64_t la)
{
    if (!(cpu->env.efer & EFER_LMA))
        return true;
    return cpu_canonical(la);
}

/* Split [la, la+len) at page boundaries and apply fn to each piece. */
static bool for_each_page(CPUState *cpu, uint64_t la, uint8_t *buf, size_t len, PageFn fn)
{
    if (!cpu->machine)
        return false;
    while (len) {
        size_t n = PAGE - (la & (PAGE - 1));
        if (n > len)
            n = len;
        MMUResult r;
        uint32_t err;
        if (!canonical(cpu, la) || !mmu_translate(cpu, la, MMU_READ, false, &r, &err))
            return false;
        if (!fn(cpu, r.pa, buf, n))
            return false;
        la += n;
        buf += n;
        len -= n;
    }
    return true;
}

bool gdb_read_mem(CPUState *cpu, uint64_t la, uint8_t *buf, size_t len)
{
    return for_each_page(cpu, la, buf, len, read_phys);
}

bool gdb_write_mem(CPUState *cpu, uint64_t la, const uint8_t *buf, size_t len)
{
    uint8_t tmp[GDB_PACKET_MAX];
    if (len > sizeof(tmp))
        return false;
    memcpy(tmp, buf, len);
    return for_each_page(cpu, la, tmp, len, write_phys);
}
