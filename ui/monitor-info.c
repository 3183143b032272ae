/* `info ...`: status, name, cpus, kvm, registers, version, chardev. */
#include "ui/monitor-int.h"
#include "accel/accel.h"
#include "config.h"
#include "cpu/cpu.h"
#include "cpu/dump.h"
#include "hw/core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void info_status(Monitor *mon, const char *args)
{
    static const char *const text[] = {
        [RUN_STATE_PRELAUNCH] = "paused (prelaunch)", [RUN_STATE_RUNNING] = "running",
        [RUN_STATE_PAUSED] = "paused", [RUN_STATE_SHUTDOWN] = "paused (shutdown)",
    };
    monitor_printf(mon, "VM status: %s\n", text[mon->m->state]);
}

static void info_name(Monitor *mon, const char *args)
{
    if (mon->m->cfg.name)
        monitor_printf(mon, "%s\n", mon->m->cfg.name);
}

static void info_cpus(Monitor *mon, const char *args)
{
    for (unsigned i = 0; i < mon->m->ncpus; i++) {
        const CPUState *cpu = mon->m->cpus[i];
        monitor_printf(mon, "%c CPU #%u: thread_id=%d\n", i == 0 ? '*' : ' ', i,
                       cpu->thread_id ? cpu->thread_id : (int)getpid());
    }
}

static void info_kvm(Monitor *mon, const char *args)
{
    const AccelOps *a = mon->m->accel;
    bool kvm = a && !strcmp(a->name, "kvm");
#ifdef CONFIG_KVM
    monitor_printf(mon, "kvm support: %s\n", kvm ? "enabled" : "disabled");
#else
    monitor_printf(mon, "kvm support: not compiled\n");
#endif
    monitor_printf(mon, "accelerator: %s (%s)\n", a ? a->name : "none",
                   mon->m->accel_why ? mon->m->accel_why : "not chosen yet");
    if (a && a->info) {
        char buf[1024] = "";
        a->info(mon->m, buf, sizeof(buf));
        /* The engine's own lines, minus a repeat of the first one. */
        for (char *line = buf, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            if (strncmp(line, "kvm support:", 12))
                monitor_printf(mon, "%s\n", line);
        }
    }
}

static void dump_cpu(Monitor *mon, CPUState *cpu)
{
    if (mon->m->accel && mon->m->accel->sync_state)
        mon->m->accel->sync_state(cpu, true);
    char *s = cpu_dump_state(cpu);
    if (s)
        monitor_puts(mon, s);
    free(s);
}

static void info_registers(Monitor *mon, const char *args)
{
    Machine *m = mon->m;
    if (!m->ncpus) {
        monitor_printf(mon, "No CPU available\n");
        return;
    }
    bool all = !strcmp(args, "-a");
    for (unsigned i = 0; i < (all ? m->ncpus : 1); i++) {
        monitor_printf(mon, "\nCPU#%u\n", i);
        dump_cpu(mon, m->cpus[i]);
    }
}

static void info_version(Monitor *mon, const char *args)
{
    monitor_printf(mon, "%s\n", KEMU_VERSION);
}

static void chardev_line(Chardev *c, void *opaque)
{
    monitor_printf(opaque, "%s: filename=%s\n", chr_label(c), chr_filename(c));
}

static void info_chardev(Monitor *mon, const char *args)
{
    chr_foreach(chardev_line, mon);
}

static const MonitorCmdDef infos[] = {
    { "block", "", "show info of one block device or all block devices", monitor_info_block },
    { "chardev", "", "show the character devices", info_chardev },
    { "cpus", "", "show infos for each CPU", info_cpus },
    { "kvm", "", "show KVM information (and which accelerator runs, and why)", info_kvm },
    { "mtree", "", "show memory tree (-f: the flat view)", monitor_info_mtree },
    { "name", "", "show the current VM name", info_name },
    { "network", "", "show the network state", monitor_info_network },
    { "pci", "", "show PCI info", monitor_info_pci },
    { "qtree", "", "show device tree", monitor_info_qtree },
    { "registers", "", "show the cpu registers (-a: all CPUs)", info_registers },
    { "status", "", "show the current VM status (running|paused)", info_status },
    { "version", "", "show the version of kemu", info_version },
    { NULL },
};

static const MonitorCmdDef *const info_tables[] = { infos, monitor_input_infos,
                                                    monitor_vnc_infos };

bool monitor_info(Monitor *mon, const char *what, const char *args)
{
    for (size_t t = 0; t < ARRAY_SIZE(info_tables); t++) {
        for (const MonitorCmdDef *i = info_tables[t]; i->names; i++) {
            if (!strcmp(i->names, what)) {
                i->fn(mon, args);
                return true;
            }
        }
    }
    return false;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const MonitorCmdDef *const *)a)->names,
                  (*(const MonitorCmdDef *const *)b)->names);
}

void monitor_info_help(Monitor *mon)
{
    const MonitorCmdDef *rows[64];
    size_t n = 0;
    for (size_t t = 0; t < ARRAY_SIZE(info_tables); t++) {
        for (const MonitorCmdDef *i = info_tables[t]; i->names && n < ARRAY_SIZE(rows); i++)
            rows[n++] = i;
    }
    qsort(rows, n, sizeof(rows[0]), by_name);
    for (size_t i = 0; i < n; i++)
        monitor_printf(mon, "info %s  -- %s\n", rows[i]->names, rows[i]->help);
}
