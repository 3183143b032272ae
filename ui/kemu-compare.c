/* kemu-compare: runs one guest command line under each engine (kemu's
 * native TCG backend, its interpreter and KVM; QEMU's TCG and KVM) and
 * prints the time to a ready line, the guest's own workload time, the
 * host CPU time and the peak RSS side by side, as ratios to a baseline,
 * with a bar chart in SVG.  This file: options, the runs, the medians. */
#include "ui/kemu-compare.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
    printf(
"NAME\n"
"    kemu-compare - time one guest under kemu's and QEMU's engines, side by side\n"
"\n"
"SYNOPSIS\n"
"    kemu-compare [OPTION]... [--] GUEST-ARGUMENT...\n"
"\n"
"DESCRIPTION\n"
"    Runs the emulator with -accel ENGINE followed by the GUEST-ARGUMENTs (a\n"
"    QEMU command line without the program name and without -accel), once per\n"
"    engine and run, each run alone, and reads the guest's console on the\n"
"    emulator's standard output (use -nographic, or -serial stdio).  For each\n"
"    engine it prints, as medians over the runs and as ratios to the baseline\n"
"    engine: the time from the start to the first line matching --ready, the\n"
"    seconds the guest measured itself (--work), the time to the exit, the\n"
"    host CPU time (user + system) and the peak resident memory of the\n"
"    emulator (both from wait4).  A bar chart of the same figures is written\n"
"    as an SVG file to open in a browser.  When the host's load average\n"
"    exceeded its CPUs a note says so: wall-clock figures, and the guest's\n"
"    own, then include waiting for a CPU, and the CPU time is the steadier.\n"
"\n"
"ENGINES\n"
"    kemu-native   kemu -accel tcg,backend=native (translated host code)\n"
"    kemu-interp   kemu -accel tcg,backend=interp (the IR interpreter)\n"
"    kemu-kvm      kemu -accel kvm\n"
"    qemu-tcg      qemu-system-x86_64 -accel tcg\n"
"    qemu-kvm      qemu-system-x86_64 -accel kvm\n"
"    An engine that cannot run here is skipped with the reason: a missing\n"
"    emulator or backend, no /dev/kvm, or a KVM without hardware assistance\n"
"    (no vmx/svm flag: such a KVM emulates the CPU itself, so its figures\n"
"    would not be KVM's).\n"
"\n"
"OPTIONS\n"
"    -e, --engines LIST   comma-separated engines to run (default: all)\n"
"    -b, --baseline NAME  engine the ratios are against (default: qemu-tcg\n"
"                         when it ran, else the first engine that ran)\n"
"    -r, --ready REGEX    boot time: the first console line matching REGEX\n"
"                         (POSIX extended; also tried on an unfinished line,\n"
"                         since a shell prompt has no newline)\n"
"    -w, --work REGEX     the guest's workload seconds: REGEX's first group,\n"
"                         e.g. 'in ([0-9.]+) s' (looked for after --ready)\n"
"    -s, --send TEXT      typed on the guest's console after the --ready line\n"
"                         (\\n, \\r, \\t and \\\\ are understood)\n"
"        --stop-at WHAT   end the run at the 'ready' or 'work' line instead of\n"
"                         waiting for the emulator to exit\n"
"        --expect-exit N  a run whose emulator exits with another status failed\n"
"    -n, --runs N         runs per engine, interleaved (default 1)\n"
"    -t, --timeout SECS   per run (default 600); a run that outlives it failed\n"
"    -o, --svg FILE       the chart (default kemu-compare.svg)\n"
"        --no-svg         no chart\n"
"        --csv FILE       the medians as CSV (engine, status, runs, figures, why)\n"
"    -l, --log DIR        keep each run's output as DIR/ENGINE-RUN.log\n"
"        --kemu PATH      kemu binary (default: the one beside kemu-compare,\n"
"                         else on PATH)\n"
"        --qemu PATH      QEMU binary (default: qemu-system-x86_64 on PATH)\n"
"    -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"    0 when every run of every engine that ran succeeded, 1 when a run\n"
"    failed (no --ready or --work line, a timeout, an unexpected exit status)\n"
"    or no engine could run, 2 for a usage error.\n"
"\n"
"EXAMPLE\n"
"    kemu-compare -n 3 -r KEMU-GUEST-READY -s 'cpuwork 20; poweroff -f\\n' \\\n"
"        -w 'checksum [0-9a-f]+ in ([0-9.]+) s' -- -m 512 -smp 2 -nographic \\\n"
"        -kernel vmlinuz -initrd initramfs.gz -append console=ttyS0\n");
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "kemu-compare: %s%s%s\nTry 'kemu-compare --help' for more information.\n",
            what, arg ? ": " : "", arg ? arg : "");
    return 2;
}

