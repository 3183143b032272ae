/* kemu-img convert, compare, commit and rebase: the commands that copy or
 * compare data between images. */
#include "hw/block/bitmap.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (2u << 20)

int img_chain_status(BlockDriverState *bs, BlockDriverState *stop, uint64_t off, uint64_t len,
                     uint64_t *pnum, bool *zero, bool *alloc_above)
{
    int depth = 0;
    *alloc_above = false;
    for (; bs && bs != stop; bs = bs->backing, depth++) {
        if (off >= bs->total_size) {
            break;
        }
        uint64_t n, map;
        int r = blk_block_status(bs, off, MIN(len, bs->total_size - off), &n, &map);
        if (r < 0) {
            return r;
        }
        len = n;
        if (r & BDRV_BLOCK_ALLOCATED) {
            *pnum = n;
            *zero = (r & BDRV_BLOCK_ZERO) && !(r & BDRV_BLOCK_DATA);
            *alloc_above = true;
            return depth;
        }
    }
    *pnum = len;
    *zero = true;
    return depth;
}

/* The concatenated sources of convert. */
typedef struct Sources {
    BlockDriverState **bs;
    ImgSrcMap *map; /* each source's data read in place, where it can be */
    int n;
    uint64_t total;
} Sources;

static ImgSrcMap *src_map(Sources *s, BlockDriverState *bs)
{
    for (int i = 0; i < s->n; i++) {
        if (s->bs[i] == bs) {
            return &s->map[i];
        }
    }
    return NULL;
}

/* Source image and offset within it for a position of the whole. */
static BlockDriverState *src_at(Sources *s, uint64_t pos, uint64_t *off, uint64_t *left)
{
    for (int i = 0; i < s->n; i++) {
        if (pos < s->bs[i]->total_size) {
            *off = pos;
            *left = s->bs[i]->total_size - pos;
            return s->bs[i];
        }
        pos -= s->bs[i]->total_size;
    }
    return NULL;
}

typedef struct ConvertOut {
    BlockDriverState *bs;
    BlockDriverState *backing; /* the target's backing file (-B), read-only */
    bool compress, fresh, has_backing;
    bool salvage, quiet;       /* --salvage: unreadable sectors read as zeros */
    uint64_t sparse;  /* sparse detection granularity (0: off) */
    uint32_t cluster;
} ConvertOut;

/* Compressed clusters of a chunk at pos (compressed ahead in c); zero
 * clusters stay unallocated in a fresh target. */
