/* Dead guest-register stores: a set_reg whose value no one can see before
 * a later full-width set_reg of the same register replaces it is dropped.
 *
 * With get_reg forwarded from temps (opt.c), a register written several
 * times between two points where guest state must be exact is then
 * stored once: its value stays in its temp (a host register under the
 * native backend's linear scan) and reaches CPUX86State only when
 * something may look.  The register file is visible to a get_reg of it
 * (a merge into it too), to a helper that reads or writes registers or may
 * fault, to a fault of a guest access (its handler sees all of them), to
 * an exit check at an instruction boundary and past any control flow
 * (branches, labels, block exits).  Ops not known to be blind to it are
 * taken as seeing it. */
#include "translate/opt-dead-regs.h"

#include <string.h>

/* Ops that neither read guest registers nor can end the block early. */
static bool blind_to_regs(const IROp *op)
{
    switch (op->opc) {
    case IR_NOP: case IR_MOVI: case IR_MOV: case IR_ADD: case IR_SUB: case IR_AND:
    case IR_OR: case IR_XOR: case IR_MUL: case IR_SHL: case IR_SHR: case IR_SAR:
    case IR_ROTL: case IR_ROTR: case IR_NEG: case IR_NOT: case IR_SEXT:
    case IR_SETCOND: case IR_MULH: case IR_DIVU: case IR_REMU:
    case IR_CTZ: case IR_CLZ: case IR_POPCNT: case IR_BSWAP: case IR_LD_ENV: case IR_ST_ENV: case IR_SET_CC: case IR_COND:
        return true;
    case IR_INSN_START:
        return op->aux == 0;        /* no exit check here */
    case IR_CALL:
        return (op->aux & (IR_CALL_READS_REGS | IR_CALL_WRITES_REGS |
                           IR_CALL_MAY_FAULT | IR_CALL_SYSTEM)) == 0;
    default:
        return false;
    }
}

/* The register a get_reg/set_reg names (AH..BH are in RAX..RBX). */
static unsigned reg_of(const IROp *op)
{
    return (op->aux & IR_HIGH8) ? (op->aux & 3) : (op->aux & 15);
}

void opt_dead_regs(IROp *ops, unsigned n)
{
    bool replaced[16];      /* a later full write comes before any reader */
    memset(replaced, 0, sizeof(replaced));
    for (unsigned i = n; i-- > 0;) {
        IROp *op = &ops[i];
        if (op->opc == IR_SET_REG) {
            unsigned r = reg_of(op);
            if (replaced[r])
                op->opc = IR_NOP;
            else
                replaced[r] = !(op->aux & IR_HIGH8) && op->w >= 4;
        } else if (op->opc == IR_GET_REG) {
            replaced[reg_of(op)] = false;
        } else if (!blind_to_regs(op)) {
            memset(replaced, 0, sizeof(replaced));
        }
    }
}
