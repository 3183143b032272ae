/* Monitor internals (ui/monitor*.c). */
#ifndef KEMU_MONITOR_INT_H
#define KEMU_MONITOR_INT_H

#include "ui/monitor.h"

#define MON_LINE_MAX 512
#define MON_HISTORY 32

/* A row of a command or `info` table. */
typedef struct MonitorCmdDef {
    const char *names;      /* "cont|c" */
    const char *args;
    const char *help;
    void (*fn)(Monitor *mon, const char *args);
} MonitorCmdDef;

/* A line asked for by a command (a password), given to it instead of run. */
typedef void (*MonitorLineCb)(Monitor *mon, const char *line);

struct Monitor {
    Machine *m;
    Chardev *chr;
    bool on_mux, has_output, banner_done;
    char line[MON_LINE_MAX];
    size_t len;
    int esc;            /* inside an escape sequence: 1 after ESC, 2 after ESC [ */
    bool last_cr;
    /* Command history (up/down arrows), oldest first. */
    char *history[MON_HISTORY];
    int nhistory, hist_pos;
    MonitorLineCb read_secret;  /* the next line is a secret (echoed as '*') */
};

/* Ask for a secret line: prompt, then cb(line) on Enter. */
void monitor_read_secret(Monitor *mon, const char *prompt, MonitorLineCb cb);

void monitor_puts(Monitor *mon, const char *s);
/* `info WHAT` (ui/monitor-info.c).  Returns false for an unknown WHAT. */
bool monitor_info(Monitor *mon, const char *what, const char *args);
void monitor_info_help(Monitor *mon);
/* `xp /FMT ADDR` (ui/monitor-mem.c). */
void monitor_xp(Monitor *mon, const char *args);
/* `info mtree [-f]` (ui/monitor-mtree.c). */
void monitor_info_mtree(Monitor *mon, const char *args);
/* monitor-block.c */
void monitor_info_block(Monitor *mon, const char *args);
void monitor_eject(Monitor *mon, const char *args);
void monitor_change(Monitor *mon, const char *args);
/* monitor-pci.c */
void monitor_info_pci(Monitor *mon, const char *args);
/* Command and info tables of other files, NULL-ended (monitor-input.c,
 * monitor-vnc.c). */
extern const MonitorCmdDef monitor_input_cmds[], monitor_input_infos[];
extern const MonitorCmdDef monitor_vnc_cmds[], monitor_vnc_infos[];
/* `change vnc password [PW]` (monitor-vnc.c). */
void monitor_change_vnc(Monitor *mon, const char *args);
/* monitor-net.c */
void monitor_info_network(Monitor *mon, const char *args);
void monitor_set_link(Monitor *mon, const char *args);
void monitor_netdev_add(Monitor *mon, const char *args);
void monitor_netdev_del(Monitor *mon, const char *args);
/* QEMU's name of a PCI class (class and subclass), or NULL. */
const char *monitor_pci_class_name(uint16_t cls);
/* monitor-qtree.c */
void monitor_info_qtree(Monitor *mon, const char *args);
/* screendump.c */
void monitor_screendump(Monitor *mon, const char *args);

#endif
