/* Choice of the engine that runs translation blocks, and the native
 * backend's entry points.
 *
 * The IR is the one description of guest semantics.  The interpreter
 * (translate/interp.c) runs it anywhere; on x86-64 hosts the native
 * backend (translate/backend-x86_64.c) turns each block's optimized IR into
 * host code once and runs that.  A block holding an op the backend cannot
 * compile keeps tb->code NULL and runs on the interpreter (counted, and
 * logged with -d out_asm), so correctness never depends on the backend's
 * coverage.  Built with ./configure --disable-jit (or on other hosts),
 * translate/backend-x86_64-stub.c provides the interpreter-only
 * versions. */
#ifndef KEMU_TRANSLATE_BACKEND_NATIVE_H
#define KEMU_TRANSLATE_BACKEND_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct TB;

typedef enum { TCG_BACKEND_INTERP, TCG_BACKEND_NATIVE } TcgBackend;

/* -accel tcg,backend=NAME ("interp" or "native"): 0, or -1 with *why when
 * the name is unknown or that backend is not available here.  Without a
 * choice, the environment variable KEMU_TCG_BACKEND names the default, else
 * the native backend is used where it is built in and works. */
int tcg_backend_select(const char *name, const char **why);
TcgBackend tcg_backend(void);
const char *tcg_backend_name(void);

/* Compile tb's optimized IR (tb->ops, before interp_prepare) into host
 * code: sets tb->code, or leaves it NULL when the block must run on the
 * interpreter.  Returns false only when the code cache is full: the
 * caller flushes every TB (native_flush) and translates again. */
bool native_compile(struct TB *tb);
/* Run the compiled block *tb and up to max - 1 blocks it is chained to
 * (see native_link).  Returns what interp_exec would for the last block
 * run, which goes to *tb; *ran = the number of blocks run. */
int native_exec(CPUState *cpu, struct TB **tb, unsigned max, unsigned *ran);
/* The loop found `to` after `from` left through goto_tb slot `slot`
 * (tb_chain): patch that exit into a direct jump when nothing the loop
 * does between blocks can matter (same page, same mode flags, no
 * single-step, debug or per-block logging).  At run time a chained jump
 * is still only taken while no interrupt or exit is requested, outside
 * an interrupt shadow, within the slice's block budget, and into a block
 * that is still valid, so invalidation needs no unpatching. */
void native_link(struct TB *from, unsigned slot, struct TB *to);
/* Forget all compiled code (with tb_flush_all). */
void native_flush(void);

/* Profiling: with KEMU_PERFMAP=1 in the environment, each compiled block
 * is named tb_<guest linear address> in /tmp/perf-<pid>.map, the file
 * perf reads symbols of generated code from (the code cache is a memfd
 * mapping, so `perf report` shows its samples by offset: match them with
 * `perf script -F ip`). */

/* Counters for -d out_asm, `info jit`-style reports and tests. */
typedef struct NativeStats {
    uint64_t compiled;      /* blocks turned into host code */
    uint64_t fallbacks;     /* blocks left to the interpreter */
    uint64_t code_bytes;    /* host code bytes in the cache now */
} NativeStats;
NativeStats native_stats(void);

#endif