/* TEXT with \n, \r, \t and \\ turned into the characters. */
static char *unescape(const char *text)
{
    char *out = malloc(strlen(text) + 1), *p = out;
    for (const char *s = text; *s; s++) {
        if (*s != '\\' || !s[1]) {
            *p++ = *s;
            continue;
        }
        s++;
        *p++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
    }
    *p = 0;
    return out;
}

static int compile(regex_t *rx, const char *src, const char *opt, size_t groups)
{
    char err[200], what[300];
    int rc = regcomp(rx, src, REG_EXTENDED);
    if (rc) {
        regerror(rc, rx, err, sizeof(err));
        snprintf(what, sizeof(what), "%s '%s': %s", opt, src, err);
        return usage_error(what, NULL);
    }
    if (rx->re_nsub < groups) {
        snprintf(what, sizeof(what), "%s '%s' has no group capturing the seconds, "
                 "e.g. 'in ([0-9.]+) s'", opt, src);
        return usage_error(what, NULL);
    }
    return 0;
}

static int select_engines(const char *list)
{
    char *copy = strdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        CmpEngine *e = cmp_engine_find(t);
        if (!e) {
            int rc = usage_error("--engines: unknown engine (kemu-native, kemu-interp, "
                                 "kemu-kvm, qemu-tcg, qemu-kvm)", t);
            free(copy);
            return rc;
        }
        e->selected = true;
    }
    free(copy);
    return 0;
}

/* The guest's command line must leave the accelerator to us. */
static int check_guest(char **guest)
{
    if (!guest[0])
        return usage_error("no guest command line (after the options, or after --)", NULL);
    for (char **a = guest; *a; a++) {
        const char *s = **a == '-' && (*a)[1] == '-' ? *a + 1 : *a;
        if (!strcmp(s, "-accel") || !strcmp(s, "-enable-kvm") || !strcmp(s, "-no-kvm") ||
            (a[1] && (!strcmp(s, "-machine") || !strcmp(s, "-M")) && strstr(a[1], "accel=")))
            return usage_error("the guest command line chooses the accelerator; kemu-compare "
                               "adds -accel for each engine", *a);
    }
    return 0;
}

enum { OPT_STOP_AT = 256, OPT_EXPECT_EXIT, OPT_NO_SVG, OPT_CSV, OPT_KEMU, OPT_QEMU };

static const struct option long_opts[] = {
    { "engines", required_argument, NULL, 'e' },  { "baseline", required_argument, NULL, 'b' },
    { "ready", required_argument, NULL, 'r' },    { "work", required_argument, NULL, 'w' },
    { "send", required_argument, NULL, 's' },     { "runs", required_argument, NULL, 'n' },
    { "timeout", required_argument, NULL, 't' },  { "svg", required_argument, NULL, 'o' },
    { "log", required_argument, NULL, 'l' },      { "help", no_argument, NULL, 'h' },
    { "stop-at", required_argument, NULL, OPT_STOP_AT },
    { "expect-exit", required_argument, NULL, OPT_EXPECT_EXIT },
    { "no-svg", no_argument, NULL, OPT_NO_SVG },  { "csv", required_argument, NULL, OPT_CSV },
    { "kemu", required_argument, NULL, OPT_KEMU },  { "qemu", required_argument, NULL, OPT_QEMU },
    { NULL, 0, NULL, 0 },
};