static int write_compressed(ConvertOut *o, uint64_t pos, const uint8_t *buf, uint64_t n,
                            const ChunkCompressed *c)
{
    for (uint64_t k = 0, i = 0; k < n; k += o->cluster, i++) {
        uint64_t m = MIN(o->cluster, n - k);
        if (buffer_is_zero(buf + k, m) && o->fresh && !o->has_backing) {
            continue;
        }
        BlockCompressed one = img_compressed_cluster(c, i);
        int r = blk_pwrite_precompressed(o->bs, pos + k, buf + k, m, &one);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int write_data(ConvertOut *o, uint64_t pos, const uint8_t *buf, uint64_t n,
                      const ChunkCompressed *c)
{
    if (o->compress) {
        return write_compressed(o, pos, buf, n, c);
    }
    if (!o->sparse) {
        return blk_pwrite(o->bs, pos, buf, n);
    }
    uint64_t k = 0;
    while (k < n) {
        uint64_t m = MIN(o->sparse - (pos + k) % o->sparse, n - k);
        bool z = buffer_is_zero(buf + k, m);
        uint64_t run = m;
        while (k + run < n) {
            uint64_t m2 = MIN(o->sparse, n - k - run);
            if (buffer_is_zero(buf + k + run, m2) != z) {
                break;
            }
            run += m2;
        }
        int r = 0;
        if (!z) {
            r = blk_pwrite(o->bs, pos + k, buf + k, run);
        } else if (!o->fresh || o->has_backing) {
            r = blk_pwrite_zeroes(o->bs, pos + k, run, true);
        }
        if (r < 0) {
            return r;
        }
        k += run;
    }
    return 0;
}

/* convert runs as a pool of workers (-m, 8 by default as in qemu-img): each
 * takes the next chunk of the sources, reads it and compresses it in
 * parallel with the others, then writes it in its turn (or at once with -W),
 * so the target's layout is the one a serial copy gives. */
/* SLOT_BELOW: data the source's top layer does not hold, with -B: written
 * only where it differs from the target's backing file. */
enum { SLOT_DATA, SLOT_ZERO, SLOT_SKIP, SLOT_BELOW };
#define MAX_WORKERS 16

typedef struct Slot {
    uint64_t pos, n;
    int kind, err;
    bool zero;          /* SLOT_BELOW: the source reads as zeros */
    uint8_t *buf, *bbuf; /* bbuf: the target backing's content (SLOT_BELOW) */
    const uint8_t *data; /* SLOT_DATA: the chunk's bytes, in buf or in place */
    ImgSrcMap *map;      /* where data points into, when in place */
    ChunkCompressed c;  /* -c: buf's clusters compressed ahead of the write */
    bool written;       /* in order: the writer is done with it */
} Slot;

typedef struct Progress Progress;

typedef struct Pipeline {
    Sources *src;
    ConvertOut *o;
    Progress *progress;
    uint64_t next_pos;      /* the next chunk to hand out */
    uint64_t next_seq;      /* its sequence number */
    uint64_t write_seq;     /* the chunk whose turn it is to be written */
    Slot *ready[MAX_WORKERS]; /* filled chunks waiting, by seq % MAX_WORKERS */
    bool writing;           /* a worker is writing the ready chunks in order */
    bool in_order;          /* not -W */
    int err;
    pthread_t th[MAX_WORKERS]; /* workers started besides the calling thread */
    int started, max_workers;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} Pipeline;

/* Read [off, off+n) of bs, zeros past its end. */
static int read_padded(BlockDriverState *bs, uint64_t off, uint8_t *buf, uint64_t n)
{
    uint64_t have = off < bs->total_size ? MIN(n, bs->total_size - off) : 0;
    memset(buf + have, 0, n - have);
    return have ? blk_pread(bs, off, buf, have) : 0;
}

/* Compression writes whole clusters: a chunk of data is widened to the end
 * of its last cluster, a zero chunk narrowed to whole clusters (a zero run
 * inside one cluster is taken as data). */
static void compress_chunk(const ConvertOut *o, uint64_t pos, uint64_t want, uint64_t *pnum,
                           bool *zero)
{
    uint64_t cl = o->cluster;
    uint64_t zero_end = (pos + *pnum) / cl * cl;
    if (*zero && zero_end > pos) {
        *pnum = zero_end - pos;
        return;
    }
    *zero = false;
    *pnum = MIN(want, ALIGN_UP(pos + *pnum, cl) - pos);
}

/* What the chunk at pos holds (kind, length, zero) without reading it;
 * returns the bytes it covers, 0 after an error. */
static uint64_t classify_chunk(Pipeline *p, uint64_t pos, Slot *sl, BlockDriverState **bsp,
                               uint64_t *offp)
{
    uint64_t off = 0, left = 0, pnum = 0;
    bool zero = false, above = false;
    BlockDriverState *bs = src_at(p->src, pos, &off, &left);
    /* qemu-img's chunks start where the last one ended; compressed ones
     * stay cluster aligned. */
    uint64_t want = p->o->compress ? MIN(left, CHUNK - pos % CHUNK) : MIN(left, CHUNK);
    sl->pos = pos;
    int depth = img_chain_status(bs, NULL, off, want, &pnum, &zero, &above);
    sl->err = depth;
    if (sl->err < 0) {
        error_report("error while reading block status at byte %" PRIu64 ": %s", off,
                     strerror(-sl->err));
        return 0;
    }
    sl->err = 0;
    if (p->o->compress) {
        compress_chunk(p->o, pos, want, &pnum, &zero);
    }
    sl->n = pnum;
    sl->zero = zero;
    sl->kind = zero ? SLOT_ZERO : SLOT_DATA;
    if (p->o->has_backing && !(above && depth == 0)) {
        /* qemu-img copies only the source's top layer; kemu-img also keeps
         * what lower layers hold where the target's backing differs. */
        sl->kind = p->o->backing ? SLOT_BELOW : SLOT_SKIP;
    }
    *bsp = bs;
    *offp = off;
    return pnum;
}

/* --salvage: read sector by sector; what cannot be read is zeros (with a
 * warning unless -q), as qemu-img does. */
static int salvage_read(const ConvertOut *o, BlockDriverState *bs, uint64_t off, uint8_t *buf,
                        uint64_t n)
{
    for (uint64_t k = 0; k < n; k += BDRV_SECTOR_SIZE) {
        uint64_t m = MIN(BDRV_SECTOR_SIZE, n - k);
        int r = blk_pread(bs, off + k, buf + k, m);
        if (r < 0) {
            if (!o->quiet) {
                warn_report("error while reading offset %" PRIu64 ": %s", off + k,
                            strerror(-r));
            }
            memset(buf + k, 0, m);
        }
    }
    return 0;
}

/* Read the data of a classified chunk (sl->pos, sl->n at off of bs). */
static void read_chunk(Pipeline *p, BlockDriverState *bs, uint64_t off, Slot *sl)
{
    if (sl->kind == SLOT_BELOW) {
        sl->err = read_padded(p->o->backing, sl->pos, sl->bbuf, sl->n);
    }
    sl->data = sl->buf;
    sl->map = sl->kind == SLOT_DATA ? src_map(p->src, bs) : NULL;
    const uint8_t *in_place = sl->map ? img_srcmap_get(sl->map, bs, off, sl->n) : NULL;
    if (in_place) {
        sl->data = in_place;
    } else if (sl->err == 0 &&
               (sl->kind == SLOT_DATA || (sl->kind == SLOT_BELOW && !sl->zero))) {
        sl->err = blk_pread(bs, off, sl->buf, sl->n);
        if (sl->err < 0 && p->o->salvage) {
            sl->err = salvage_read(p->o, bs, off, sl->buf, sl->n);
        }
    }
    if (sl->err < 0) {
        error_report("error while reading at byte %" PRIu64 ": %s", off, strerror(-sl->err));
    }
}

/* Whether a chunk counts for -p: qemu-img's progress runs over the data it
 * copies (and the zeros it writes without sparse detection). */
static bool counts_for_progress(const ConvertOut *o, const Slot *sl)
{
    return sl->kind == SLOT_DATA || (sl->kind == SLOT_ZERO && !o->sparse);
}

/* The bytes -p runs over (a pass over the block status before copying). */
static int progress_total(Pipeline *p, uint64_t *total)
{
    Slot sl = { 0 };
    BlockDriverState *bs;
    uint64_t off;
    *total = 0;
    for (uint64_t pos = 0; pos < p->src->total;) {
        uint64_t n = classify_chunk(p, pos, &sl, &bs, &off);
        if (!n) {
            return sl.err;
        }
        *total += counts_for_progress(p->o, &sl) ? n : 0;
        pos += n;
    }
    return 0;
}

/* qemu-img's progress: the share of the counted bytes done so far, in
 * single precision, printed when it moved by more than 1% since the last
 * print or stands at 0 or 100. */
struct Progress {
    double total, done;
    float last;
};

static void progress_add(Progress *pr, double bytes)
{
    pr->done += bytes;
    float current = (float)(100.0 * pr->done / pr->total);
    current = current > 100 ? 100 : current;
    if (current > pr->last + 1.0f || current < pr->last - 1.0f || current == 100 ||
        current == 0) {
        pr->last = current;
        img_progress(current);
    }
}

/* A written chunk moves the progress on (compressed ones by cluster, as
 * qemu-img writes them). */
static void progress_chunk(Progress *pr, const ConvertOut *o, const Slot *sl)
{
    if (!pr || !counts_for_progress(o, sl) || pr->total == 0) {
        return;
    }
    uint64_t step = o->compress ? o->cluster : sl->n;
    for (uint64_t k = 0; k < sl->n; k += step) {
        progress_add(pr, (double)MIN(step, sl->n - k));
    }
}

/* SLOT_BELOW: write the clusters whose content differs from the backing's. */
static int write_below(ConvertOut *o, Slot *sl)
{
    if (sl->zero) {
        memset(sl->buf, 0, sl->n);
    }
    for (uint64_t k = 0; k < sl->n;) {
        uint64_t m = MIN(o->cluster - (sl->pos + k) % o->cluster, sl->n - k);
        int r = 0;
        if (memcmp(sl->buf + k, sl->bbuf + k, m)) {
            r = sl->zero ? blk_pwrite_zeroes(o->bs, sl->pos + k, m, false)
                         : blk_pwrite(o->bs, sl->pos + k, sl->buf + k, m);
        }
        if (r < 0) {
            return r;
        }
        k += m;
    }
    return 0;
}

static int write_slot(ConvertOut *o, Slot *sl)
{
    int r = sl->err;
    if (r < 0) {
        return r;
    }
    if (sl->kind == SLOT_BELOW) {
        r = write_below(o, sl);
    }
    if (sl->kind == SLOT_ZERO && (!o->fresh || o->has_backing)) {
        r = blk_pwrite_zeroes(o->bs, sl->pos, sl->n, true);
    } else if (sl->kind == SLOT_DATA) {
        r = write_data(o, sl->pos, sl->data, sl->n, &sl->c);
    }
    if (r < 0) {
        error_report("error while writing at byte %" PRIu64 ": %s", sl->pos, strerror(-r));
    }
    return r;
}

/* Hand out the next chunk (the caller holds p->lock): its block status
 * decides where the one after starts.  Returns false when none is left. */
static bool claim_chunk(Pipeline *p, Slot *sl, uint64_t *seq, BlockDriverState **bs,
                        uint64_t *off)
{
    if (p->err || p->next_pos >= p->src->total) {
        return false;
    }
    uint64_t n = classify_chunk(p, p->next_pos, sl, bs, off);
    if (!n) {
        p->err = sl->err < 0 ? sl->err : -EIO;
        return false;
    }
    *seq = p->next_seq++;
    p->next_pos += n;
    return true;
}

/* Read a claimed chunk (and compress it for -c), outside the lock. */
static void fill_chunk(Pipeline *p, Slot *sl, BlockDriverState *bs, uint64_t off)
{
    read_chunk(p, bs, off, sl);
    if (sl->err == 0 && p->o->compress && sl->kind == SLOT_DATA) {
        /* zero clusters of a new image stay unallocated: none to compress */
        sl->err = img_compress_chunk(p->o->bs, sl->data, sl->n, p->o->cluster,
                                     p->o->fresh && !p->o->has_backing, &sl->c);
    }
}

/* After a chunk's write (p->lock held): progress, or the first error. */
static void chunk_done(Pipeline *p, Slot *sl, int r)
{
    if (r == 0) {
        progress_chunk(p->progress, p->o, sl);
    } else if (!p->err) {
        p->err = r;
    }
}

/* Write the ready chunks from write_seq on, in order, while they come
 * (p->lock held; released around each write). */
static void write_ready(Pipeline *p)
{
    p->writing = true;
    Slot *sl;
    while (!p->err && (sl = p->ready[p->write_seq % MAX_WORKERS])) {
        p->ready[p->write_seq % MAX_WORKERS] = NULL;
        pthread_mutex_unlock(&p->lock);
        int r = write_slot(p->o, sl);
        pthread_mutex_lock(&p->lock);
        chunk_done(p, sl, r);
        sl->written = true;
        p->write_seq++;
    }
    p->writing = false;
    pthread_cond_broadcast(&p->cond);
}

/* Write a filled chunk; returns 0 or -errno.  In order, the worker that
 * finds the next chunk's turn free writes every ready chunk itself, so no
 * chunk waits for its own worker to be woken (a wakeup per chunk is slow
 * on a busy host); the others wait for theirs to be written. */
static int store_chunk(Pipeline *p, Slot *sl, uint64_t seq)
{
    int r = 0;
    pthread_mutex_lock(&p->lock);
    if (!p->in_order) {
        pthread_mutex_unlock(&p->lock);
        r = p->err ? p->err : write_slot(p->o, sl);
        pthread_mutex_lock(&p->lock);
        chunk_done(p, sl, r);
        pthread_mutex_unlock(&p->lock);
        return r;
    }
    sl->written = false;
    p->ready[seq % MAX_WORKERS] = sl;
    if (!p->writing) {
        write_ready(p);
    }
    while (!sl->written && !p->err) {
        pthread_cond_wait(&p->cond, &p->lock);
    }
    r = sl->written ? 0 : p->err;
    if (!sl->written) {
        p->ready[seq % MAX_WORKERS] = NULL; /* abandoned after an error */
    }
    pthread_mutex_unlock(&p->lock);
    return r < 0 ? r : 0;
}

static void *worker(void *opaque);

/* Another worker for a chunk that has much to read or compress, up to -m
 * (p->lock held).  Workers start as the data calls for them: an image of
 * zero runs and small data is copied faster by one thread than by eight
 * that are started for it (8 thread starts cost more CPU time than the
 * whole copy of a sparse 256 MiB qcow2).  Nor does data read in place and
 * not compressed call for one: all that is left of its copy is the write,
 * which is the writer's alone.  256 MiB of random data raw->qcow2, page
 * cache warm: the same CPU time, 540-656 context switches with 8 threads,
 * 45-78 with one; cold: 1.8-2.8 s with 8 threads faulting in chunks far
 * apart, 0.5-0.8 s with one (the kernel's read-ahead follows it). */
static void maybe_spawn(Pipeline *p, const Slot *sl, BlockDriverState *bs, uint64_t off)
{
    bool big = sl->kind != SLOT_ZERO && sl->kind != SLOT_SKIP && sl->n >= CHUNK / 2;
    if (big && !p->o->compress && sl->kind == SLOT_DATA &&
        img_srcmap_covers(src_map(p->src, bs), bs, off, sl->n)) {
        big = false;
    }
    if (big && p->started + 1 < p->max_workers &&
        pthread_create(&p->th[p->started], NULL, worker, p) == 0) {
        p->started++;
    }
}

static void *worker(void *opaque)
{
    Pipeline *p = opaque;
    Slot sl = { .buf = xmalloc(CHUNK), .bbuf = p->o->backing ? xmalloc(CHUNK) : NULL };
    for (;;) {
        BlockDriverState *bs;
        uint64_t seq, off;
        pthread_mutex_lock(&p->lock);
        bool more = claim_chunk(p, &sl, &seq, &bs, &off);
        if (more) {
            maybe_spawn(p, &sl, bs, off);
        }
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (!more) {
            break;
        }
        fill_chunk(p, &sl, bs, off);
        int r = store_chunk(p, &sl, seq);
        if (sl.data != sl.buf) {
            img_srcmap_put(sl.map, sl.data, sl.n);
        }
        if (r < 0) {
            break;
        }
    }
    free(sl.buf);
    free(sl.bbuf);
    img_chunk_compressed_free(&sl.c);
    return NULL;
}

static int convert_copy(Sources *src, ConvertOut *o, int workers, bool in_order,
                        bool show_progress)
{
    Pipeline p = { .src = src, .o = o, .in_order = in_order, .max_workers = workers };
    Progress pr = { 0 };
    if (show_progress) {
        uint64_t total = 0;
        int e = progress_total(&p, &total);
        if (e < 0) {
            return e;
        }
        pr.total = (double)total;
        p.progress = &pr;
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    /* This thread is the first worker; when it finds no chunk left, none
     * is started any more. */
    worker(&p);
    pthread_mutex_lock(&p.lock);
    int started = p.started;
    pthread_mutex_unlock(&p.lock);
    for (int i = 0; i < started; i++) {
        pthread_join(p.th[i], NULL);
    }
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.cond);
    return p.err;
}

static void close_sources(Sources *s)
{
    for (int i = 0; i < s->n; i++) {
        img_srcmap_close(&s->map[i]);
        bdrv_close(s->bs[i]);
    }
    free(s->map);
    free(s->bs);
}

typedef struct ConvertArgs {
    const char *fmt, *out_fmt, *backing, *backing_fmt;
    char *optstr;
    BlockCacheMode cache, scache;
    const char *snapshot; /* -l */
    bool compress, progress, no_create, share, salvage, quiet;
    bool bitmaps, skip_broken;  /* --bitmaps, --skip-broken-bitmaps */
    bool target_opts; /* --target-image-opts: the target is an option string */
    bool out_fmt_given;
    bool out_of_order;  /* -W */
    int workers;        /* -m: requests in flight */
    uint64_t sparse;
} ConvertArgs;

/* -m: how many chunks are in flight, 1 to 16 as in qemu-img. */
static int parse_workers(const char *s, int *n)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > MAX_WORKERS) {
        error_report("Invalid number of coroutines. Allowed number of coroutines is between "
                     "1 and %d", MAX_WORKERS);
        return -1;
    }
    *n = (int)v;
    return 0;
}

