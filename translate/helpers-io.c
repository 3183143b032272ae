/* IN and OUT: the permission check in cpu/, then the port access on the
 * machine's I/O address space under the machine lock; an I/O breakpoint
 * of DR7 it matches traps after the instruction (SDM 17.3.1.2; the block
 * ends after port I/O, so the loop raises it with rip past the IN/OUT). */
#include "translate/helpers.h"

#include "translate/dr.h"

#include "cpu/sys.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"

HELPER(helper_in)
{
    unsigned size = (unsigned)imm;
    cpu_check_io(cpu, (uint16_t)a, size);
    big_lock();
    uint64_t v = as_ld(&cpu->machine->io, a & 0xffff, size);
    big_unlock();
    if (cpu->env.dr[7] & 0xff)
        tcg_dr_io_access(cpu, (uint16_t)a, size);
    return v;
}

HELPER(helper_out)
{
    unsigned size = (unsigned)imm;
    cpu_check_io(cpu, (uint16_t)a, size);
    big_lock();
    as_st(&cpu->machine->io, a & 0xffff, b, size);
    big_unlock();
    if (cpu->env.dr[7] & 0xff)
        tcg_dr_io_access(cpu, (uint16_t)a, size);
    return 0;
}
