/* -m, -smp, -machine, -accel, -enable-kvm and -name: the machine's shape. */
#include "ui/cmdline-int.h"
#include "accel/accel.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#define MACHINE_NAME "pc"
#define DEFAULT_RAM (128 * MiB)

/* ---- -m ---------------------------------------------------------------- */

static int mem_size(const char *arg, const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    bool legacy = len && isdigit((unsigned char)s[len - 1]);
    uint64_t v;
    /* A bare number means MiB (QEMU's legacy form); a fraction needs a
     * suffix, as a fraction of a byte means nothing. */
    if (parse_size(s, 'B', &v) || (legacy && strchr(s, '.'))) {
        error_report("-m %s: Parameter 'size' expects a non-negative number below 2^64", arg);
        return -1;
    }
    if (legacy) {
        if (v > UINT64_MAX / MiB) {
            error_report("Parameter 'memory.size' expects size");
            return -1;
        }
        v *= MiB;
    }
    *out = v;
    return 0;
}

int cmdline_parse_mem(MachineConfig *cfg, const char *arg)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    Opts o;
    if (cl_opts(&o, "-m", arg, "size", keys))
        return -1;
    int ret = -1;
    const char *size = opts_get(&o, "size");
    uint64_t v = DEFAULT_RAM;
    if (opts_get(&o, "slots") || opts_get(&o, "maxmem")) {
        error_report("-m %s: memory hotplug (slots, maxmem) is not supported yet", arg);
        goto out;
    }
    if (size && !*size) {
        error_report("-m %s: missing 'size' option value", arg);
        goto out;
    }
    if (size && mem_size(arg, size, &v))
        goto out;
    if (v == 0)
        v = DEFAULT_RAM;        /* "-m 0" means the default, as in QEMU */
    v = ALIGN_UP(v, 8192);
    if (v == 0 || v > (1ULL << 52)) {
        error_report("-m %s: ram size too large", arg);
        goto out;
    }
    cfg->ram_size = v;
    ret = 0;
out:
    opts_free(&o);
    return ret;
}

/* ---- -smp -------------------------------------------------------------- */

typedef struct SmpArgs {
    uint64_t cpus, maxcpus, sockets, dies, clusters, cores, threads;
} SmpArgs;

static int smp_num(const Opts *o, const char *key, uint64_t *out, bool *zero)
{
    const char *v = opts_get(o, key);
    char *end;
    *out = 0;
    if (!v)
        return 0;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (!*v || *end || errno || v[0] == '-' || n > UINT32_MAX) {
        error_report("Parameter 'smp.%s' expects integer", key);
        return -1;
    }
    if (n == 0)
        *zero = true;
    *out = n;
    return 0;
}

static int smp_read(const char *arg, SmpArgs *a)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies",
                                        "clusters", "cores", "threads", NULL };
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "cpus", &err)) {
        error_report("-smp %s: %s", arg, err);
        return -1;
    }
    const char *bad = cl_unknown_key(&o, keys);
    bool zero = false;
    int ret = -1;
    if (bad) {
        error_report("Parameter 'smp.%s' is unexpected", bad);
        goto out;
    }
    if (smp_num(&o, "cpus", &a->cpus, &zero) || smp_num(&o, "maxcpus", &a->maxcpus, &zero) ||
        smp_num(&o, "sockets", &a->sockets, &zero) || smp_num(&o, "dies", &a->dies, &zero) ||
        smp_num(&o, "clusters", &a->clusters, &zero) || smp_num(&o, "cores", &a->cores, &zero) ||
        smp_num(&o, "threads", &a->threads, &zero))
        goto out;
    if (zero)
        warn_report("Deprecated CPU topology (considered invalid): "
                    "CPU topology parameters must be greater than zero");
    ret = 0;
out:
    opts_free(&o);
    return ret;
}

/* Fill in what was omitted the way QEMU 6.2+ does: prefer cores over
 * sockets, compute threads last. */
