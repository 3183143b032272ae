/* -drive, -hda..-hdd, -cdrom and a bare disk image: parsed and checked
 * key by key, then handed to the board through drive_get(). */
#include "ui/cmdline-int.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const if_names[IF_COUNT] = {
    [IF_NONE] = "none", [IF_IDE] = "ide", [IF_SCSI] = "scsi", [IF_FLOPPY] = "floppy",
    [IF_PFLASH] = "pflash", [IF_MTD] = "mtd", [IF_SD] = "sd", [IF_VIRTIO] = "virtio",
};
/* Units per bus and buses per interface, as QEMU's PC defines them. */
static const int if_units[IF_COUNT] = {
    [IF_NONE] = 1, [IF_IDE] = 2, [IF_SCSI] = 7, [IF_FLOPPY] = 2, [IF_PFLASH] = 1,
    [IF_MTD] = 1, [IF_SD] = 1, [IF_VIRTIO] = 1,
};
/* The device model that makes a drive of this interface visible. */
static const char *const if_device[IF_COUNT] = {
    [IF_IDE] = "ide-hd", [IF_SCSI] = "scsi-hd", [IF_FLOPPY] = "floppy",
    [IF_PFLASH] = "pflash", [IF_MTD] = "mtd", [IF_SD] = "sd-card",
    [IF_VIRTIO] = "virtio-blk-pci",
};

static const struct {
    const char *name;
    DriveCache mode;
    bool writeback, direct, no_flush;
} cache_modes[] = {
    { "writeback", CACHE_WRITEBACK, true, false, false },
    { "writethrough", CACHE_WRITETHROUGH, false, false, false },
    { "none", CACHE_NONE, true, true, false },
    { "directsync", CACHE_DIRECTSYNC, false, true, false },
    { "unsafe", CACHE_UNSAFE, true, false, true },
};

static const KemuOptions *current;

const char *drive_if_name(DriveIf iface)
{
    return iface < IF_COUNT ? if_names[iface] : "?";
}

void cmdline_set_current(const KemuOptions *o)
{
    current = o;
}

const DriveOpts *drive_get(DriveIf iface, int index)
{
    for (int i = 0; current && i < current->ndrives; i++) {
        const DriveOpts *d = &current->drives[i];
        if (d->iface == iface && d->index == index)
            return d;
    }
    return NULL;
}

static int drive_if(DriveOpts *d, const char *v)
{
    for (int i = 0; i < IF_COUNT; i++) {
        if (!strcmp(v, if_names[i])) {
            d->iface = (DriveIf)i;
            return 0;
        }
    }
    error_report("%s %s: unsupported bus type '%s'", d->opt_name, d->spec, v);
    return -1;
}

static int drive_cache(DriveOpts *d, const char *v)
{
    for (size_t i = 0; i < ARRAY_SIZE(cache_modes); i++) {
        if (!strcmp(v, cache_modes[i].name)) {
            d->cache = cache_modes[i].mode;
            d->cache_writeback = cache_modes[i].writeback;
            d->cache_direct = cache_modes[i].direct;
            d->cache_no_flush = cache_modes[i].no_flush;
            return 0;
        }
    }
    error_report("%s %s: invalid cache option", d->opt_name, d->spec);
    return -1;
}

