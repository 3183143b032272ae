/* Limit and access-rights checks of data accesses through a segment
 * outside 64-bit mode (SDM vol. 3 5.3-5.5), for every engine and for
 * cpu/ code that addresses memory through a segment register. */
#include "cpu/sys.h"

#include "cpu/excp.h"

/* Rights of a data access through a segment in protected mode (SDM
 * 5.4-5.5): a null or unusable segment, a write to a read-only data or any
 * code segment and a read from an execute-only one fault.  Real and
 * virtual-8086 mode check only the limit. */
static bool seg_rights_ok(const SegReg *s, bool write)
{
    unsigned t = SEGATTR_TYPE(s->attr);
    if (!(s->attr & SEGATTR_P) || !(s->attr & SEGATTR_S))
        return false;
    if (t & 8)
        return !write && (t & 2);
    return !write || (t & 2);
}

/* Segment limit and rights for a data access of size bytes at offset a
 * through seg: expand-up segments allow offsets
 * up to the cached limit, expand-down ones above it up to 0xffff or
 * 0xffffffff by the B bit; an access straddling the limit faults.
 * #SS(0) for SS, #GP(0) otherwise. */
void cpu_seg_check(CPUState *cpu, int seg, uint64_t a, unsigned size, bool write)
{
    CPUX86State *env = &cpu->env;
    const SegReg *s = &env->seg[seg];
    int vec = seg == SEG_SS ? EXC_SS : EXC_GP;
    uint64_t last = a + size - 1;
    if ((env->cr0 & CR0_PE) && !(env->rflags & FL_VM) && !seg_rights_ok(s, write))
        cpu_raise_exception(cpu, EXC_GP, 0);
    if ((s->attr & SEGATTR_S) && (s->attr & 0xc) == 0x4) {
        uint64_t upper = (s->attr & SEGATTR_DB) ? 0xffffffffULL : 0xffff;
        if (a <= s->limit || last > upper)
            cpu_raise_exception(cpu, vec, 0);
    } else if (last > s->limit) {
        cpu_raise_exception(cpu, vec, 0);
    }
}