/* Options of convert; returns 0, 1 after an error message, or 2 when
 * nothing is left to do (help was printed). */
static int convert_args(int argc, char **argv, ConvertArgs *a)
{
    static const struct option lopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { "target-is-zero", no_argument, NULL, 'Z' },
        { "salvage", no_argument, NULL, 'V' },
        { "bitmaps", no_argument, NULL, 'y' },
        { "skip-broken-bitmaps", no_argument, NULL, 'Y' },
        { "target-image-opts", no_argument, NULL, 'I' },
        { 0 },
    };
    bool quiet = false;
    int c;
    /* qemu-img's defaults: target cache unsafe, 4 KiB sparse detection. */
    *a = (ConvertArgs){ .out_fmt = "raw", .cache = BDRV_CACHE_UNSAFE,
                        .scache = BDRV_CACHE_WRITEBACK, .sparse = 4096,
                        .workers = 8 };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:O:B:F:o:cpqnt:T:S:UWm:r:l:", lopts)) != -1) {
        switch (c) {
        case 'f': a->fmt = optarg; break;
        case 'O': a->out_fmt = optarg; a->out_fmt_given = true; break;
        case 'I': a->target_opts = true; break;
        case 'B': a->backing = optarg; break;
        case 'F': a->backing_fmt = optarg; break;
        case 'o':
            if (img_opts_append(&a->optstr, optarg) < 0) {
                return 1;
            }
            break;
        case 'c': a->compress = true; break;
        case 'p': a->progress = true; break;
        case 'q': quiet = true; break;
        case 'n': a->no_create = true; break;
        case 'U': a->share = true; break;
        case 'l': a->snapshot = optarg; break;
        case 'V': a->salvage = true; break;
        case 'y': a->bitmaps = true; break;
        case 'Y': a->skip_broken = true; break;
        case 't': a->cache = img_cache_mode(optarg); break;
        case 'T': a->scache = img_cache_mode(optarg); break;
        case 'S':
            if (parse_size(optarg, 'B', &a->sparse) < 0 || (a->sparse && a->sparse < 512) ||
                a->sparse % 512) {
                error_report("Invalid buffer size for sparse output specified. Valid sizes "
                             "are multiples of 512 up to 16MB.");
                return 1;
            }
            break;
        case 'W': a->out_of_order = true; break;
        case 'm':
            if (parse_workers(optarg, &a->workers) < 0) {
                return 1;
            }
            break;
        case 'r': case 'Z': break; /* tuning knobs: no effect here */
        default: return 1;
        }
    }
    if (a->target_opts && !a->no_create) {
        error_report("--target-image-opts requires use of -n flag");
        return 1;
    }
    if (a->target_opts && a->out_fmt_given) {
        error_report("--image-opts and --format are mutually exclusive");
        return 1;
    }
    a->progress &= !quiet;
    a->quiet = quiet;
    if (a->skip_broken && !a->bitmaps) {
        error_report("Use of --skip-broken-bitmaps requires --bitmaps");
        return 1;
    }
    const BlockDriver *odrv = bdrv_find_format(a->out_fmt);
    if (!odrv) {
        error_report("Unknown file format '%s'", a->out_fmt);
        return 1;
    }
    if (img_opts_has_help(a->optstr)) {
        img_print_create_help(a->out_fmt, argc - optind > 1 ? argv[argc - 1] : NULL);
        return 2;
    }
    if (argc - optind < 2) {
        error_report("Must specify image file name");
        return 1;
    }
    if (a->compress && !odrv->write_compressed) {
        error_report("Operation not supported by the output format '%s' (compression)",
                     a->out_fmt);
        return 1;
    }
    return 0;
}

