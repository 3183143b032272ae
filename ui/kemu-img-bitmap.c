/* kemu-img bitmap: add, remove, clear, enable, disable and merge persistent
 * dirty bitmaps, several operations in one call, run in the order given
 * (qemu-img's command, messages and checks).  Operations done before a
 * failing one stay done. */
#include "hw/block/bitmap.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ACT_ADD, ACT_REMOVE, ACT_CLEAR, ACT_ENABLE, ACT_DISABLE, ACT_MERGE } ActKind;

static const char *const act_names[] = { "add", "remove", "clear", "enable", "disable",
                                         "merge" };

typedef struct Act {
    ActKind kind;
    const char *src;          /* --merge SOURCE */
} Act;

typedef struct BitmapArgs {
    Act *acts;
    int nacts;
    const char *fmt, *src_file, *src_fmt;
    uint64_t granularity;     /* -g; 0: the default */
    bool has_granularity;
} BitmapArgs;

/* What QEMU's bdrv_dirty_bitmap_check says of a bitmap an operation needs
 * (may_be_ro: a merge source may be read-only). */
static int usable(const BlockBitmapInfo *info, bool may_be_ro, char **err)
{
    if (info->inconsistent) {
        *err = xasprintf("Bitmap '%s' is inconsistent and cannot be used\n"
                         "Try block-dirty-bitmap-remove to delete this bitmap from disk",
                         info->name);
        return -EINVAL;
    }
    if (info->readonly && !may_be_ro) {
        *err = xasprintf("Bitmap '%s' is readonly and cannot be modified", info->name);
        return -EPERM;
    }
    return 0;
}

static int lookup(BlockDriverState *bs, const char *name, BlockBitmapInfo *info, char **err)
{
    if (bdrv_bitmap_find(bs, name, info) < 0) {
        *err = xasprintf("Dirty bitmap '%s' not found", name);
        return -ENOENT;
    }
    return 0;
}

static int do_add(BlockDriverState *bs, const char *name, const BitmapArgs *a, char **err)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    /* qemu-img hands the granularity over as 32 bits. */
    uint32_t g = (uint32_t)a->granularity;
    if (!name[0]) {
        *err = xstrdup("Bitmap name cannot be empty");
        return -EINVAL;
    }
    if (a->has_granularity && (g < 512 || (g & (g - 1)))) {
        *err = xstrdup("Granularity must be power of 2 and at least 512");
        return -EINVAL;
    }
    if (!ops) {
        *err = xstrdup("Can't store persistent bitmaps to #block1: Operation not supported");
        return -ENOTSUP;
    }
    return ops->add(bs, name, a->has_granularity ? g : 0, err);
}

typedef struct MergeCtx {
    BlockDriverState *dst;
    const char *name;
} MergeCtx;

static int merge_range(void *opaque, uint64_t off, uint64_t len)
{
    MergeCtx *m = opaque;
    return bdrv_bitmap_ops(m->dst)->set_dirty(m->dst, m->name, off, len);
}

static int do_merge(BlockDriverState *bs, const char *name, BlockDriverState *src,
                    const char *src_name, char **err)
{
    BlockBitmapInfo dst_info, src_info;
    int r = lookup(bs, name, &dst_info, err);
    if (r == 0) {
        r = usable(&dst_info, false, err);
    }
    if (r == 0) {
        r = lookup(src, src_name, &src_info, err);
    }
    if (r == 0) {
        r = usable(&src_info, true, err);
    }
    if (r == 0 && src->total_size != bs->total_size) {
        *err = xasprintf("Bitmaps are of different sizes (destination size is %" PRIu64
                         ", source size is %" PRIu64 ") and can't be merged",
                         bs->total_size, src->total_size);
        r = -EINVAL;
    }
    if (r == 0) {
        MergeCtx m = { bs, name };
        r = bdrv_bitmap_ops(src)->for_each_dirty(src, src_name, merge_range, &m);
        if (r < 0) {
            *err = xasprintf("Could not read bitmap '%s': %s", src_name, strerror(-r));
        }
    }
    return r;
}

