/* kemu-img dd: copy an image, or a part of it, into a new image, with dd's
 * operands (bs=, count=, skip=, if=, of=). */
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DD_CHUNK (2u << 20)

typedef struct DdArgs {
    const char *in, *out, *fmt, *out_fmt;
    uint64_t bs, count, skip;
    bool has_count, share;
} DdArgs;

static int bad_number(const char *what)
{
    error_report("Invalid %s specified. You may use k, M, G, T, P or E suffixes for", what);
    error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
    return -1;
}

/* One "key=value" operand. */
static int dd_operand(DdArgs *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
    const char *v = eq ? eq + 1 : "";
    if (eq && klen == 2 && !strncmp(arg, "if", 2)) {
        a->in = v;
    } else if (eq && klen == 2 && !strncmp(arg, "of", 2)) {
        a->out = v;
    } else if (eq && klen == 2 && !strncmp(arg, "bs", 2)) {
        if (parse_size(v, 'B', &a->bs) < 0) {
            return bad_number("bs");
        }
        if (a->bs == 0 || a->bs > INT_MAX) {
            error_report("Invalid bs specified. Must be between 1 and %d.", INT_MAX);
            return -1;
        }
    } else if (eq && klen == 5 && !strncmp(arg, "count", 5)) {
        if (parse_size(v, 'B', &a->count) < 0) {
            return bad_number("count");
        }
        a->has_count = true;
    } else if (eq && klen == 4 && !strncmp(arg, "skip", 4)) {
        if (parse_size(v, 'B', &a->skip) < 0) {
            return bad_number("skip");
        }
    } else {
        error_report("unrecognized operand %.*s", (int)klen, arg);
        return -1;
    }
    return 0;
}

static int dd_args(int argc, char **argv, DdArgs *a)
{
    static const struct option lopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    *a = (DdArgs){ .out_fmt = "raw", .bs = 512 };
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:O:U", lopts)) != -1) {
        switch (c) {
        case 'f': a->fmt = optarg; break;
        case 'O': a->out_fmt = optarg; break;
        case 'U': a->share = true; break;
        default: return -1;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (dd_operand(a, argv[i]) < 0) {
            return -1;
        }
    }
    if (!a->in || !a->out) {
        error_report("Must specify both input and output files");
        return -1;
    }
    return 0;
}

/* Plain copy of [from, from+size) of in to the start of out. */
static int dd_copy(BlockDriverState *in, BlockDriverState *out, uint64_t from, uint64_t size)
{
    uint8_t *buf = xmalloc(DD_CHUNK);
    int r = 0;
    for (uint64_t pos = 0; pos < size && r == 0; pos += DD_CHUNK) {
        uint64_t n = MIN(DD_CHUNK, size - pos);
        uint64_t have = from + pos < in->total_size ? MIN(n, in->total_size - from - pos) : 0;
        memset(buf + have, 0, n - have);
        if (have && (r = blk_pread(in, from + pos, buf, have)) < 0) {
            error_report("error while reading from input image file: %s", strerror(-r));
        } else if ((r = blk_pwrite(out, pos, buf, n)) < 0) {
            error_report("error while writing to output image file: %s", strerror(-r));
        }
    }
    free(buf);
    return r;
}

int img_dd(int argc, char **argv)
{
    DdArgs a;
    if (dd_args(argc, argv, &a) < 0) {
        return 1;
    }
    BlockDriverState *in = img_open(a.in, a.fmt, a.share ? BDRV_O_SHARE : 0,
                                    BDRV_CACHE_WRITEBACK);
    if (!in) {
        return 1;
    }
    int r = -1;
    BlockDriverState *out = NULL;
    if (!bdrv_find_format(a.out_fmt)) {
        error_report("Unknown file format");
        goto done;
    }
    uint64_t from = a.skip * a.bs, size = 0;
    if (a.skip && from / a.skip != a.bs) {
        from = UINT64_MAX;
    }
    if (from > in->total_size) {
        /* qemu-img says so and still creates an empty image. */
        error_report("%s: cannot skip to specified offset", a.in);
    } else {
        size = in->total_size - from;
    }
    if (a.has_count && a.count <= UINT64_MAX / a.bs) {
        size = MIN(size, a.count * a.bs);
    }
    BlockCreateOpts o = { .size = size, .size_set = true, .quiet = true };
    char *err = NULL;
    if (bdrv_create(a.out_fmt, a.out, &o, &err) < 0) {
        error_report("%s: error while creating output image: %s", a.out, err);
        free(err);
        goto done;
    }
    /* The output is a plain file name even with --image-opts. */
    out = img_open_plain(a.out, a.out_fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                         BDRV_CACHE_WRITEBACK);
    if (out) {
        r = dd_copy(in, out, from, size);
        if (r == 0) {
            r = blk_flush(out);
        }
    }
done:
    bdrv_close(out);
    bdrv_close(in);
    return r < 0 ? 1 : 0;
}
