/* kemu-img: disk image tool, a drop-in for qemu-img.  This file holds main,
 * the command table and helpers shared by the subcommands. */
#include "config.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    { "amend", img_amend },
    { "bench", img_bench },       { "check", img_check },   { "commit", img_commit },
    { "compare", img_compare },   { "convert", img_convert }, { "create", img_create },
    { "info", img_info },         { "map", img_map },       { "measure", img_measure },
    { "snapshot", img_snapshot }, { "rebase", img_rebase }, { "resize", img_resize },
    { "dd", img_dd },             { "bitmap", img_bitmap },
};

/* Take --image-opts out of the arguments (before a "--") for the commands
 * that know it: the file names are then option strings (img_open). */
static int take_image_opts(const char *cmd, int argc, char **argv)
{
    static const char *const knows[] = { "amend", "bench", "bitmap", "check", "commit",
                                         "compare",
                                         "convert", "dd", "info", "map", "measure",
                                         "rebase", "resize", "snapshot" };
    bool ok = false;
    for (size_t i = 0; i < ARRAY_SIZE(knows); i++) {
        ok |= !strcmp(cmd, knows[i]);
    }
    int out = 2;
    for (int i = 2; i < argc; i++) {
        if (ok && !strcmp(argv[i], "--image-opts")) {
            img_image_opts = true;
            continue;
        }
        if (!strcmp(argv[i], "--")) {
            ok = false;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "Supported formats:" with every driver -f accepts, sorted by name, as
 * qemu-img lists its own. */
static void print_formats(void)
{
    const char *names[16];
    size_t n = 0;
    for (const BlockDriver *d; n < ARRAY_SIZE(names) && (d = bdrv_format_at(n)); n++) {
        names[n] = d->name;
    }
    qsort(names, n, sizeof(names[0]), cmp_str);
    printf("Supported formats:");
    for (size_t i = 0; i < n; i++) {
        printf(" %s", names[i]);
    }
    printf("\n");
}

static void help(void)
{
    const char *p = error_progname;
    printf("%s version " KEMU_VERSION "\n"
           "usage: %s [standard options] command [command options]\n"
           "Disk image utility, a drop-in for qemu-img.\n\n"
           "    '-h', '--help'       print this help and exit\n"
           "    '-V', '--version'    print the version and exit\n\n"
           "Command syntax:\n", p, p);
    printf("  amend [--image-opts] [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename\n"
           "  bench [-c count] [-d depth] [-f fmt] [--flush-interval=N] [-o offset] [-q]\n"
           "        [-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename\n"
           "  bitmap (--merge SOURCE | --add | --remove | --clear | --enable | --disable)...\n"
           "         [-b source_file [-F source_fmt]] [-g granularity] [--image-opts | -f fmt]\n"
           "         filename bitmap\n"
           "  check [--image-opts] [-q] [--output=ofmt] [-r [leaks | all]] [-U] [-f fmt]\n"
           "        filename\n"
           "  commit [--image-opts] [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename\n"
           "  compare [--image-opts] [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 filename2\n"
           "  convert [--image-opts] [-U] [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache]\n"
           "          [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options]\n"
           "          [-l snapshot_param] [-S sparse_size] [--salvage]\n"
           "          [--bitmaps [--skip-broken-bitmaps]]\n"
           "          filename [filename2 [...]] output_filename\n"
           "  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options]\n"
           "         filename [size]\n"
           "  dd [--image-opts] [-U] [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks]\n"
           "     [skip=blocks] if=input of=output\n"
           "  info [--image-opts] [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename\n"
           "  map [--image-opts] [-f fmt] [--start-offset=OFFSET] [--max-length=LEN]\n"
           "      [--output=ofmt] [-U] filename\n"
           "  measure [--output=ofmt] [-O output_fmt] [-o options]\n"
           "          [--size N | [--image-opts] [-f fmt] [-l snapshot_param] filename]\n"
           "  snapshot [--image-opts] [-q] [-l | -a snapshot | -c snapshot | -d snapshot] [-U]\n"
           "           filename\n"
           "  rebase [--image-opts] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] [-U]\n"
           "         -b backing_file [-F backing_fmt] filename\n"
           "  resize [--image-opts] [-f fmt] [--preallocation=prealloc] [-q] [--shrink]\n"
           "         filename [+ | -]size\n\n");
    printf("File names: a path; with --image-opts an option string such as\n"
           "'driver=qcow2,file.filename=PATH'; 'json:{...}' with the same keys as a JSON\n"
           "object; 'file:PATH' for the host file itself.\n"
           "snapshot_param: 'snapshot.id=ID', 'snapshot.name=NAME' (or both), or an id\n"
           "or name alone.\n"
           "dd operands: bs= bytes per block (512), count= blocks to copy, skip= blocks\n"
           "to skip in the input, if= the input image, of= the output image.\n"
           "-o help lists the options of the format (-f or -O).\n\n");
    print_formats();
}

int img_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information\n", error_progname);
    return 1;
}

int img_getopt(int argc, char **argv, const char *opts, const struct option *lopts)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), ":%s", opts);
    opterr = 0;
    /* With no long options, "--x" would read as short options "-", "x". */
    static const struct option none[] = { { 0 } };
    int c = getopt_long(argc, argv, buf, lopts ? lopts : none, NULL);
    if (c != '?' && c != ':') {
        return c;
    }
    /* qemu-img names the argument getopt stopped after, as written ("-qz"). */
    img_usage_error(c == '?' ? "unrecognized option '%s'" : "missing argument for option '%s'",
                    argv[optind - 1]);
    return '?';
    return c;
}