static int do_act(BlockDriverState *bs, BlockDriverState *src, const Act *act,
                  const char *name, const BitmapArgs *a, char **err)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    BlockBitmapInfo info;
    int r;
    if (act->kind == ACT_ADD) {
        return do_add(bs, name, a, err);
    }
    if (act->kind == ACT_MERGE) {
        return do_merge(bs, name, src, act->src, err);
    }
    if ((r = lookup(bs, name, &info, err)) < 0) {
        return r;
    }
    switch (act->kind) {
    case ACT_REMOVE:
        return ops->remove(bs, name, err);
    case ACT_CLEAR:
        return (r = usable(&info, false, err)) < 0 ? r : ops->clear(bs, name);
    default:
        /* Enabling or disabling is allowed on a read-only image. */
        r = usable(&info, true, err);
        return r < 0 ? r : ops->set_enabled(bs, name, act->kind == ACT_ENABLE);
    }
}

static int add_act(BitmapArgs *a, ActKind kind, const char *src)
{
    a->acts = xrealloc(a->acts, sizeof(*a->acts) * (size_t)(a->nacts + 1));
    a->acts[a->nacts++] = (Act){ kind, src };
    return 0;
}

static bool has_act(const BitmapArgs *a, ActKind kind)
{
    for (int i = 0; i < a->nacts; i++) {
        if (a->acts[i].kind == kind) {
            return true;
        }
    }
    return false;
}

enum { OPT_ADD = 256, OPT_REMOVE, OPT_CLEAR, OPT_ENABLE, OPT_DISABLE, OPT_MERGE };

static int parse_args(int argc, char **argv, BitmapArgs *a)
{
    static const struct option lopts[] = {
        { "add", no_argument, NULL, OPT_ADD },
        { "remove", no_argument, NULL, OPT_REMOVE },
        { "clear", no_argument, NULL, OPT_CLEAR },
        { "enable", no_argument, NULL, OPT_ENABLE },
        { "disable", no_argument, NULL, OPT_DISABLE },
        { "merge", required_argument, NULL, OPT_MERGE },
        { "granularity", required_argument, NULL, 'g' },
        { "source-file", required_argument, NULL, 'b' },
        { "source-format", required_argument, NULL, 'F' },
        { 0 },
    };
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "b:f:F:g:h", lopts)) != -1) {
        switch (c) {
        case 'b': a->src_file = optarg; break;
        case 'f': a->fmt = optarg; break;
        case 'F': a->src_fmt = optarg; break;
        case 'g':
            if (parse_size(optarg, 'B', &a->granularity) < 0 || (int64_t)a->granularity < 0) {
                error_report("Invalid granularity specified. You may use k, M, G, T, P or E "
                             "suffixes for");
                error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes and "
                             "exabytes.");
                return -1;
            }
            a->has_granularity = a->granularity != 0;
            break;
        case OPT_MERGE: add_act(a, ACT_MERGE, optarg); break;
        case OPT_ADD: case OPT_REMOVE: case OPT_CLEAR: case OPT_ENABLE: case OPT_DISABLE:
            add_act(a, (ActKind)(c - OPT_ADD), NULL);
            break;
        default: return -1;
        }
    }
    return 0;
}

/* qemu-img's checks of the option combination, in its order. */
static int check_args(const BitmapArgs *a, int argc)
{
    if (!a->nacts) {
        error_report("Need at least one of --add, --remove, --clear, --enable, --disable, "
                     "or --merge");
    } else if (a->granularity && !has_act(a, ACT_ADD)) {
        error_report("granularity only supported with --add");
    } else if (a->src_fmt && !a->src_file) {
        error_report("-F only supported with -b");
    } else if (a->src_file && !has_act(a, ACT_MERGE)) {
        error_report("Merge bitmap source file only supported with --merge");
    } else if (optind != argc - 2) {
        error_report("Expecting filename and bitmap name");
    } else {
        return 0;
    }
    return -1;
}

