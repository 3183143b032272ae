/* Property test of the block layer: random, seeded sequences of writes
 * (plain and compressed), write-zeroes, discards, shrinks, grows, internal
 * snapshots (create/apply/delete) and commits into a backing file, applied
 * through the block layer and the kemu-img binary, against a byte-array
 * model.  After every step the image is read back and compared with the
 * model and checked for consistency; at oracle steps it is closed and
 * qemu-img (when installed) must find it clean and read the same bytes.
 *
 * A discard may leave a byte as it was or make it zero (nothing else); the
 * model accepts both and takes what was read.  Everything past a shrink must
 * read as zeros after a grow, with or without a backing file.
 *
 * KEMU_PROP_SEED=N reruns one seed; KEMU_PROP_RUNS (seeds per test),
 * KEMU_PROP_STEPS and KEMU_PROP_ORACLE (qemu-img every N steps) make runs
 * longer or denser (tests/img uses them); KEMU_PROP_VERBOSE lists the steps;
 * KEMU_IMG names the kemu-img binary (default ./kemu-img). */
#include "tests/unit/unit.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct Model {
    uint8_t *data;  /* expected bytes */
    uint8_t *loose; /* 1: the byte may also read as zero (discarded) */
    uint64_t size;
} Model;

typedef struct Snap {
    char name[16];
    Model m;
} Snap;

typedef struct Config {
    const char *fmt;
    uint32_t cluster;
    int compat;
    const char *backing; /* format of the backing file, NULL: none */
    bool lazy;           /* lazy_refcounts=on */
} Config;

typedef struct Prop {
    const Config *c;
    uint64_t seed, rng, max;
    char dir[64], top[96], base[96], raw[96];
    BlockDriverState *bs;
    Model m, bm;           /* the image and its backing file */
    Snap snaps[4];
    int nsnaps, snap_seq, step;
    int compat;            /* the image's version now (amend changes it) */
    char op[200];          /* the step being run, for failure messages */
    const char *kemu_img;  /* NULL: not built, steps through it are left out */
    bool qemu, failed;
} Prop;

static uint64_t rnd(Prop *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

static void fail(Prop *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(Prop *p, const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    unit_fail(__FILE__, __LINE__, "seed %" PRIu64 " (KEMU_PROP_SEED=%" PRIu64 " reruns it), "
              "step %d, %s: %s", p->seed, p->seed, p->step, p->op, why);
    p->failed = true;
}

static void model_resize(Model *m, uint64_t size)
{
    m->data = xrealloc(m->data, size + 1);
    m->loose = xrealloc(m->loose, size + 1);
    if (size > m->size) {
        memset(m->data + m->size, 0, size - m->size);
        memset(m->loose + m->size, 0, size - m->size);
    }
    m->size = size;
}

static void model_copy(Model *dst, const Model *src)
{
    model_resize(dst, src->size);
    memcpy(dst->data, src->data, src->size);
    memcpy(dst->loose, src->loose, src->size);
}

static void model_free(Model *m)
{
    free(m->data);
    free(m->loose);
    memset(m, 0, sizeof(*m));
}

/* Compare bytes read with the model; a match makes the model exact. */
static void model_match(Prop *p, Model *m, const uint8_t *got, uint64_t size, const char *who)
{
    if (size != m->size) {
        fail(p, "%s: size %" PRIu64 ", model %" PRIu64, who, size, m->size);
        return;
    }
    for (uint64_t i = 0; i < size; i++) {
        if (got[i] != m->data[i] && !(m->loose[i] && got[i] == 0)) {
            uint64_t j = i;
            while (j < size && got[j] != m->data[j] && !(m->loose[j] && !got[j])) {
                j++;
            }
            fail(p, "%s: bytes %" PRIu64 "..%" PRIu64 " read %#x, model %#x", who, i, j - 1,
                 got[i], m->data[i]);
            return;
        }
    }
    memcpy(m->data, got, size);
    memset(m->loose, 0, size);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&cmd, fmt, ap) < 0) {
        abort();
    }
    va_end(ap);
    int r = system(cmd);
    free(cmd);
    return r;
}