static int drive_num(DriveOpts *d, const Opts *o, const char *key, int *out)
{
    const char *v = opts_get(o, key);
    uint64_t n;
    if (!v)
        return 0;
    if (parse_uint(v, &n) || n > 65535) {
        error_report("%s %s: Parameter '%s' expects a number", d->opt_name, d->spec, key);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* QEMU calls the key "read-only" in its message. */
static int drive_readonly(DriveOpts *d, const Opts *o)
{
    const char *v = opts_get(o, "readonly");
    if (v && parse_bool(v, &d->readonly)) {
        error_report("%s %s: Parameter 'read-only' expects 'on' or 'off'", d->opt_name, d->spec);
        return -1;
    }
    return 0;
}

/* QEMU's keys for a qcow2's external data file (data-file=NAME is its
 * short form): the same block-layer option kemu-img's --image-opts sets,
 * which also lets a data file lie outside the image's directory. */
static int drive_data_file(DriveOpts *d, const Opts *o)
{
    const char *name = opts_get(o, "data-file.filename");
    const char *drv = opts_get(o, "data-file.driver");
    if (!name)
        name = opts_get(o, "data-file");
    if (drv && strcmp(drv, "file")) {
        error_report("%s %s: data-file.driver=%s is not supported (only 'file')",
                     d->opt_name, d->spec, drv);
        return -1;
    }
    if (drv && !name) {
        error_report("%s %s: data-file.driver needs data-file.filename", d->opt_name, d->spec);
        return -1;
    }
    if (name && !*name) {
        error_report("%s %s: data-file.filename is empty", d->opt_name, d->spec);
        return -1;
    }
    if (name && d->format && strcmp(d->format, "qcow2")) {
        error_report("%s %s: Block format '%s' does not support the option 'data-file'",
                     d->opt_name, d->spec, d->format);
        return -1;
    }
    d->data_file = cl_strdup(name);
    return 0;
}

static int drive_keys(DriveOpts *d, const Opts *o)
{
    const char *v;
    if ((v = opts_get(o, "if")) && drive_if(d, v))
        return -1;
    if ((v = opts_get(o, "media"))) {
        if (strcmp(v, "disk") && strcmp(v, "cdrom")) {
            error_report("%s %s: '%s' invalid media", d->opt_name, d->spec, v);
            return -1;
        }
        d->cdrom = !strcmp(v, "cdrom");
    }
    if ((v = opts_get(o, "cache")) && drive_cache(d, v))
        return -1;
    if ((v = opts_get(o, "format"))) {
        if (strcmp(v, "raw") && strcmp(v, "qcow2")) {
            error_report("%s %s: Unknown driver '%s'", d->opt_name, d->spec, v);
            return -1;
        }
        d->format = xstrdup(v);
    }
    if (drive_num(d, o, "index", &d->index) || drive_num(d, o, "bus", &d->bus) ||
        drive_num(d, o, "unit", &d->unit))
        return -1;
    if (drive_readonly(d, o) ||
        cl_bool(o, "snapshot", false, &d->snapshot, d->opt_name, d->spec, NULL))
        return -1;
    if (drive_data_file(d, o))
        return -1;
    d->file = cl_strdup(opts_get(o, "file"));
    d->id = cl_strdup(opts_get(o, "id"));
    d->serial = cl_strdup(opts_get(o, "serial"));
    return 0;
}

/* Turn bus/unit into an index (and back), checking the ranges as QEMU. */
static int drive_place(DriveOpts *d)
{
    int per_bus = if_units[d->iface];
    if (d->index >= 0 && (d->bus >= 0 || d->unit >= 0)) {
        error_report("%s %s: index cannot be used with bus and unit", d->opt_name, d->spec);
        return -1;
    }
    if (d->unit >= per_bus) {
        error_report("%s %s: unit %d too big (max is %d)", d->opt_name, d->spec, d->unit,
                     per_bus - 1);
        return -1;
    }
    if (d->index < 0 && (d->bus >= 0 || d->unit >= 0))
        d->index = MAX(d->bus, 0) * per_bus + MAX(d->unit, 0);
    if (d->index < 0) {
        /* The first free index of this interface. */
        for (d->index = 0; drive_get(d->iface, d->index); d->index++)
            ;
    } else if (drive_get(d->iface, d->index)) {
        error_report("%s %s: drive with bus=%d, unit=%d (index=%d) exists", d->opt_name,
                     d->spec, d->index / per_bus, d->index % per_bus, d->index);
        return -1;
    }
    d->bus = d->index / per_bus;
    d->unit = d->index % per_bus;
    return 0;
}

static int drive_open_check(const DriveOpts *d)
{
    if (!d->file || !*d->file)
        return 0;   /* an empty CD-ROM drive */
    int fd = open(d->file, (d->readonly || d->cdrom) ? O_RDONLY : O_RDWR);
    if (fd < 0) {
        error_report("%s %s: Could not open '%s': %s", d->opt_name, d->spec, d->file,
                     strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Only interfaces whose device model is built can hold a drive. */
static int drive_supported(const DriveOpts *d)
{
    const char *dev = if_device[d->iface];
    if (d->iface == IF_NONE)
        return 0;   /* for -device ...,drive=ID */
    if (d->iface == IF_IDE && d->cdrom)
        dev = "ide-cd";
    if (!device_class_find(dev)) {
        error_report("%s %s: %s %s drives are not supported yet (no %s device)",
                     d->opt_name, d->spec, if_names[d->iface], d->cdrom ? "CD-ROM" : "disk",
                     dev);
        return -1;
    }
    return 0;
}

static int opts_parse_shown(Opts *o, const char *opt, const char *shown, const char *optstr,
                            const char *const *keys)
{
    const char *err;
    if (opts_parse(o, optstr, NULL, &err)) {
        error_report("%s %s: %s", opt, shown, err);
        return -1;
    }
    const char *bad = cl_unknown_key(o, keys);
    if (bad) {
        error_report("%s %s: Invalid parameter '%s'", opt, shown, bad);
        opts_free(o);
        return -1;
    }
    return 0;
}

static void drive_opts_free(DriveOpts *d)
{
    free(d->spec);
    free(d->opt_name);
    free(d->file);
    free(d->format);
    free(d->id);
    free(d->serial);
    free(d->data_file);
    memset(d, 0, sizeof(*d));
}

/* shown is what messages quote (the option's argument as typed); optstr is
 * what is parsed (for -hda FILE, "file=FILE,index=0"). */
static int drive_add(KemuOptions *o, const char *opt_name, const char *shown,
                     const char *optstr)
{
    static const char *const keys[] = { "file", "if", "media", "index", "bus", "unit",
        "cache", "format", "readonly", "id", "snapshot", "serial", "data-file",
        "data-file.filename", "data-file.driver", NULL };
    if (o->ndrives >= MAX_DRIVES) {
        error_report("%s %s: too many drives (at most %d)", opt_name, shown, MAX_DRIVES);
        return -1;
    }
    DriveOpts *d = &o->drives[o->ndrives];
    *d = (DriveOpts){ .spec = xstrdup(shown), .opt_name = xstrdup(opt_name), .iface = IF_IDE,
                      .index = -1, .bus = -1, .unit = -1, .cache = CACHE_WRITEBACK,
                      .cache_writeback = true };
    current = o;
    Opts opts;
    if (opts_parse_shown(&opts, opt_name, shown, optstr, keys)) {
        drive_opts_free(d);
        return -1;
    }
    int ret = -1;
    if (drive_keys(d, &opts) || drive_place(d) || drive_open_check(d) || drive_supported(d))
        goto out;
    o->ndrives++;
    ret = 0;
out:
    opts_free(&opts);
    if (ret)
        drive_opts_free(d);
    return ret;
}

int cmdline_parse_drive(KemuOptions *o, const char *opt_name, const char *arg)
{
    return drive_add(o, opt_name, arg, arg);
}

/* "a,b" -> "a,,b": a file name inside an option string. */
static char *escape_commas(const char *s)
{
    char *out = xmalloc(2 * strlen(s) + 1), *d = out;
    for (; *s; s++) {
        *d++ = *s;
        if (*s == ',')
            *d++ = ',';
    }
    *d = '\0';
    return out;
}

/* -hda..-hdd (IDE index 0..3), -cdrom (IDE index 2, as QEMU), -fda/-fdb
 * (floppy index 0/1), and a bare image name (-hda). */
int cmdline_parse_legacy_drive(KemuOptions *o, const char *opt_name, const char *file)
{
    static const char *const names[] = { "-hda", "-hdb", "-hdc", "-hdd" };
    char *esc = escape_commas(file), *optstr = NULL;
    if (!strcmp(opt_name, "-cdrom")) {
        optstr = xasprintf("file=%s,index=2,media=cdrom", esc);
    } else if (!strcmp(opt_name, "-fda") || !strcmp(opt_name, "-fdb")) {
        optstr = xasprintf("file=%s,if=floppy,index=%d", esc, opt_name[3] - 'a');
    } else {
        for (int i = 0; i < 4; i++) {
            if (!strcmp(opt_name, names[i]))
                optstr = xasprintf("file=%s,index=%d,media=disk", esc, i);
        }
    }
    if (!optstr)
        optstr = xasprintf("file=%s,index=0,media=disk", esc);
    int ret = drive_add(o, opt_name, file, optstr);
    free(esc);
    free(optstr);
    return ret;
}