static void smp_compute(SmpArgs *a)
{
    a->dies = a->dies ? a->dies : 1;
    a->clusters = 1;
    if (!a->cpus && !a->maxcpus) {
        a->sockets = a->sockets ? a->sockets : 1;
        a->cores = a->cores ? a->cores : 1;
        a->threads = a->threads ? a->threads : 1;
    } else {
        a->maxcpus = a->maxcpus ? a->maxcpus : a->cpus;
        if (!a->cores) {
            a->sockets = a->sockets ? a->sockets : 1;
            a->threads = a->threads ? a->threads : 1;
            a->cores = a->maxcpus / (a->sockets * a->dies * a->threads);
        } else if (!a->sockets) {
            a->threads = a->threads ? a->threads : 1;
            a->sockets = a->maxcpus / (a->dies * a->cores * a->threads);
        }
        if (!a->threads) {
            uint64_t d = a->sockets * a->dies * a->cores;
            a->threads = d ? a->maxcpus / d : 0;
        }
    }
    if (!a->maxcpus)
        a->maxcpus = a->sockets * a->dies * a->cores * a->threads;
    if (!a->cpus)
        a->cpus = a->maxcpus;
}

static int smp_check(const SmpArgs *a)
{
    char topo[160];
    snprintf(topo, sizeof(topo), "sockets (%llu) * dies (%llu) * cores (%llu) * threads (%llu)",
             (unsigned long long)a->sockets, (unsigned long long)a->dies,
             (unsigned long long)a->cores, (unsigned long long)a->threads);
    if (a->sockets * a->dies * a->cores * a->threads != a->maxcpus) {
        error_report("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                     "%s != maxcpus (%llu)", topo, (unsigned long long)a->maxcpus);
        return -1;
    }
    if (a->maxcpus < a->cpus) {
        error_report("Invalid CPU topology: maxcpus must be equal to or greater than smp: "
                     "%s == maxcpus (%llu) < smp_cpus (%llu)", topo,
                     (unsigned long long)a->maxcpus, (unsigned long long)a->cpus);
        return -1;
    }
    if (a->maxcpus > MAX_CPUS) {
        error_report("Invalid SMP CPUs %llu. The max CPUs supported by machine '%s' is %d",
                     (unsigned long long)a->maxcpus, MACHINE_NAME, MAX_CPUS);
        return -1;
    }
    return 0;
}

int cmdline_parse_smp(MachineConfig *cfg, const char *arg)
{
    SmpArgs a = { 0 };
    if (smp_read(arg, &a))
        return -1;
    if (a.clusters > 1) {
        error_report("clusters not supported by this machine's CPU topology");
        return -1;
    }
    smp_compute(&a);
    if (smp_check(&a))
        return -1;
    cfg->smp_cpus = (unsigned)a.cpus;
    cfg->smp_max = (unsigned)a.maxcpus;
    cfg->sockets = (unsigned)a.sockets;
    cfg->dies = (unsigned)a.dies;
    cfg->cores = (unsigned)a.cores;
    cfg->threads = (unsigned)a.threads;
    return 0;
}

/* ---- -machine, -accel -------------------------------------------------- */

static void machine_help(void)
{
    printf("Supported machines are:\n");
    printf("%-20s %s (default)\n", MACHINE_NAME, "Standard PC (i440FX + PIIX, 1996)");
}

/* Every name in a "kvm:tcg" list must be an accelerator kemu knows of. */
static int accel_list_check(const char *opt, const char *arg, const char *list)
{
    char *copy = xstrdup(list), *save = NULL;
    int ret = 0;
    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        if (strcmp(t, "kvm") && strcmp(t, "tcg") && !accel_find(t)) {
            if (opt)
                error_report("%s %s: invalid accelerator %s", opt, arg, t);
            else
                error_report("invalid accelerator %s", t);
            ret = -1;
            break;
        }
    }
    free(copy);
    if (!ret && !*list) {
        error_report("%s %s: invalid accelerator %s", opt ? opt : "-machine", arg, list);
        ret = -1;
    }
    return ret;
}

