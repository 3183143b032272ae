/* The one tracing facility: -d ITEM,... selects what is logged, -D FILE
 * where (default stderr).  Items follow QEMU's names. */
#ifndef KEMU_LOG_H
#define KEMU_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum {
    LOG_IN_ASM = 1 << 0,  /* guest code of each new translation block */
    LOG_OP     = 1 << 1,  /* IR of each block */
    LOG_INT    = 1 << 2,  /* interrupts and exceptions */
    LOG_EXEC   = 1 << 3,  /* each block executed */
    LOG_CPU    = 1 << 4,  /* CPU state before each block */
    LOG_GUEST_ERROR = 1 << 5, /* the guest did something wrong */
    LOG_UNIMP  = 1 << 6,  /* the guest used something kemu lacks */
    LOG_ACCEL  = 1 << 7,  /* accelerator choice and events */
    LOG_OUT_ASM = 1 << 8, /* host code of each block (native TCG backend) */
};

extern unsigned log_mask;
static inline bool log_enabled(unsigned mask) { return (log_mask & mask) != 0; }
/* Parse "-d" items; returns 0 or -1 after error_report (naming the item).
 * "help" lists items and returns 1. */
int log_parse_items(const char *items);
/* -D FILE. Returns 0 or -1 after error_report. */
int log_set_file(const char *path);
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
FILE *log_file(void);
/* Around a record of several log_printf calls (a register dump, a block's
 * disassembly): vCPU threads that log at once do not interleave inside
 * it.  Nests; each log_printf alone is whole already. */
void log_lock(void);
void log_unlock(void);

#endif
