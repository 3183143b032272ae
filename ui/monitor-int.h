/* Monitor internals (ui/monitor*.c). */
#ifndef KEMU_MONITOR_INT_H
#define KEMU_MONITOR_INT_H

#include "ui/monitor.h"

#define MON_LINE_MAX 512
#define MON_HISTORY 32

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
};

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
/* QEMU's name of a PCI class (class and subclass), or NULL. */
const char *monitor_pci_class_name(uint16_t cls);
/* monitor-qtree.c */
void monitor_info_qtree(Monitor *mon, const char *args);
/* screendump.c */
void monitor_screendump(Monitor *mon, const char *args);

#endif
