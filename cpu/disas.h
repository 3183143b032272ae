/* Disassembly for -d in_asm (capstone when configured). */
#ifndef KEMU_CPU_DISAS_H
#define KEMU_CPU_DISAS_H

#include <stddef.h>
#include <stdint.h>

/* Log the instructions in buf (guest address addr) in `bits`-bit mode
 * (16, 32 or 64) with log_printf, one per line. */
void disas_log(uint64_t addr, const uint8_t *buf, size_t len, int bits);
/* Length of the first instruction per capstone, 0 if it fails to decode
 * or capstone is not built in (the decoder's tests compare with it). */
unsigned disas_insn_len(const uint8_t *buf, size_t len, int bits);

#endif