void img_error(char *msg)
{
    error_report("%s", msg ? msg : "unknown error");
    free(msg);
}

bool img_image_opts;

BlockDriverState *img_open_plain(const char *filename, const char *fmt, int flags,
                                 BlockCacheMode cache)
{
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(filename, fmt, flags, cache, &err);
    if (!bs) {
        img_error(err);
    }
    return bs;
}

BlockDriverState *img_open(const char *filename, const char *fmt, int flags,
                           BlockCacheMode cache)
{
    char *err = NULL;
    if (img_image_opts && fmt) {
        error_report("--image-opts and --format are mutually exclusive");
        return NULL;
    }
    BlockDriverState *bs = img_image_opts ? bdrv_open_image_opts(filename, flags, cache, &err)
                                          : bdrv_open_pseudo(filename, fmt, flags, cache, &err);
    if (!bs) {
        img_error(err);
    }
    return bs;
}

typedef struct SnapParam {
    const char *id, *name, *bad;
} SnapParam;

static int snap_key(const char *k, const char *v, void *opaque)
{
    SnapParam *p = opaque;
    if (!strcmp(k, "snapshot.id")) {
        p->id = xstrdup(v);
    } else if (!strcmp(k, "snapshot.name")) {
        p->name = xstrdup(v);
    } else {
        p->bad = xstrdup(k);
        return -1;
    }
    return 0;
}

/* -l: "snapshot.id=ID,snapshot.name=NAME" (either), or a plain id or name. */
int img_load_snapshot(BlockDriverState *bs, const char *param)
{
    SnapParam p = { 0 };
    char *err = NULL;
    int r;
    if (!strncmp(param, "snapshot.", 9) && blk_opts_split(param, NULL, snap_key, &p, &err) < 0) {
        if (p.bad) {
            error_report("Invalid parameter '%s'", p.bad);
        } else {
            img_error(err);
            err = NULL;
        }
        error_report("Failed in parsing snapshot param '%s'", param);
        r = -EINVAL;
    } else if (!bs->drv->snapshot_load_tmp) {
        error_report("Failed to load snapshot: Block format '%s' used by device '' does not "
                     "support temporarily loading internal snapshots", bs->drv->name);
        r = -ENOTSUP;
    } else if (!strncmp(param, "snapshot.", 9)) {
        r = bs->drv->snapshot_load_tmp(bs, p.id, p.name, &err);
    } else {
        /* qemu-img tries it as an id first, then as a name. */
        r = bs->drv->snapshot_load_tmp(bs, param, NULL, &err);
        if (r == -ENOENT) {
            free(err);
            err = NULL;
            r = bs->drv->snapshot_load_tmp(bs, NULL, param, &err);
        }
    }
    if (err) {
        error_report("Failed to load snapshot: %s", err);
    }
    free(err);
    free((char *)p.id);
    free((char *)p.name);
    free((char *)p.bad);
    return r;
}

BlockCacheMode img_cache_mode(const char *s)
{
    BlockCacheMode m;
    if (bdrv_parse_cache(s, &m) < 0) {
        fatal("Invalid cache option: %s", s);
    }
    return m;
}

void img_progress(double percent)
{
    printf("    (%.2f/100%%)\r", percent);
    fflush(stdout);
}

void img_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    /* Messages name the program as it was invoked (installed as qemu-img,
     * it speaks as qemu-img). */
    const char *slash = argv[0] ? strrchr(argv[0], '/') : NULL;
    error_progname = slash ? slash + 1 : argv[0] && argv[0][0] ? argv[0] : "kemu-img";
    if (argc < 2) {
        return img_usage_error("Not enough arguments");
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("kemu-img version " KEMU_VERSION "\n");
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return 0;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help();
            return 0;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            argc = take_image_opts(argv[1], argc, argv);
            argc = img_take_objects(argc, argv);
            if (argc < 0) {
                return argc == -2 ? 0 : 1;
            }
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    return img_usage_error("Command not found: %s", argv[1]);
}