static int open_sources(ConvertArgs *a, int n, char **names, Sources *src)
{
    *src = (Sources){ xzalloc(sizeof(BlockDriverState *) * (size_t)(n + 1)),
                      xzalloc(sizeof(ImgSrcMap) * (size_t)(n + 1)), 0, 0 };
    if (a->snapshot && n > 1) {
        error_report("No support for concatenating multiple snapshot");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        BlockDriverState *bs = img_open(names[i], a->fmt, a->share ? BDRV_O_SHARE : 0,
                                        a->scache);
        if (!bs) {
            return -1;
        }
        src->bs[src->n++] = bs;
        if (a->snapshot && img_load_snapshot(bs, a->snapshot) < 0) {
            return -1;
        }
        if (!a->salvage) { /* --salvage reads around bad sectors: by the driver */
            img_srcmap_open(&src->map[src->n - 1], bs);
        }
        src->total += bs->total_size;
    }
    return 0;
}

/* Create (unless -n) and open the target; fills out. */
static int open_target(ConvertArgs *a, const char *name, uint64_t size, ConvertOut *out)
{
    BlockCreateOpts o = { .size = size, .size_set = true, .quiet = true,
                          .backing_file = a->backing, .backing_fmt = a->backing_fmt };
    if (img_parse_create_opts(a->out_fmt, name, a->optstr, &o) ||
        img_check_create_opts(name, &o) < 0) {
        return -1;
    }
    if (a->compress && o.crypt.format) {
        error_report("Compression and encryption not supported at the same time");
        return -1;
    }
    if (o.backing_file && !a->no_create && !bdrv_find_format(a->out_fmt)->change_backing) {
        error_report("Backing file not supported for file format '%s'", a->out_fmt);
        return -1;
    }
    if (o.backing_file && !o.backing_fmt) {
        /* qemu-img 7.2 no longer probes the format of a new backing file. */
        error_report("Use of backing file requires explicit backing format");
        return -1;
    }
    char *err = NULL;
    if (!a->no_create && bdrv_create(a->out_fmt, name, &o, &err) < 0) {
        error_report("%s: %s", name, err ? err : "creation failed");
        free(err);
        return -1;
    }
    *out = (ConvertOut){ .compress = a->compress, .fresh = !a->no_create,
                         .salvage = a->salvage, .quiet = a->quiet,
                         .has_backing = o.backing_file != NULL, .sparse = a->sparse };
    /* The -o key secret unlocks the new target, as in qemu-img. */
    int flags = BDRV_O_RDWR | BDRV_O_NO_BACKING;
    out->bs = a->target_opts ? bdrv_open_image_opts(name, flags, a->cache, &err)
              : bdrv_open_with(name, a->no_create ? NULL : a->out_fmt, flags, a->cache,
                               &(BlockOpenOpts){ o.crypt.key_secret,
                                                 a->no_create ? NULL : o.data_file },
                               &err);
    if (!out->bs) {
        img_error(err);
        return -1;
    }
    out->fresh &= !out->bs->drv->no_zero_init;
    if (out->bs->total_size < size) {
        error_report("output file is smaller than input file");
        return -1;
    }
    BlockFormatInfo fi = { 0 };
    if (out->bs->drv->get_info) {
        out->bs->drv->get_info(out->bs, &fi);
    }
    out->cluster = fi.cluster_size ? fi.cluster_size : 65536;
    if (o.backing_file) {
        /* Unopenable, it is left alone: the source's top layer is copied. */
        char *path = bdrv_backing_path(name, o.backing_file);
        out->backing = bdrv_open(path, o.backing_fmt, BDRV_O_SHARE, BDRV_CACHE_WRITEBACK, &err);
        free(path);
        free(err);
        err = NULL;
    }
    return 0;
}