static bool number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* One option; 0, or the exit status of a usage error (-1: --help). */
static int take_option(CmpOptions *o, int c, const char *arg, const char **engines)
{
    double v;
    switch (c) {
    case 'e': *engines = arg; return 0;
    case 'b':
        o->baseline = arg;
        return cmp_engine_find(arg) ? 0 : usage_error("--baseline: unknown engine", arg);
    case 'r': o->ready_src = arg; return compile(&o->ready, arg, "--ready", 0);
    case 'w': o->work_src = arg; return compile(&o->work, arg, "--work", 1);
    case 's': o->send = unescape(arg); return 0;
    case 'o': o->svg = arg; return 0;
    case 'l': o->log_dir = arg; return 0;
    case OPT_NO_SVG: o->svg = NULL; return 0;
    case OPT_CSV: o->csv = arg; return 0;
    case OPT_KEMU: o->kemu = arg; return 0;
    case OPT_QEMU: o->qemu = arg; return 0;
    case 'h': usage(); return -1;
    case 'n':
        if (!number(arg, 1, 1000, &v) || v != (int)v)
            return usage_error("--runs: not a whole number from 1 to 1000", arg);
        o->runs = (int)v;
        return 0;
    case 't':
        return number(arg, 0.001, 1e6, &o->timeout)
               ? 0 : usage_error("--timeout: not a number of seconds", arg);
    case OPT_EXPECT_EXIT:
        if (!number(arg, 0, 255, &v) || v != (int)v)
            return usage_error("--expect-exit: not an exit status (0-255)", arg);
        o->expect_exit = (int)v;
        return 0;
    case OPT_STOP_AT:
        o->stop_at = !strcmp(arg, "ready") ? STOP_AT_READY
                   : !strcmp(arg, "work") ? STOP_AT_WORK : -1;
        return o->stop_at >= 0 ? 0 : usage_error("--stop-at: not 'ready' or 'work'", arg);
    default:
        return 2;   /* getopt said why */
    }
}

static int parse(CmpOptions *o, int argc, char **argv)
{
    const char *engines = NULL;
    int c, rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+e:b:r:w:s:n:t:o:l:h", long_opts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return usage_error(optopt ? "missing argument or unknown option" : "unknown option",
                               argv[optind - 1]);
        if ((rc = take_option(o, c, optarg, &engines)))
            return rc;
    }
    if (o->stop_at == STOP_AT_READY && !o->ready_src)
        return usage_error("--stop-at ready needs --ready", NULL);
    if (o->stop_at == STOP_AT_WORK && !o->work_src)
        return usage_error("--stop-at work needs --work", NULL);
    if (o->send && !o->ready_src)
        return usage_error("--send needs --ready (the text is typed after that line)", NULL);
    /* Written at once into the pipe: more than it holds could block. */
    if (o->send && strlen(o->send) > 4096)
        return usage_error("--send: more than 4096 characters", NULL);
    if (o->log_dir && mkdir(o->log_dir, 0777) && access(o->log_dir, W_OK))
        return usage_error("--log: cannot create or write the directory", o->log_dir);
    o->guest = argv + optind;
    if ((rc = check_guest(o->guest)))
        return rc;
    if (engines)
        return select_engines(engines);
    for (int i = 0; i < CMP_ENGINES; i++)
        cmp_engines[i].selected = true;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The medians of each figure over E's successful runs (RUNS[0..n)). */
static void medians(CmpEngine *e, CmpRun *runs, int n)
{
    double v[1000];
    for (int m = 0; m < M_COUNT; m++) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!runs[i].why[0] && runs[i].m[m] >= 0)
                v[k++] = runs[i].m[m];
        }
        qsort(v, (size_t)k, sizeof(v[0]), cmp_double);
        e->med[m] = !k ? -1 : k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
    }
}

static void progress(const CmpEngine *e, int i, int n, const CmpRun *r)
{
    fprintf(stderr, "kemu-compare: %s run %d/%d:", e->name, i + 1, n);
    for (int m = 0; m < M_COUNT; m++) {
        if (r->m[m] >= 0)
            fprintf(stderr, " %s %.3f", cmp_metric_name(m), r->m[m]);
    }
    fprintf(stderr, "%s%s\n", r->why[0] ? "; FAILED: " : "", r->why);
}

