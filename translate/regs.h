/* Guest register access by IR register number (get_reg/set_reg), shared
 * by the interpreter and the helpers. */
#ifndef KEMU_TRANSLATE_REGS_H
#define KEMU_TRANSLATE_REGS_H

#include "cpu/cpu.h"
#include "translate/ir.h"

static inline uint64_t reg_read(const CPUX86State *env, unsigned aux, unsigned w)
{
    if (aux & IR_HIGH8)
        return (env->regs[aux & 3] >> 8) & 0xff;
    uint64_t v = env->regs[aux & 15];
    return w >= 8 ? v : v & ((1ULL << (8 * w)) - 1);
}

static inline void reg_write(CPUX86State *env, unsigned aux, unsigned w, uint64_t v)
{
    uint64_t *r;
    if (aux & IR_HIGH8) {
        r = &env->regs[aux & 3];
        *r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
        return;
    }
    r = &env->regs[aux & 15];
    switch (w) {
    case 1: *r = (*r & ~0xffULL) | (v & 0xff); break;
    case 2: *r = (*r & ~0xffffULL) | (v & 0xffff); break;
    case 4: *r = (uint32_t)v; break;
    default: *r = v; break;
    }
}

#endif