int img_convert(int argc, char **argv)
{
    ConvertArgs a;
    int ar = convert_args(argc, argv, &a);
    if (ar) {
        free(a.optstr);
        return ar == 2 ? 0 : 1;
    }
    Sources src;
    ConvertOut out = { 0 };
    int r = open_sources(&a, argc - optind - 1, argv + optind, &src);
    if (r == 0 && a.bitmaps && src.n > 1) {
        error_report("Copying bitmaps only possible with single source");
        r = -1;
    }
    if (r == 0 && a.bitmaps) {
        r = img_convert_check_bitmaps(src.bs[0], a.skip_broken);
    }
    if (r == 0) {
        r = open_target(&a, argv[argc - 1], src.total, &out);
    }
    if (r == 0 && a.bitmaps && !(bdrv_bitmap_ops(out.bs) &&
                                 bdrv_bitmap_ops(out.bs)->supported(out.bs))) {
        error_report("Format driver '%s' does not support bitmaps", out.bs->drv->name);
        r = -1;
    }
    if (r == 0) {
        if (a.progress) {
            img_progress(0);
        }
        r = convert_copy(&src, &out, a.workers, !a.out_of_order, a.progress);
        if (r >= 0 && a.bitmaps) {
            r = img_convert_copy_bitmaps(src.bs[0], out.bs, a.skip_broken);
        }
        if (r >= 0) {
            r = blk_flush(out.bs);
        }
        if (a.progress && r >= 0) {
            img_progress(100);
        }
        if (a.progress) {
            printf("\n");
        }
    }
    bdrv_close(out.bs);
    bdrv_close(out.backing);
    close_sources(&src);
    free(a.optstr);
    return r < 0 ? 1 : 0;
}

