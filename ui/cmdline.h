/* The command line: QEMU's options, parsed into KemuOptions by a table of
 * option handlers (ui/cmdline.c), then checked across options
 * (cmdline_finish).  Nothing here touches the machine; ui/main.c applies
 * the result. */
#ifndef KEMU_CMDLINE_H
#define KEMU_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/machine.h"

#define MAX_SERIAL 4
#define MAX_DRIVES 32
#define MAX_LIST 64

typedef enum { IF_NONE, IF_IDE, IF_SCSI, IF_FLOPPY, IF_PFLASH, IF_MTD, IF_SD,
               IF_VIRTIO, IF_COUNT } DriveIf;

typedef enum { CACHE_WRITEBACK, CACHE_WRITETHROUGH, CACHE_NONE, CACHE_DIRECTSYNC,
               CACHE_UNSAFE } DriveCache;

/* One -drive (or -hda.., -cdrom, a bare disk image). */
typedef struct DriveOpts {
    char *spec;             /* the option as typed, for messages */
    char *opt_name;         /* "-drive", "-hda", ... */
    char *file, *format, *id, *serial;
    char *data_file;        /* data-file.filename= (qcow2's external data file) */
    DriveIf iface;
    bool cdrom;             /* media=cdrom */
    int index, bus, unit;   /* -1 when not given */
    DriveCache cache;
    /* What the cache mode means for the block layer (QEMU's flags). */
    bool cache_writeback, cache_direct, cache_no_flush;
    bool readonly, snapshot;
} DriveOpts;

typedef enum { DISPLAY_DEFAULT, DISPLAY_NONE, DISPLAY_SDL, DISPLAY_CURSES,
               DISPLAY_GTK, DISPLAY_VNC } DisplayType;

typedef struct KemuOptions {
    MachineConfig cfg;
    bool machine_set;           /* -machine given (type pc) */
    /* Accelerators in order of preference ("kvm:tcg"), NULL = default. */
    char *accel_list;
    const char *accel_origin;   /* "-accel", "-machine accel=", "-enable-kvm" */
    bool accel_by_accel_opt, accel_by_machine_opt;
    char *cpu;                  /* -cpu spec, NULL = default */

    DriveOpts drives[MAX_DRIVES];
    int ndrives;

    char *serial[MAX_SERIAL];   /* -serial specs */
    int nserial;
    bool serial_set;
    char *monitor;              /* -monitor spec, NULL = default */
    bool monitor_set;
    char *mon_chardevs[MAX_SERIAL]; /* -mon chardev=ID: monitors on -chardev IDs */
    int nmons;
    char *chardevs[MAX_LIST];   /* -chardev specs */
    int nchardevs;
    char *devices[MAX_LIST];    /* -device specs */
    int ndevices;
    bool net_none;              /* -net none / -nic none */
    char *nets[MAX_LIST];       /* -net specs (nic and backends), in order */
    int nnets;
    char *netdevs[MAX_LIST];    /* -netdev specs */
    int nnetdevs;
    char *nics[MAX_LIST];       /* -nic specs */
    int nnics;
    char *objects[MAX_LIST];    /* -object specs (filter-dump) */
    int nobjects;

    DisplayType display;
    bool nographic;
    bool vga_none;              /* -vga none */
    bool vga, vga_set;          /* a -vga card is built (-vga std, or by default) */
    const char *vga_card;       /* its device: "VGA" (the default) or "cirrus-vga" */
    bool nodefaults;
    bool usb;                   /* -usb, -machine usb=on: the UHCI controller at 01.2 */
    bool console_hidden;        /* no display given: the serial port goes nowhere */
    char *vnc;                  /* -vnc / -display vnc= spec, NULL = no server */
    char *keymap;               /* -k LAYOUT */
    bool full_screen;           /* -full-screen */
    bool window_close;          /* -display sdl,window-close=on|off */

    bool daemonize;
    char *pidfile;
    bool start_paused;          /* -S */
    bool snapshot;              /* -snapshot: every drive writes to an overlay */
    char *gdb;                  /* -gdb spec (-s: "tcp::1234"), NULL = none */
    const char *gdb_opt;        /* "-gdb" or "-s", for messages */
    bool cpu_help;              /* -cpu help: main lists the models */
    char *log_items, *log_file;
} KemuOptions;

/* Outcome of parsing: run the VM, exit 0 (help/version printed), or exit 1
 * (an error was reported). */
enum { CMDLINE_RUN = 0, CMDLINE_EXIT_OK = 1, CMDLINE_ERROR = -1 };

void cmdline_init(KemuOptions *o);
int cmdline_parse(KemuOptions *o, int argc, char **argv);
/* Checks that need every option (e.g. -initrd needs -kernel) and the
 * defaults that depend on others (-nographic's serial/monitor). */
int cmdline_finish(KemuOptions *o);
void cmdline_free(KemuOptions *o);

/* Pieces, exposed for the unit tests. */
int cmdline_parse_mem(MachineConfig *cfg, const char *arg);
int cmdline_parse_smp(MachineConfig *cfg, const char *arg);
int cmdline_parse_boot(MachineConfig *cfg, const char *arg);
int cmdline_parse_drive(KemuOptions *o, const char *opt_name, const char *arg);
int cmdline_parse_legacy_drive(KemuOptions *o, const char *opt_name, const char *file);
int cmdline_parse_net(KemuOptions *o, const char *arg);
int cmdline_parse_netdev(KemuOptions *o, const char *arg);
int cmdline_parse_object(KemuOptions *o, const char *arg);
int cmdline_parse_nic(KemuOptions *o, const char *arg);
/* The device model of a NIC model name ("virtio" -> "virtio-net-pci"). */
const char *cmdline_nic_device(const char *model);
int cmdline_parse_machine(KemuOptions *o, const char *arg);
int cmdline_parse_accel(KemuOptions *o, const char *arg);
int cmdline_parse_name(MachineConfig *cfg, const char *arg);
int cmdline_parse_display(KemuOptions *o, const char *arg);
int cmdline_parse_vga(KemuOptions *o, const char *arg);
int cmdline_parse_vnc(KemuOptions *o, const char *arg);
int cmdline_parse_keymap(KemuOptions *o, const char *arg);
int cmdline_parse_rtc(const char *arg);
/* -smbios (kept for the board after a check) and -uuid. */
int cmdline_parse_smbios(KemuOptions *o, const char *arg);
int cmdline_parse_uuid(KemuOptions *o, const char *arg);
int cmdline_parse_mon(KemuOptions *o, const char *arg);
void cmdline_help(void);

/* The drives the board attaches, by interface and index (NULL if none). */
const DriveOpts *drive_get(DriveIf iface, int index);
const char *drive_if_name(DriveIf iface);

#endif