static int run_acts(BlockDriverState *bs, BlockDriverState *src, const char *name,
                    const BitmapArgs *a)
{
    for (int i = 0; i < a->nacts; i++) {
        char *err = NULL;
        if (do_act(bs, src, &a->acts[i], name, a, &err) < 0) {
            error_report("Operation %s on bitmap %s failed: %s", act_names[a->acts[i].kind],
                         name, err ? err : "unknown error");
            free(err);
            return 1;
        }
    }
    return 0;
}

int img_bitmap(int argc, char **argv)
{
    BitmapArgs a = { 0 };
    int ret = 1;
    if (parse_args(argc, argv, &a) == 0 && check_args(&a, argc) == 0) {
        const char *name = argv[optind + 1];
        /* The bitmaps live in this image alone: no backing chain. */
        BlockDriverState *bs = img_open(argv[optind], a.fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                                        BDRV_CACHE_WRITEBACK);
        BlockDriverState *src = bs && a.src_file
                                ? img_open_plain(a.src_file, a.src_fmt, BDRV_O_NO_BACKING,
                                                 BDRV_CACHE_WRITEBACK)
                                : bs;
        if (bs && src) {
            ret = run_acts(bs, src, name, &a);
        }
        if (src && src != bs) {
            bdrv_close(src);
        }
        if (bs) {
            bdrv_close(bs);
        }
    }
    free(a.acts);
    return ret;
}

/* convert --bitmaps, before anything is written: an inconsistent bitmap
 * stops the copy unless skip_broken. */
int img_convert_check_bitmaps(BlockDriverState *src, bool skip_broken)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(src);
    BlockBitmapInfo *l = NULL;
    int n = ops ? ops->list(src, &l) : 0, r = 0;
    for (int i = n - 1; i >= 0 && !skip_broken; i--) {
        if (l[i].inconsistent) {
            error_report("Cannot copy inconsistent bitmap '%s'", l[i].name);
            fprintf(stderr, "Try --skip-broken-bitmaps, or use 'qemu-img bitmap --remove' to "
                    "delete it\n");
            r = -1;
            break;
        }
    }
    free(l);
    return r;
}

static int copy_one(BlockDriverState *src, BlockDriverState *dst, const BlockBitmapInfo *b)
{
    BitmapArgs a = { .granularity = b->granularity, .has_granularity = true };
    char *err = NULL;
    if (do_add(dst, b->name, &a, &err) < 0) {
        error_report("Failed to create bitmap %s: %s", b->name, err ? err : "unknown error");
        free(err);
        return -1;
    }
    bdrv_bitmap_ops(dst)->set_enabled(dst, b->name, b->enabled);
    if (do_merge(dst, b->name, src, b->name, &err) < 0) {
        error_report("Failed to populate bitmap %s: %s", b->name, err ? err : "unknown error");
        free(err);
        bdrv_bitmap_ops(dst)->remove(dst, b->name, NULL);
        return -1;
    }
    return 0;
}

/* convert --bitmaps, after the data: the source's bitmaps, with their
 * granularity, state and bits, into the target. */
int img_convert_copy_bitmaps(BlockDriverState *src, BlockDriverState *dst, bool skip_broken)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(src);
    BlockBitmapInfo *l = NULL;
    int n = ops ? ops->list(src, &l) : 0, r = 0;
    /* qemu-img walks a node's bitmaps newest first: the directory's last
     * one first (what a failure leaves copied depends on it). */
    for (int i = n - 1; i >= 0 && r == 0; i--) {
        if (skip_broken && l[i].inconsistent) {
            warn_report("Skipping inconsistent bitmap '%s'", l[i].name);
            continue;
        }
        r = copy_one(src, dst, &l[i]);
    }
    free(l);
    return r;
}