/* Offset of the first differing 512-byte sector, or -1 if equal. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, uint64_t n)
{
    if (!memcmp(a, b, n)) {
        return -1; /* the common case in one pass, not a call per sector */
    }
    for (uint64_t k = 0; k < n; k += 512) {
        uint64_t m = MIN(512, n - k);
        if (memcmp(a + k, b + k, m)) {
            return (int64_t)k;
        }
    }
    return -1;
}

/* Whether [off, end) of bs reads as zeros; *at gets the first non-zero sector. */
static int check_zero_tail(BlockDriverState *bs, uint64_t off, uint64_t end, uint64_t *at)
{
    uint8_t *buf = xmalloc(CHUNK);
    int r = 0;
    *at = UINT64_MAX;
    while (off < end && *at == UINT64_MAX) {
        uint64_t pnum;
        bool zero, above;
        r = img_chain_status(bs, NULL, off, MIN(end - off, CHUNK), &pnum, &zero, &above);
        if (r < 0) {
            break;
        }
        r = 0;
        if (!zero) {
            if ((r = blk_pread(bs, off, buf, pnum)) < 0) {
                break;
            }
            for (uint64_t k = 0; k < pnum; k += 512) {
                if (!buffer_is_zero(buf + k, MIN(512, pnum - k))) {
                    *at = off + k;
                    break;
                }
            }
        }
        off += pnum;
    }
    free(buf);
    return r;
}

/* [off, off+n) of bs: in place when it can be, else read into buf. */
static int compare_bytes(ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n,
                         uint8_t *buf, const uint8_t **p)
{
    *p = img_srcmap_get(m, bs, off, n);
    if (*p) {
        return 0;
    }
    *p = buf;
    return blk_pread(bs, off, buf, n);
}

/* One image of compare: its data in place where it can be, else read
 * into buf. */
typedef struct CompareSide {
    BlockDriverState *bs;
    ImgSrcMap map;
    uint8_t *buf;
} CompareSide;

/* Compare the bytes of both sides at off; *mismatch gets the first
 * differing sector. */
static int compare_data(CompareSide *sa, CompareSide *sb, uint64_t off, uint64_t n,
                        int64_t *mismatch)
{
    BlockDriverState *a = sa->bs, *b = sb->bs;
    ImgSrcMap *ma = &sa->map, *mb = &sb->map;
    uint8_t *ba = sa->buf, *bb = sb->buf;
    const uint8_t *pa, *pb;
    int r = compare_bytes(ma, a, off, n, ba, &pa);
    if (r == 0 && (r = compare_bytes(mb, b, off, n, bb, &pb)) == 0) {
        int64_t d = first_diff(pa, pb, n);
        if (d >= 0) {
            *mismatch = (int64_t)off + d;
        }
        img_srcmap_put(mb, pb == bb ? NULL : pb, n);
    }
    img_srcmap_put(ma, pa == ba ? NULL : pa, n);
    return r;
}

static int compare_range(BlockDriverState *a, BlockDriverState *b, uint64_t end, bool progress,
                         bool strict, int64_t *mismatch)
{
    CompareSide sa = { .bs = a, .buf = xmalloc(CHUNK) }, sb = { .bs = b, .buf = xmalloc(CHUNK) };
    img_srcmap_open(&sa.map, a);
    img_srcmap_open(&sb.map, b);
    int r = 0;
    *mismatch = -1;
    for (uint64_t off = 0; off < end && *mismatch < 0;) {
        uint64_t na, nb;
        bool za, zb, above;
        if ((r = img_chain_status(a, NULL, off, MIN(end - off, CHUNK), &na, &za, &above)) < 0 ||
            (r = img_chain_status(b, NULL, off, na, &nb, &zb, &above)) < 0) {
            break;
        }
        r = 0;
        uint64_t n = MIN(na, nb);
        bool above_b = above;
        if ((r = img_chain_status(a, NULL, off, n, &na, &za, &above)) < 0) {
            break;
        }
        r = 0;
        n = MIN(n, na);
        if (strict && above != above_b) {
            printf("Strict mode: Offset %" PRIu64 " block status mismatch!\n", off);
            *mismatch = -2;
            break;
        }
        if (!(za && zb) && (r = compare_data(&sa, &sb, off, n, mismatch)) < 0) {
            break;
        }
        off += n;
        if (progress) {
            img_progress(off * 100.0 / end);
        }
    }
    img_srcmap_close(&sa.map);
    img_srcmap_close(&sb.map);
    free(sa.buf);
    free(sb.buf);
    return r;
}

