/* IN and OUT: the permission check in cpu/, then the port access on the
 * machine's I/O address space under the machine lock. */
#include "translate/helpers.h"

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
    return v;
}

HELPER(helper_out)
{
    unsigned size = (unsigned)imm;
    cpu_check_io(cpu, (uint16_t)a, size);
    big_lock();
    as_st(&cpu->machine->io, a & 0xffff, b, size);
    big_unlock();
    return 0;
}