static int kernel_irqchip(MachineConfig *cfg, const Opts *o, const char *opt, const char *arg)
{
    const char *v = opts_get(o, "kernel-irqchip");
    if (!v)
        return 0;
    if (!strcmp(v, "split")) {
        error_report("%s %s: kernel-irqchip=split is not supported yet", opt, arg);
        return -1;
    }
    bool b;
    if (parse_bool(v, &b)) {
        error_report("%s %s: Parameter 'kernel-irqchip' does not accept value '%s'", opt, arg, v);
        return -1;
    }
    cfg->kernel_irqchip = b;
    cfg->kernel_irqchip_set = true;
    return 0;
}

static void accel_add(KemuOptions *o, const char *list)
{
    char *old = o->accel_list;
    o->accel_list = old ? xasprintf("%s:%s", old, list) : xstrdup(list);
    free(old);
}

/* usb=on adds the UHCI controller as -usb; dump-guest-core and mem-merge
 * are hints kemu cannot act on yet: say so rather than ignore them. */
static int machine_flags(KemuOptions *ko, const Opts *o, const char *arg)
{
    for (size_t i = 0; i < o->n; i++) {
        const char *k = o->v[i].key;
        bool b;
        if (strcmp(k, "usb") && strcmp(k, "dump-guest-core") && strcmp(k, "mem-merge"))
            continue;
        if (parse_bool(o->v[i].val, &b)) {
            error_report("-machine %s: Parameter '%s' expects 'on' or 'off'", arg, k);
            return -1;
        }
        if (!strcmp(k, "usb")) {
            ko->usb = b;
            continue;
        }
        error_report("-machine %s: property '%s' is not supported yet", arg, k);
        return -1;
    }
    return 0;
}

/* -machine accel=kvm:tcg */
static int machine_accel(KemuOptions *o, const char *arg, const char *accel)
{
    if (accel_list_check(NULL, arg, accel))
        return -1;
    if (o->accel_by_accel_opt) {
        error_report("The -accel and \"-machine accel=\" options are incompatible");
        return -1;
    }
    free(o->accel_list);
    o->accel_list = xstrdup(accel);
    o->accel_by_machine_opt = true;
    o->accel_origin = "-machine accel=";
    return 0;
}

/* pit=on|off: whether the board has its 8254 (the speaker port 0x61 goes
 * with it). */
static int machine_pit(MachineConfig *cfg, const Opts *o, const char *arg)
{
    const char *v = opts_get(o, "pit");
    bool b;
    if (!v)
        return 0;
    if (parse_bool(v, &b)) {
        error_report("-machine %s: Parameter 'pit' expects 'on' or 'off'", arg);
        return -1;
    }
    cfg->no_pit = !b;
    return 0;
}

static int machine_apply(KemuOptions *o, const Opts *opts, const char *arg)
{
    static const char *const keys[] = { "type", "accel", "kernel-irqchip", "usb",
                                        "dump-guest-core", "mem-merge", "pit", NULL };
    const char *bad = cl_unknown_key(opts, keys);
    const char *type = opts_get(opts, "type"), *accel = opts_get(opts, "accel");
    if (cl_is_help(type)) {
        machine_help();
        return 1;
    }
    if (type && strcmp(type, MACHINE_NAME)) {
        error_report("-machine %s: unsupported machine type '%s' "
                     "(use -machine help to list supported machines)", arg, type);
        return -1;
    }
    if (bad) {
        error_report("-machine %s: Property '%s-machine.%s' not found", arg, MACHINE_NAME, bad);
        return -1;
    }
    if (machine_flags(o, opts, arg) || kernel_irqchip(&o->cfg, opts, "-machine", arg) ||
        machine_pit(&o->cfg, opts, arg) ||
        (accel && machine_accel(o, arg, accel)))
        return -1;
    o->machine_set = true;
    return 0;
}