int img_compare(int argc, char **argv)
{
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool progress = false, quiet = false, strict = false, share = false;
    int c;
    static const struct option lopts[] = {
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:F:T:pqsU", lopts)) != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 'T': img_cache_mode(optarg); break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 's': strict = true; break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    if (quiet) {
        progress = false;
    }
    if (optind + 2 != argc) {
        return img_usage_error("Expecting two image file names");
    }
    /* -f names the first image's format only (qemu-img probes the second
     * without -F). */
    int flags = share ? BDRV_O_SHARE : 0;
    BlockDriverState *a = img_open(argv[optind], fmt1, flags, BDRV_CACHE_WRITEBACK);
    BlockDriverState *b = a ? img_open(argv[optind + 1], fmt2, flags, BDRV_CACHE_WRITEBACK) : NULL;
    if (!a || !b) {
        bdrv_close(a);
        return 2;
    }
    int ret = 0;
    int64_t mismatch;
    uint64_t common = MIN(a->total_size, b->total_size);
    if (strict && a->total_size != b->total_size) {
        if (!quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        ret = 1;
    } else if (compare_range(a, b, common, progress, strict, &mismatch) < 0) {
        error_report("Error while reading the images");
        ret = 2;
    } else if (mismatch == -2) {
        ret = 1;
    } else if (mismatch >= 0) {
        if (!quiet) {
            printf("Content mismatch at offset %" PRId64 "!\n", mismatch);
        }
        ret = 1;
    } else if (a->total_size != b->total_size) {
        BlockDriverState *longer = a->total_size > b->total_size ? a : b;
        uint64_t at;
        if (!quiet) {
            printf("Warning: Image size mismatch!\n");
        }
        if (check_zero_tail(longer, common, longer->total_size, &at) < 0) {
            ret = 2;
        } else if (at != UINT64_MAX) {
            if (!quiet) {
                printf("Content mismatch at offset %" PRIu64 "!\n", at);
            }
            ret = 1;
        }
    }
    if (progress) {
        printf("\n");
    }
    if (ret == 0 && !quiet) {
        printf("Images are identical.\n");
    }
    bdrv_close(a);
    bdrv_close(b);
    return ret;
}

/* Copy every range allocated above base in top's chain into base. */
static int commit_copy(BlockDriverState *top, BlockDriverState *base, bool progress)
{
    uint8_t *buf = xmalloc(CHUNK);
    int r = 0;
    for (uint64_t off = 0; off < top->total_size && r == 0;) {
        uint64_t pnum;
        bool zero, above;
        r = img_chain_status(top, base, off, MIN(top->total_size - off, CHUNK), &pnum, &zero,
                             &above);
        if (r < 0) {
            break;
        }
        r = 0;
        if (above && zero) {
            r = blk_pwrite_zeroes(base, off, pnum, false);
        } else if (above && (r = blk_pread(top, off, buf, pnum)) == 0) {
            r = blk_pwrite(base, off, buf, pnum);
        }
        off += pnum;
        if (progress) {
            img_progress(off * 100.0 / top->total_size);
        }
    }
    free(buf);
    return r < 0 ? r : blk_flush(base);
}

/* Open top's backing chain by hand down to base (which is opened for
 * writing, with its own backing chain: a partial cluster written into it
 * copies the rest from there); intermediate images are read-only. */
static BlockDriverState *open_chain_to(BlockDriverState *top, const char *base_name,
                                       BlockCacheMode cache)
{
    BlockDriverState *cur = top;
    for (int depth = 0; cur->backing_file[0] && depth < 64; depth++) {
        char *path = bdrv_backing_path(cur->filename, cur->backing_file);
        bool is_base = !base_name || !strcmp(base_name, path) ||
                       !strcmp(base_name, cur->backing_file);
        BlockDriverState *b = img_open_plain(path, cur->backing_fmt[0] ? cur->backing_fmt : NULL,
                                             is_base ? BDRV_O_RDWR : BDRV_O_NO_BACKING, cache);
        free(path);
        if (!b) {
            return NULL;
        }
        cur->backing = b;
        if (is_base) {
            return b;
        }
        cur = b;
    }
    error_report(base_name ? "Did not find '%s' in the backing chain of '%s'"
                           : "Image does not have a backing file%s%s",
                 base_name ? base_name : "", base_name ? top->filename : "");
    return NULL;
}

int img_commit(int argc, char **argv)
{
    const char *fmt = NULL, *base_name = NULL;
    BlockCacheMode cache = BDRV_CACHE_WRITEBACK;
    bool quiet = false, progress = false, drop = false;
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:t:b:dpqr:", NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 't': cache = img_cache_mode(optarg); break;
        case 'b': base_name = optarg; drop = true; break;
        case 'd': drop = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'r': break;
        default: return 1;
        }
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    BlockDriverState *top = img_open(argv[optind], fmt,
                                     BDRV_O_NO_BACKING | (drop ? 0 : BDRV_O_RDWR), cache);
    if (!top) {
        return 1;
    }
    BlockDriverState *base = open_chain_to(top, base_name, cache);
    int r = base ? 0 : -1;
    char *err = NULL;
    if (r == 0 && base->total_size < top->total_size) {
        r = blk_truncate(base, top->total_size, false, PREALLOC_OFF, &err);
    }
    if (r == 0) {
        r = commit_copy(top, base, progress && !quiet);
    }
    if (r == 0 && !drop) {
        r = top->drv->make_empty(top);
        if (r == -ENOTSUP) {
            r = 0; /* a raw top cannot be emptied; qemu-img leaves it too */
        }
    }
    if (progress && !quiet) {
        printf("\n");
    }
    if (err) {
        img_error(err);
    } else if (r < 0 && base) {
        error_report("Block job failed: %s", strerror(-r));
    }
    if (r == 0 && !quiet) {
        printf("Image committed.\n");
    }
    bdrv_close(top);
    return r < 0 ? 1 : 0;
}