/* Every run of every engine that can run, interleaved (run 1 of each
 * engine, then run 2...) so that a change in the host's load falls on
 * all engines alike.  Returns the number of failed runs. */
static int run_all(const CmpOptions *o)
{
    static CmpRun runs[CMP_ENGINES][1000];
    int failed = 0;
    for (int i = 0; i < o->runs; i++) {
        for (int k = 0; k < CMP_ENGINES; k++) {
            CmpEngine *e = &cmp_engines[k];
            if (!e->selected || e->skip[0])
                continue;
            CmpRun *r = &runs[k][i];
            cmp_run_once(o, e, i, r);
            progress(e, i, o->runs, r);
            if (r->why[0] && !e->failed++)
                snprintf(e->why, sizeof(e->why), "%s", r->why);
            e->ok += !r->why[0];
            failed += r->why[0] != 0;
        }
    }
    for (int k = 0; k < CMP_ENGINES; k++)
        medians(&cmp_engines[k], runs[k], o->runs);
    return failed;
}

/* Wall-clock figures (and the guest's own, which are wall clock inside)
 * are only the engine's when it had a CPU to itself: say so when the host
 * was busier than its CPUs during the runs. */
static void note_load(void)
{
    double load = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    int got = fscanf(f, "%lf", &load);
    fclose(f);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (got == 1 && cpus > 0 && load > (double)cpus)
        printf("note: the host's load average was %.1f on %ld CPUs: the wall-clock and "
               "guest-timed figures include waiting for a CPU; cpu is the steadier figure\n",
               load, cpus);
}

static bool any_succeeded(void)
{
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected && cmp_engines[i].ok)
            return true;
    }
    return false;
}

static const CmpEngine *pick_baseline(const CmpOptions *o)
{
    const char *want = o->baseline ? o->baseline : "qemu-tcg";
    const CmpEngine *b = cmp_engine_find(want);
    if (b && b->selected && b->ok)
        return b;
    if (o->baseline)
        fprintf(stderr, "kemu-compare: the baseline %s did not run: no ratios\n", o->baseline);
    for (int i = 0; !o->baseline && i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected && cmp_engines[i].ok)
            return &cmp_engines[i];
    }
    return NULL;
}

/* kemu beside this program (as built and installed), else on PATH; QEMU
 * on PATH.  A binary named by --kemu or --qemu must exist. */
static int find_emulators(CmpOptions *o)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = 0;
    const char *want_kemu = o->kemu, *want_qemu = o->qemu;
    o->kemu = cmp_find_program(want_kemu ? want_kemu : "kemu", n > 0 ? self : NULL);
    o->qemu = cmp_find_program(want_qemu ? want_qemu : "qemu-system-x86_64", NULL);
    if (want_kemu && !o->kemu)
        return usage_error("--kemu: not an executable file", want_kemu);
    if (want_qemu && !o->qemu)
        return usage_error("--qemu: not an executable file", want_qemu);
    return 0;
}

int main(int argc, char **argv)
{
    CmpOptions o = { .runs = 1, .timeout = 600, .expect_exit = -1, .svg = "kemu-compare.svg" };
    int rc = parse(&o, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    signal(SIGPIPE, SIG_IGN);
    if (find_emulators(&o))
        return 2;
    int ran = 0;
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (cmp_engines[i].selected) {
            cmp_check_engine(&o, &cmp_engines[i]);
            ran += !cmp_engines[i].skip[0];
        }
    }
    int failed = ran ? run_all(&o) : 0;
    const CmpEngine *base = pick_baseline(&o);
    cmp_print_table(&o, base);
    note_load();
    if (o.svg && any_succeeded() && !cmp_write_svg(&o, base, o.svg))
        printf("chart: %s\n", o.svg);
    if (o.csv && cmp_write_csv(&o, o.csv))
        return 1;
    if (!ran)
        fprintf(stderr, "kemu-compare: no engine can run here (see the reasons above)\n");
    return failed || !ran ? 1 : 0;
}
