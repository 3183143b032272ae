/* kemu-img bench: qemu-img's I/O benchmark, run through the block layer's
 * request thread pool with completions on its eventfd, the way kemu's disk
 * devices issue requests. */
#include "hw/block/aio.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Bench Bench;

/* One buffer (or a flush, buf NULL) and the run it belongs to. */
typedef struct BenchReq {
    Bench *b;
    uint8_t *buf;
} BenchReq;

struct Bench {
    BlockDriverState *bs;
    bool write;
    uint64_t bufsize, step, offset, image_size;
    int count, in_flight, done, flush_interval, writes_since_flush;
    int err;
    uint8_t *bufs;
    BenchReq flush;
};

static void submit_next(BenchReq *q);

static void on_done(void *opaque, int ret)
{
    BenchReq *q = opaque;
    Bench *b = q->b;
    b->in_flight--;
    if (ret < 0 && !b->err) {
        b->err = ret;
        error_report("Failed request: %s", strerror(-ret));
    }
    if (q->buf) {
        b->done++;
        if (!b->err) {
            submit_next(q);
        }
    }
}

static void submit_next(BenchReq *q)
{
    Bench *b = q->b;
    if (b->done + b->in_flight >= b->count) {
        return;
    }
    uint64_t off = b->offset;
    b->offset += b->step;
    if (b->offset + b->bufsize > b->image_size) {
        b->offset = 0; /* wrap around at the end of the image */
    }
    b->in_flight++;
    if (b->write && b->flush_interval && ++b->writes_since_flush >= b->flush_interval) {
        b->writes_since_flush = 0;
        b->in_flight++;
        blk_aio_submit(b->bs, BLK_AIO_FLUSH, 0, NULL, 0, on_done, &b->flush);
    }
    blk_aio_submit(b->bs, b->write ? BLK_AIO_WRITE : BLK_AIO_READ, off, q->buf, b->bufsize,
                   on_done, q);
}

typedef struct BenchArgs {
    const char *fmt;
    BlockCacheMode cache;
    int depth, pattern;
    bool quiet, share, step_set;
} BenchArgs;

/* A numeric option in [min, max] (sizes take suffixes); prints the error. */
static bool num_opt(const char *what, bool size, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if ((size ? parse_size(optarg, 'B', &v) : parse_uint(optarg, &v)) < 0 || v < min ||
        v > max) {
        error_report("Invalid %s specified", what);
        return false;
    }
    *out = v;
    return true;
}

static int bench_args(int argc, char **argv, Bench *b, BenchArgs *a)
{
    static const struct option lopts[] = {
        { "flush-interval", required_argument, NULL, 'I' },
        { "pattern", required_argument, NULL, 'P' },
        { "no-drain", no_argument, NULL, 'D' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    uint64_t v = 0;
    bool ok = true;
    int c;
    *a = (BenchArgs){ .cache = BDRV_CACHE_WRITEBACK, .depth = 64 };
    optind = 1;
    while (ok && (c = img_getopt(argc, argv, "hc:d:f:ni:o:qs:S:t:wU", lopts)) != -1) {
        switch (c) {
        case 'c': ok = num_opt("request count", false, 1, INT32_MAX, &v); b->count = (int)v; break;
        case 'd': ok = num_opt("queue depth", false, 1, 4096, &v); a->depth = (int)v; break;
        case 'f': a->fmt = optarg; break;
        case 'n': case 'i': case 'D': break; /* AIO flavour: the pool is the only one */
        case 'o': ok = num_opt("offset", true, 0, UINT64_MAX, &b->offset); break;
        case 'q': a->quiet = true; break;
        case 's': ok = num_opt("buffer size", true, 1, 1u << 30, &b->bufsize); break;
        case 'S':
            ok = num_opt("step size", true, 0, UINT64_MAX, &b->step);
            a->step_set = true;
            break;
        case 't': a->cache = img_cache_mode(optarg); break;
        case 'w': b->write = true; break;
        case 'U': a->share = true; break;
        case 'I':
            ok = num_opt("flush interval", false, 0, INT32_MAX, &v);
            b->flush_interval = (int)v;
            break;
        case 'P': ok = num_opt("pattern byte", false, 0, 0xff, &v); a->pattern = (int)v; break;
        default: return 1;
        }
    }
    if (!ok) {
        return 1;
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    if (!a->step_set) {
        b->step = b->bufsize;
    }
    return 0;
}

/* Keep depth requests in flight until count completed; returns seconds. */
static double bench_run(Bench *b, int depth, int pattern)
{
    void *mem;
    if (posix_memalign(&mem, 4096, b->bufsize * (uint64_t)depth)) {
        fatal("Out of memory");
    }
    b->bufs = mem;
    memset(b->bufs, pattern, b->bufsize * (uint64_t)depth);
    if (blk_aio_init(depth < 4 ? depth : 4) < 0) {
        fatal("Could not start the I/O threads");
    }
    BenchReq *reqs = xzalloc(sizeof(BenchReq) * (size_t)depth);
    b->flush.b = b;
    int64_t t0 = host_clock_ns();
    for (int i = 0; i < depth && i < b->count; i++) {
        reqs[i] = (BenchReq){ b, b->bufs + (uint64_t)i * b->bufsize };
        submit_next(&reqs[i]);
    }
    struct pollfd pfd = { .fd = blk_aio_fd(), .events = POLLIN };
    while (b->in_flight) {
        if (poll(&pfd, 1, 1000) > 0) {
            blk_aio_fd_handler(NULL);
        }
    }
    int64_t t1 = host_clock_ns();
    blk_aio_shutdown();
    free(mem);
    free(reqs);
    return (double)(t1 - t0) / 1e9;
}

int img_bench(int argc, char **argv)
{
    Bench b = { .count = 75000, .bufsize = 4096 };
    BenchArgs a;
    if (bench_args(argc, argv, &b, &a)) {
        return 1;
    }
    b.bs = img_open(argv[optind], a.fmt,
                    (b.write ? BDRV_O_RDWR : 0) | (a.share ? BDRV_O_SHARE : 0), a.cache);
    if (!b.bs) {
        return 1;
    }
    b.image_size = b.bs->total_size;
    if (b.bufsize > b.image_size) {
        error_report("Buffer size is larger than the image");
        bdrv_close(b.bs);
        return 1;
    }
    if (!a.quiet) {
        printf("Sending %d %s requests, %" PRIu64 " bytes each, %d in parallel (starting at "
               "offset %" PRIu64 ", step size %" PRIu64 ")\n", b.count,
               b.write ? "write" : "read", b.bufsize, a.depth, b.offset, b.step);
    }
    double secs = bench_run(&b, a.depth, a.pattern);
    if (!b.err && !a.quiet) {
        printf("Run completed in %.3f seconds.\n", secs);
    }
    bdrv_close(b.bs);
    return b.err ? 1 : 0;
}
