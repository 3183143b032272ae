/* Case generation and the allow-list of the differential tester. */
#ifndef KEMU_DIFF_GEN_H
#define KEMU_DIFF_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/diff/diff.h"

uint64_t rng_next(uint64_t *state);
/* Whether the decoder's tables know (map, op); map 0 one-byte, 1 0F, 2 0F38. */
bool gen_opcode_valid(int map, int op);
/* Why (map, op, ModRM.reg) is not generated, or NULL. */
const char *gen_excluded(int map, int op, int reg);
/* Build a random case for (map, op); false if this draw is excluded. */
bool gen_case(int map, int op, uint64_t *state, DiffCase *c);

/* gen-sse.c: the SSE forms (0F map, XMM operands) and their cases. */
unsigned gen_sse_forms(void);
void gen_sse_name(unsigned form, char *buf, size_t n);
void gen_sse_case(unsigned form, uint64_t *state, DiffCase *c);

/* gen-int.c: the integer forms (named sequences) and their cases. */
unsigned gen_int_forms(void);
const char *gen_int_name(unsigned form);
void gen_int_case(unsigned form, uint64_t *state, DiffCase *c);
/* An edge value (0, 1, sign bits, all ones...) or a random one. */
uint64_t gen_edge_value(uint64_t *state);

/* Flags the SDM leaves undefined for this case (AMD and Intel differ there),
 * and whether the destination itself is undefined (e.g. SHLD with a count
 * beyond the operand size). */
uint64_t allow_undefined_flags(const DiffCase *c, bool *dest_undefined);

#endif
