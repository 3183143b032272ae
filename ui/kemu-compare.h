/* kemu-compare: one guest command line under each engine (kemu's TCG
 * backends and KVM, QEMU's TCG and KVM), timed side by side.  Shared by
 * kemu-compare.c (options, main), -engines.c (which engines can run
 * here), -run.c (one timed run) and -report.c (table and SVG chart). */
#ifndef KEMU_UI_KEMU_COMPARE_H
#define KEMU_UI_KEMU_COMPARE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/* The figures of one run; a negative value is "not measured". */
enum {
    M_READY,    /* seconds from the start to the --ready line */
    M_WORK,     /* the guest's own seconds, captured by --work */
    M_WALL,     /* seconds from the start to the exit (or --stop-at) */
    M_CPU,      /* host CPU seconds, user + system, from wait4 */
    M_RSS,      /* peak resident set, MiB, from wait4 */
    M_COUNT
};

enum { STOP_AT_EXIT, STOP_AT_READY, STOP_AT_WORK };

typedef struct CmpOptions {
    const char *kemu, *qemu;        /* binaries (NULL: not found) */
    const char *ready_src, *work_src;
    regex_t ready, work;
    const char *send;               /* typed after the ready line (escapes done) */
    const char *svg, *csv, *baseline, *log_dir;
    int runs;
    double timeout;
    int stop_at;
    int expect_exit;                /* -1: any */
    char **guest;                   /* the guest's arguments, NULL-terminated */
} CmpOptions;

typedef struct CmpRun {
    double m[M_COUNT];
    char why[400];                  /* empty: the run succeeded */
} CmpRun;

typedef struct CmpEngine {
    const char *name;               /* kemu-native, kemu-interp, kemu-kvm, qemu-tcg, qemu-kvm */
    bool is_kemu;
    const char *accel;              /* the -accel value */
    bool selected;
    char skip[300];                 /* why it did not run; empty: it ran */
    int ok, failed;                 /* runs */
    double med[M_COUNT];            /* medians over the successful runs */
    char why[400];                  /* the first failed run's reason */
} CmpEngine;

#define CMP_ENGINES 5
extern CmpEngine cmp_engines[CMP_ENGINES];

CmpEngine *cmp_engine_find(const char *name);
char *cmp_find_program(const char *name, const char *beside);
void cmp_check_engine(const CmpOptions *o, CmpEngine *e);

void cmp_run_once(const CmpOptions *o, const CmpEngine *e, int index, CmpRun *r);

const char *cmp_metric_name(int m);
bool cmp_metric_shown(const CmpOptions *o, int m);
void cmp_print_table(const CmpOptions *o, const CmpEngine *base);
int cmp_write_svg(const CmpOptions *o, const CmpEngine *base, const char *path);
int cmp_write_csv(const CmpOptions *o, const char *path);

#endif
