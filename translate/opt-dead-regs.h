/* translate/opt-dead-regs.c: drop guest-register stores that a later
 * store replaces before anything can see them (part of ir_optimize). */
#ifndef KEMU_TRANSLATE_OPT_DEAD_REGS_H
#define KEMU_TRANSLATE_OPT_DEAD_REGS_H

#include "translate/ir.h"

void opt_dead_regs(IROp *ops, unsigned n);

#endif