/* ---- opening, reading back, checking ---- */

static void open_top(Prop *p)
{
    char *err = NULL;
    p->bs = bdrv_open(p->top, p->c->fmt, BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    if (!p->bs) {
        fail(p, "reopen: %s", err ? err : "?");
    }
    free(err);
}

static void close_top(Prop *p)
{
    bdrv_close(p->bs);
    p->bs = NULL;
}

static void verify_open(Prop *p)
{
    uint8_t *got = xmalloc(p->bs->total_size + 1);
    if (blk_pread(p->bs, 0, got, p->bs->total_size) < 0) {
        fail(p, "read back failed");
    } else {
        model_match(p, &p->m, got, p->bs->total_size, "kemu read");
    }
    free(got);
    BlockCheckResult res;
    if (!p->failed && p->bs->drv->check &&
        (p->bs->drv->check(p->bs, &res, 0) < 0 || res.corruptions || res.leaks ||
         res.check_errors)) {
        fail(p, "kemu check: %d corruptions, %d leaks, %d errors", res.corruptions,
             res.leaks, res.check_errors);
    }
}

static uint8_t *slurp(const char *path, uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *size = (uint64_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = xmalloc(*size + 1);
    if (fread(b, 1, *size, f) != *size) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* qemu-img as the independent judge of the closed image. */
static void verify_qemu(Prop *p, const char *image, Model *m, const char *fmt)
{
    if (!strcmp(fmt, "qcow2") &&
        sh("qemu-img check -q -f qcow2 '%s' >/dev/null 2>&1", image) != 0) {
        sh("qemu-img check -f qcow2 '%s' >&2", image);
        fail(p, "qemu-img check of %s is not clean", image);
        return;
    }
    if (sh("qemu-img convert -f %s -O raw '%s' '%s' 2>&1 >/dev/null", fmt, image, p->raw)) {
        fail(p, "qemu-img convert of %s failed", image);
        return;
    }
    uint64_t size;
    uint8_t *got = slurp(p->raw, &size);
    if (!got) {
        fail(p, "cannot read the converted image");
        return;
    }
    model_match(p, m, got, size, "qemu-img convert");
    free(got);
}

static void oracle(Prop *p)
{
    close_top(p);
    /* A repair of a clean image must find nothing to do. */
    if (p->kemu_img && !strcmp(p->c->fmt, "qcow2") &&
        sh("'%s' check -r all '%s' 2>&1 | grep -q '^No errors were found'", p->kemu_img,
           p->top) != 0) {
        fail(p, "kemu-img check -r all did not find the image clean");
    }
    verify_qemu(p, p->top, &p->m, p->c->fmt);
    if (!p->failed && p->c->backing) {
        verify_qemu(p, p->base, &p->bm, p->c->backing);
    }
    open_top(p);
}

/* ---- random choices ---- */

/* A size or offset near a cluster boundary (or anywhere), 512-aligned. */
static uint64_t pick_point(Prop *p, uint64_t lo, uint64_t hi)
{
    uint64_t cs = p->c->cluster, v;
    if (hi <= lo) {
        return lo;
    }
    switch (rnd(p) % 4) {
    case 0: v = lo + rnd(p) % (hi - lo + 1); break;
    case 1: v = ALIGN_DOWN(lo + rnd(p) % (hi - lo + 1), cs); break;
    case 2: v = ALIGN_DOWN(lo + rnd(p) % (hi - lo + 1), cs) + 512; break;
    default: v = ALIGN_DOWN(lo + rnd(p) % (hi - lo + 1), cs) + cs - 512; break;
    }
    v = ALIGN_DOWN(v, 512);
    return MAX(lo, MIN(hi, v));
}

/* A byte range inside the disk: small and unaligned, cluster-sized, to the
 * end of the disk, or the whole disk. */
static void pick_range(Prop *p, uint64_t *off, uint64_t *len)
{
    uint64_t size = p->m.size, cs = p->c->cluster;
    switch (rnd(p) % 5) {
    case 0:
        *off = rnd(p) % size;
        *len = 1 + rnd(p) % MIN(size - *off, 3000);
        return;
    case 1:
        *off = pick_point(p, 0, size - 1);
        *len = size - *off;
        return;
    case 2:
        *off = 0;
        *len = size;
        return;
    default: {
        uint64_t at = pick_point(p, 0, size); /* (MIN evaluates twice: no rnd in it) */
        at += rnd(p) % 3 == 0 ? rnd(p) % 512 : 0;
        *off = MIN(at, size - 1);
        *len = 1 + rnd(p) % MIN(size - *off, 3 * cs);
        return;
    }
    }
}

static void fill(Prop *p, uint8_t *buf, uint64_t len)
{
    uint8_t v = (uint8_t)(1 + rnd(p) % 255);
    for (uint64_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(v + (i >> 9)); /* never 0 at a sector start */
    }
}

/* ---- the operations ---- */

/* Write through the image opened without its backing file (as kemu-img
 * does for some commands): a partial cluster must still copy the rest from
 * the backing file. */
static int write_no_backing(Prop *p, uint64_t off, const uint8_t *buf, uint64_t len)
{
    char *err = NULL;
    close_top(p);
    BlockDriverState *bs = bdrv_open(p->top, p->c->fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING,
                                     BDRV_CACHE_WRITEBACK, &err);
    free(err);
    int r = bs ? blk_pwrite(bs, off, buf, len) : -EIO;
    bdrv_close(bs);
    open_top(p);
    return r;
}

static void op_write(Prop *p)
{
    uint64_t off, len;
    bool no_backing = p->c->backing && rnd(p) % 4 == 0;
    pick_range(p, &off, &len);
    snprintf(p->op, sizeof(p->op), "write %" PRIu64 "+%" PRIu64 "%s", off, len,
             no_backing ? " (opened without its backing file)" : "");
    uint8_t *buf = xmalloc(len);
    fill(p, buf, len);
    int r = no_backing ? write_no_backing(p, off, buf, len) : blk_pwrite(p->bs, off, buf, len);
    if (r < 0) {
        fail(p, "write failed: %s", strerror(-r));
    }
    memcpy(p->m.data + off, buf, len);
    memset(p->m.loose + off, 0, len);
    free(buf);
}

/* Whole clusters compressed, or the last partial one; anything else must be
 * refused without touching the data. */
static void op_write_compressed(Prop *p)
{
    uint64_t cs = p->c->cluster, size = p->m.size;
    uint64_t off = ALIGN_DOWN(rnd(p) % size, cs);
    uint64_t want = (1 + rnd(p) % 3) * cs;
    uint64_t len = MIN(size - off, want);
    bool bad = rnd(p) % 6 == 0 && len > 1;
    if (bad) {
        len -= 1 + rnd(p) % MIN(len - 1, 511); /* partial cluster before the end */
    }
    snprintf(p->op, sizeof(p->op), "compressed write %" PRIu64 "+%" PRIu64, off, len);
    uint8_t *buf = xmalloc(len);
    fill(p, buf, len);
    memset(buf, buf[0], len / 2); /* compressible */
    int r = blk_pwrite_compressed(p->bs, off, buf, len);
    if (r == 0) {
        memcpy(p->m.data + off, buf, len);
        memset(p->m.loose + off, 0, len);
    } else if (!bad || r != -EINVAL) {
        fail(p, "compressed write: %s", strerror(-r));
    }
    free(buf);
}

static void op_zero(Prop *p)
{
    uint64_t off, len;
    bool unmap = rnd(p) & 1;
    pick_range(p, &off, &len);
    snprintf(p->op, sizeof(p->op), "write-zeroes %" PRIu64 "+%" PRIu64 "%s", off, len,
             unmap ? " unmap" : "");
    int r = blk_pwrite_zeroes(p->bs, off, len, unmap);
    if (r < 0) {
        fail(p, "write-zeroes failed: %s", strerror(-r));
    }
    memset(p->m.data + off, 0, len);
    memset(p->m.loose + off, 0, len);
}

static void op_discard(Prop *p)
{
    uint64_t off, len;
    pick_range(p, &off, &len);
    snprintf(p->op, sizeof(p->op), "discard %" PRIu64 "+%" PRIu64, off, len);
    int r = blk_pdiscard(p->bs, off, len);
    if (r < 0) {
        fail(p, "discard failed: %s", strerror(-r));
    }
    memset(p->m.loose + off, 1, len);
}

/* Resize in-process or with `kemu-img resize` (which opens the image
 * without its backing file). */
static int resize(Prop *p, uint64_t size, bool shrink, PreallocMode pm)
{
    if (p->kemu_img && rnd(p) % 2) {
        close_top(p);
        int r = sh("'%s' resize -q -f %s --preallocation=%s %s '%s' %" PRIu64 " 2>/dev/null",
                   p->kemu_img, p->c->fmt, bdrv_prealloc_name(pm), shrink ? "--shrink" : "",
                   p->top, size);
        open_top(p);
        return r ? -1 : 0;
    }
    char *err = NULL;
    int r = blk_truncate(p->bs, size, shrink, pm, &err);
    free(err);
    return r;
}

static void resize_to(Prop *p, uint64_t size)
{
    bool grow = size > p->m.size;
    /* A grown area preallocated must read as zeros as well. */
    PreallocMode pm = grow && rnd(p) % 3 == 0 ? (PreallocMode)(1 + rnd(p) % 3) : PREALLOC_OFF;
    size_t n = strlen(p->op);
    snprintf(p->op + n, sizeof(p->op) - n, "%s%s %" PRIu64 " -> %" PRIu64 "%s%s",
             n ? ", " : "", grow ? "grow" : "shrink", p->m.size, size,
             pm ? " preallocation=" : "", pm ? bdrv_prealloc_name(pm) : "");
    int r = resize(p, size, !grow, pm);
    if (!grow && p->nsnaps) {
        if (r == 0) {
            fail(p, "shrink with internal snapshots must be refused");
        }
        return;
    }
    /* Version 2 cannot hide the backing file behind zero clusters: as
     * qemu-img, a grow that would need them is refused. */
    if (grow && p->compat == 2 && p->c->backing && p->bm.size > p->m.size &&
        ALIGN_UP(p->m.size, p->c->cluster) < size) {
        if (r == 0) {
            fail(p, "a grow needing zero clusters in a version 2 image must be refused");
        }
        return;
    }
    if (r < 0) {
        fail(p, "resize failed");
    }
    model_resize(&p->m, size);
}

/* Grow, or shrink and often grow again right away (what must then read as
 * zeros is the point of the test). */
static void op_resize(Prop *p, bool grow)
{
    uint64_t size = grow ? pick_point(p, p->m.size + 512, p->max)
                         : pick_point(p, 512, p->m.size - 512);
    if (grow ? size <= p->m.size : size >= p->m.size) {
        return;
    }
    resize_to(p, size);
    if (!grow && !p->failed && p->bs && rnd(p) % 2) {
        size = pick_point(p, p->m.size + 512, p->max);
        if (size > p->m.size) {
            resize_to(p, size);
        }
    }
}

/* Internal snapshots, in-process or with `kemu-img snapshot`. */
static int snapshot(Prop *p, char action, const char *name)
{
    if (p->kemu_img && rnd(p) % 2) {
        close_top(p);
        int r = sh("'%s' snapshot -q -%c '%s' '%s' 2>/dev/null", p->kemu_img, action, name,
                   p->top);
        open_top(p);
        return r ? -1 : 0;
    }
    char *err = NULL;
    int r = action == 'c' ? p->bs->drv->snapshot_create(p->bs, name, &err)
          : action == 'a' ? p->bs->drv->snapshot_apply(p->bs, name, &err)
                          : p->bs->drv->snapshot_delete(p->bs, name, &err);
    free(err);
    return r;
}

static void op_snapshot(Prop *p)
{
    int kind = (int)(rnd(p) % 4); /* create, apply, delete twice as often */
    kind = kind == 3 ? 2 : kind;
    if (kind == 0 && p->nsnaps < 3) {
        Snap *s = &p->snaps[p->nsnaps];
        snprintf(s->name, sizeof(s->name), "s%d", ++p->snap_seq);
        snprintf(p->op, sizeof(p->op), "snapshot create %s", s->name);
        if (snapshot(p, 'c', s->name) < 0) {
            fail(p, "failed");
        }
        model_copy(&s->m, &p->m);
        p->nsnaps++;
    } else if (p->nsnaps) {
        int i = (int)(rnd(p) % (uint64_t)p->nsnaps);
        Snap *s = &p->snaps[i];
        snprintf(p->op, sizeof(p->op), "snapshot %s %s", kind == 1 ? "apply" : "delete",
                 s->name);
        if (snapshot(p, kind == 1 ? 'a' : 'd', s->name) < 0) {
            fail(p, "failed");
        }
        if (kind == 1) {
            model_copy(&p->m, &s->m);
        } else {
            model_free(&s->m);
            p->snaps[i] = p->snaps[--p->nsnaps];
            memset(&p->snaps[p->nsnaps], 0, sizeof(Snap));
        }
    }
}

/* `kemu-img commit`: the backing file takes the image's content and the
 * image is emptied, so it reads the same.  Internal snapshots read the
 * backing file where they allocate nothing, so commits wait until there
 * are none (as a model of them would need the old backing content). */
static void op_commit(Prop *p)
{
    if (!p->c->backing || !p->kemu_img || p->nsnaps) {
        return;
    }
    snprintf(p->op, sizeof(p->op), "commit (size %" PRIu64 ", backing %" PRIu64 ")",
             p->m.size, p->bm.size);
    close_top(p);
    if (sh("'%s' commit -q '%s' >/dev/null", p->kemu_img, p->top) != 0) {
        fail(p, "kemu-img commit failed");
    }
    open_top(p);
    if (p->bm.size < p->m.size) {
        model_resize(&p->bm, p->m.size);
    }
    memcpy(p->bm.data, p->m.data, p->m.size);
    memcpy(p->bm.loose, p->m.loose, p->m.size);
    if (!p->failed && p->bs) {
        BlockDriverState *b = p->bs->backing;
        uint8_t *got = xmalloc(b->total_size + 1);
        if (blk_pread(b, 0, got, b->total_size) < 0) {
            fail(p, "reading the backing file failed");
        } else {
            model_match(p, &p->bm, got, b->total_size, "backing file");
        }
        free(got);
    }
}

/* `kemu-img amend` between compat 0.10 and 1.1 and lazy refcounts on and
 * off: it succeeds and the content (and the snapshots') stays. */
static void op_amend(Prop *p)
{
    static const char *const opts[] = { "compat=0.10", "compat=1.1",
                                        "compat=1.1,lazy_refcounts=on", "lazy_refcounts=off" };
    int i = (int)(rnd(p) % 4);
    if (!p->kemu_img) {
        return;
    }
    snprintf(p->op, sizeof(p->op), "amend -o %s", opts[i]);
    close_top(p);
    int r = sh("'%s' amend -f qcow2 -o %s '%s' 2>/dev/null", p->kemu_img, opts[i], p->top);
    open_top(p);
    if (r == 0 && i < 3) {
        p->compat = i == 0 ? 2 : 3;
    } else if (r) {
        fail(p, "amend failed");
    }
}

/* `kemu-img convert` of the image (sometimes compressed, another cluster
 * size) must read as the model. */
static void op_convert(Prop *p)
{
    static const char *const opts[] = { "-O qcow2", "-c -O qcow2", "-O qcow2 -o cluster_size=4k",
                                        "-O raw" };
    int i = (int)(rnd(p) % 4);
    if (!p->kemu_img) {
        return;
    }
    snprintf(p->op, sizeof(p->op), "convert %s", opts[i]);
    close_top(p);
    char *out = xasprintf("%s/conv.img", p->dir);
    if (sh("'%s' convert -f %s %s '%s' '%s' 2>/dev/null", p->kemu_img, p->c->fmt, opts[i],
           p->top, out) != 0) {
        fail(p, "kemu-img convert failed");
    }
    char *err = NULL;
    BlockDriverState *bs = p->failed ? NULL : bdrv_open(out, i == 3 ? "raw" : "qcow2", 0,
                                                         BDRV_CACHE_WRITEBACK, &err);
    free(err);
    if (bs) {
        uint8_t *got = xmalloc(bs->total_size + 1);
        if (blk_pread(bs, 0, got, bs->total_size) < 0) {
            fail(p, "reading the converted image failed");
        } else {
            model_match(p, &p->m, got, bs->total_size, "converted image");
        }
        free(got);
        bdrv_close(bs);
    }
    unlink(out);
    free(out);
    open_top(p);
}

static void step(Prop *p)
{
    int k = (int)(rnd(p) % 20);
    bool qcow2 = !strcmp(p->c->fmt, "qcow2");
    p->op[0] = '\0';
    if (k < 6) {
        op_write(p);
    } else if (k < 7 && qcow2) {
        op_write_compressed(p);
    } else if (k < 9) {
        op_zero(p);
    } else if (k < 11) {
        op_discard(p);
    } else if (k < 14) {
        op_resize(p, false);
    } else if (k < 15) {
        op_resize(p, true);
    } else if (k < 18 && qcow2) {
        op_snapshot(p);
    } else if (k < 19) {
        op_commit(p);
    } else if (qcow2 && rnd(p) % 2) {
        op_amend(p);
    } else {
        op_convert(p);
    }
}

/* ---- set-up ---- */

static void make_base(Prop *p)
{
    BlockCreateOpts o = { .size = pick_point(p, p->max / 4, p->max), .size_set = true,
                          .cluster_size = p->c->cluster, .quiet = true };
    char *err = NULL;
    CHECK_EQ(bdrv_create(p->c->backing, p->base, &o, &err), 0);
    BlockDriverState *b = bdrv_open(p->base, p->c->backing, BDRV_O_RDWR, BDRV_CACHE_WRITEBACK,
                                    &err);
    CHECK(b != NULL);
    model_resize(&p->bm, o.size);
    for (uint64_t off = 0; off < o.size; off += p->c->cluster) {
        uint64_t n = MIN(p->c->cluster, o.size - off);
        if (rnd(p) % 4) { /* some clusters stay unallocated */
            fill(p, p->bm.data + off, n);
            CHECK_EQ(blk_pwrite(b, off, p->bm.data + off, n), 0);
        }
    }
    bdrv_close(b);
    free(err);
}

static void make_top(Prop *p)
{
    uint64_t size = pick_point(p, 512, p->max);
    BlockCreateOpts o = { .size = size, .size_set = true, .cluster_size = p->c->cluster,
                          .compat = p->c->compat, .lazy_refcounts = p->c->lazy,
                          .quiet = true };
    if (p->c->backing) {
        o.backing_file = p->base;
        o.backing_fmt = p->c->backing;
        if (rnd(p) % 2) {
            o.size = p->bm.size; /* a size of its own or the backing file's */
        }
    }
    char *err = NULL;
    CHECK_EQ(bdrv_create(p->c->fmt, p->top, &o, &err), 0);
    free(err);
    model_resize(&p->m, o.size);
    if (p->c->backing) {
        memcpy(p->m.data, p->bm.data, MIN(o.size, p->bm.size));
    }
    open_top(p);
}

static uint64_t env_num(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static void prop_cleanup(Prop *p)
{
    close_top(p);
    model_free(&p->m);
    model_free(&p->bm);
    for (int i = 0; i < p->nsnaps; i++) {
        model_free(&p->snaps[i].m);
    }
    sh("rm -rf '%s'", p->dir);
}

static void run_seed(const Config *c, uint64_t seed, int steps, int every)
{
    Prop p = { .c = c, .seed = seed, .rng = seed * 2654435761u + 88172645463325252ULL,
               .compat = c->compat ? c->compat : 3 };
    p.max = MAX(6 * (uint64_t)c->cluster, 256 * 1024);
    p.qemu = sh("command -v qemu-img >/dev/null 2>&1") == 0;
    const char *img = getenv("KEMU_IMG") ? getenv("KEMU_IMG") : "./kemu-img";
    p.kemu_img = access(img, X_OK) == 0 ? img : NULL;
    snprintf(p.dir, sizeof(p.dir), "/tmp/kemu-prop-XXXXXX");
    if (!mkdtemp(p.dir)) {
        SKIP("no temporary directory");
    }
    snprintf(p.top, sizeof(p.top), "%s/top.img", p.dir);
    snprintf(p.base, sizeof(p.base), "%s/base.img", p.dir);
    snprintf(p.raw, sizeof(p.raw), "%s/out.raw", p.dir);
    if (c->backing) {
        make_base(&p);
    }
    make_top(&p);
    for (p.step = 1; p.step <= steps && !p.failed && p.bs; p.step++) {
        step(&p);
        if (getenv("KEMU_PROP_VERBOSE")) {
            fprintf(stderr, "step %d: %s (size %" PRIu64 ")\n", p.step, p.op, p.m.size);
        }
        if (!p.failed && p.bs) {
            verify_open(&p);
        }
        if (!p.failed && p.bs && p.qemu && (p.step % every == 0 || p.step == steps)) {
            oracle(&p);
        }
    }
    prop_cleanup(&p);
}

static void run_config(const Config *c, int steps)
{
    uint64_t seed = env_num("KEMU_PROP_SEED", 0);
    int runs = seed ? 1 : (int)env_num("KEMU_PROP_RUNS", 1);
    steps = (int)env_num("KEMU_PROP_STEPS", (uint64_t)steps);
    int every = (int)MAX(1, env_num("KEMU_PROP_ORACLE", 8));
    for (int i = 0; i < runs && !unit_failures; i++) {
        uint64_t s = seed ? seed : ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20)) + i;
        run_seed(c, s, steps, every);
    }
}

#define PROP_TEST(name, fmt, cluster, compat, backing, lazy, steps) \
    TEST(blockprop, name) \
    { \
        static const Config c = { fmt, cluster, compat, backing, lazy }; \
        run_config(&c, steps); \
    }

PROP_TEST(qcow2_512, "qcow2", 512, 0, NULL, false, 80)
PROP_TEST(qcow2_512_backing, "qcow2", 512, 0, "qcow2", false, 60)
PROP_TEST(qcow2_4k, "qcow2", 4096, 0, NULL, false, 80)
PROP_TEST(qcow2_4k_backing, "qcow2", 4096, 0, "qcow2", false, 80)
PROP_TEST(qcow2_64k, "qcow2", 65536, 0, NULL, false, 80)
PROP_TEST(qcow2_64k_backing, "qcow2", 65536, 0, "qcow2", false, 80)
PROP_TEST(qcow2_64k_lazy_raw_backing, "qcow2", 65536, 0, "raw", true, 60)
PROP_TEST(qcow2_2m, "qcow2", 2 << 20, 0, NULL, false, 30)
PROP_TEST(qcow2_2m_backing, "qcow2", 2 << 20, 0, "qcow2", false, 30)
PROP_TEST(qcow2_v2_4k_backing, "qcow2", 4096, 2, "qcow2", false, 60)
PROP_TEST(qcow2_v2_64k, "qcow2", 65536, 2, NULL, false, 60)
PROP_TEST(raw, "raw", 65536, 0, NULL, false, 60)