int cmdline_parse_machine(KemuOptions *o, const char *arg)
{
    Opts opts;
    const char *err;
    if (opts_parse(&opts, arg, "type", &err)) {
        error_report("-machine %s: %s", arg, err);
        return -1;
    }
    int ret = machine_apply(o, &opts, arg);
    opts_free(&opts);
    return ret;
}

static void accel_help_one(const AccelOps *ops, void *opaque)
{
    printf("%s\n", ops->name);
}

/* backend=interp|native: which engine runs TCG's translated code. */
/* -accel tcg,backend=...,thread=...: a property of the tcg accelerator. */
static int accel_tcg_property(const char *opt, const char *arg, const char *name,
                              const char *key, const char *value)
{
    const char *why = NULL;
    if (!value)
        return 0;
    const AccelOps *tcg = accel_find("tcg");
    if (strcmp(name, "tcg") || !tcg || !tcg->set_property) {
        error_report("%s %s: property '%s' is for the tcg accelerator", opt, arg, key);
        return -1;
    }
    if (tcg->set_property(key, value, &why)) {
        error_report("%s %s: %s '%s': %s", opt, arg, key, value, why);
        return -1;
    }
    return 0;
}

int cmdline_parse_accel(KemuOptions *o, const char *arg)
{
    static const char *const keys[] = { "accel", "kernel-irqchip", "thread", "tb-size",
                                        "backend", NULL };
    Opts opts;
    if (cl_opts(&opts, "-accel", arg, "accel", keys))
        return -1;
    int ret = -1;
    const char *name = opts_get(&opts, "accel");
    if (cl_is_help(name)) {
        printf("Accelerators supported in kemu binary:\n");
        accel_foreach(accel_help_one, NULL);
        ret = 1;
        goto out;
    }
    if (!name) {
        error_report("-accel %s: Parameter 'accel' is missing", arg);
        goto out;
    }
    if (accel_list_check("-accel", arg, name) || kernel_irqchip(&o->cfg, &opts, "-accel", arg))
        goto out;
    if (opts_get(&opts, "tb-size")) {
        error_report("-accel %s: TCG property tb-size is not supported yet", arg);
        goto out;
    }
    if (o->accel_by_machine_opt) {
        error_report("The -accel and \"-machine accel=\" options are incompatible");
        goto out;
    }
    if (accel_tcg_property("-accel", arg, name, "backend", opts_get(&opts, "backend")) ||
        accel_tcg_property("-accel", arg, name, "thread", opts_get(&opts, "thread")))
        goto out;
    accel_add(o, name);
    o->accel_by_accel_opt = true;
    o->accel_origin = "-accel";
    ret = 0;
out:
    opts_free(&opts);
    return ret;
}

/* ---- -name ------------------------------------------------------------- */

int cmdline_parse_name(MachineConfig *cfg, const char *arg)
{
    static const char *const keys[] = { "guest", "process", "debug-threads", NULL };
    Opts o;
    if (cl_opts(&o, "-name", arg, "guest", keys))
        return -1;
    bool dbg;
    int ret = cl_bool(&o, "debug-threads", false, &dbg, "-name", arg, NULL);
    const char *guest = opts_get(&o, "guest"), *process = opts_get(&o, "process");
    if (!ret && dbg) {
        error_report("-name %s: debug-threads=on is not supported yet", arg);
        ret = -1;
    }
    if (!ret && guest) {
        free((char *)cfg->name);
        cfg->name = xstrdup(guest);
    }
    /* process=NAME names the host process (what ps and top show). */
    if (!ret && process)
        prctl(PR_SET_NAME, process, 0, 0, 0);
    opts_free(&o);
    return ret;
}