/* Write the runs of 512-byte sectors where the old backing content a and
 * the new one b differ; past the old backing file's end (old_zero) the old
 * content is zeros and qemu-img writes zero clusters rather than data. */
static int rebase_write_diff(BlockDriverState *bs, uint64_t off, const uint8_t *a,
                             const uint8_t *b, uint64_t n, bool old_zero)
{
    for (uint64_t k = 0; k < n;) {
        uint64_t end = k;
        while (end < n && memcmp(a + end, b + end, MIN(512, n - end))) {
            end += MIN(512, n - end);
        }
        if (end > k) {
            int r = old_zero ? blk_pwrite_zeroes(bs, off + k, end - k, false)
                             : blk_pwrite(bs, off + k, a + k, end - k);
            if (r < 0) {
                return r;
            }
            k = end;
        } else {
            k += MIN(512, n - k);
        }
    }
    return 0;
}

/* Safe rebase: write into the image every range it does not allocate where
 * the old and the new backing files differ. */
static int rebase_copy(BlockDriverState *bs, BlockDriverState *old, BlockDriverState *new,
                       bool progress)
{
    uint8_t *a = xmalloc(CHUNK), *b = xmalloc(CHUNK);
    uint64_t old_size = old ? old->total_size : 0;
    int r = 0;
    for (uint64_t off = 0; off < bs->total_size && r == 0;) {
        uint64_t pnum, map, want = MIN(bs->total_size - off, CHUNK);
        if (off < old_size) {
            want = MIN(want, old_size - off);
        }
        int st = blk_block_status(bs, off, want, &pnum, &map);
        if (st < 0) {
            r = st;
            break;
        }
        if (!(st & BDRV_BLOCK_ALLOCATED)) {
            bs->backing = new;
            r = bdrv_read_backing(bs, off, b, pnum);
            /* The old backing file holds the content: a partial write of a
             * cluster copies the rest of it from there. */
            bs->backing = old;
            if (r == 0) {
                r = bdrv_read_backing(bs, off, a, pnum);
            }
            if (r == 0) {
                r = rebase_write_diff(bs, off, a, b, pnum, off >= old_size);
            }
        }
        off += pnum;
        if (progress) {
            img_progress(off * 100.0 / bs->total_size);
        }
    }
    bs->backing = NULL; /* the caller closes old */
    free(a);
    free(b);
    return r;
}

int img_rebase(int argc, char **argv)
{
    const char *fmt = NULL, *backing = NULL, *backing_fmt = NULL;
    BlockCacheMode cache = BDRV_CACHE_WRITEBACK;
    bool quiet = false, progress = false, unsafe = false, share = false;
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:F:b:t:T:upqU", NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'b': backing = optarg; break;
        case 't': cache = img_cache_mode(optarg); break;
        case 'T': img_cache_mode(optarg); break;
        case 'u': unsafe = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    if (optind + 1 != argc || !backing) {
        img_usage_error(backing ? "Expecting one image file name"
                                : "Must specify backing file (-b) or use unsafe mode (-u)");
        return 1;
    }
    BlockDriverState *bs = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING, cache);
    if (!bs) {
        return 1;
    }
    int r = 0;
    char *err = NULL;
    BlockDriverState *old = NULL, *new = NULL;
    char *new_path = backing[0] ? bdrv_backing_path(bs->filename, backing) : NULL;
    int bflags = share ? BDRV_O_SHARE : 0;
    /* qemu-img 7.2 records no backing file without its format; a safe
     * rebase still copies first, as qemu-img does. */
    bool fmt_missing = backing[0] && !backing_fmt;
    if (fmt_missing && unsafe) {
        error_report("Could not change the backing file to '%s': backing format must be "
                     "specified", backing);
        bdrv_close(bs);
        return 1;
    }
    if (new_path && !unsafe) {
        new = bdrv_open(new_path, backing_fmt, bflags, BDRV_CACHE_WRITEBACK, &err);
        if (!new && !unsafe) {
            error_report("Could not open new backing file '%s': %s", new_path, err);
            r = -1;
        }
        free(err);
        err = NULL;
    }
    if (r == 0 && !unsafe && bs->backing_file[0]) {
        char *old_path = bdrv_backing_path(bs->filename, bs->backing_file);
        old = bdrv_open(old_path, bs->backing_fmt[0] ? bs->backing_fmt : NULL, bflags,
                        BDRV_CACHE_WRITEBACK, &err);
        if (!old) {
            error_report("Could not open old backing file '%s': %s", old_path, err);
            free(err);
            err = NULL;
            r = -1;
        }
        free(old_path);
    }
    if (r == 0 && !unsafe) {
        r = rebase_copy(bs, old, new, progress && !quiet);
        if (r < 0) {
            error_report("Could not rebase: %s", strerror(-r));
        }
        if (progress && !quiet) {
            printf("\n");
        }
    }
    if (r == 0) {
        if (fmt_missing) {
            error_report("Could not change the backing file to '%s': backing format must be "
                         "specified", backing);
            r = -1;
        } else if (!bs->drv->change_backing) {
            error_report("Could not change the backing file to '%s': Operation not supported",
                         backing);
            r = -1;
        } else if ((r = bs->drv->change_backing(bs, backing[0] ? backing : NULL, backing_fmt,
                                                &err)) < 0) {
            img_error(err);
        }
    }
    bdrv_close(old);
    bdrv_close(new);
    free(new_path);
    bdrv_close(bs);
    return r < 0 ? 1 : 0;
}
