/* convert -c: the clusters of a chunk compressed by a pool of threads that
 * lives as long as the copy, the way qemu-img compresses: each worker
 * (-m, one per request in flight) hands its chunk's parts to the pool one at
 * a time and sleeps until that part is done; the pool grows a thread
 * whenever every thread is busy, so it holds as many threads as parts in
 * flight, and each thread sleeps between parts.
 *
 * Why not queue every part at once for a thread per CPU: the fair scheduler
 * gives a busy host's CPU far more to threads that block and are woken than
 * to threads that stay runnable.  64 MiB of gzip data, same CPU time (1.0 s)
 * either way, pinned to one busy CPU: a thread per CPU taking parts off a
 * queue 7-15 s, this hand-off 1.5-3 s, qemu-img 1.9-2.5 s; unpinned: 2.5-4 s,
 * 1.6-4 s, qemu-img 3.2-4.6 s.  No thread is created per chunk (on a busy
 * host a new thread waits long to be scheduled). */
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <pthread.h>
#include <stdlib.h>

#define POOL_MAX_THREADS 16

typedef struct Part {
    BlockDriverState *bs;
    const uint8_t *buf;
    uint64_t len;
    BlockCompressed *c;
    int err;
    bool done;
    pthread_cond_t *wake;   /* the worker waiting for it */
    struct Part *next;
} Part;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;
    Part *head, *tail;
    int threads, idle;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0 };

static void *pool_thread(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        pool.idle++;
        while (!pool.head) {
            pthread_cond_wait(&pool.work, &pool.lock);
        }
        pool.idle--;
        Part *p = pool.head;
        pool.head = p->next;
        pool.tail = pool.head ? pool.tail : NULL;
        pthread_mutex_unlock(&pool.lock);
        p->err = blk_compress(p->bs, p->buf, p->len, p->c);
        pthread_mutex_lock(&pool.lock);
        p->done = true;
        pthread_cond_signal(p->wake);
    }
    return NULL;
}

/* Queue a part (pool.lock held), with a new thread if none is idle; false
 * when there is no pool thread at all. */
static bool pool_queue(Part *p)
{
    pthread_t th;
    if (!pool.idle && pool.threads < POOL_MAX_THREADS &&
        pthread_create(&th, NULL, pool_thread, NULL) == 0) {
        pthread_detach(th);
        pool.threads++;
    }
    if (!pool.threads) {
        return false;
    }
    p->next = NULL;
    if (pool.tail) {
        pool.tail->next = p;
    } else {
        pool.head = p;
    }
    pool.tail = p;
    pthread_cond_signal(&pool.work);
    return true;
}

/* Compress one part in the pool (in this thread if there is none, or if
 * it is zeros that stay unallocated: nothing to hand over then). */
static void compress_part(Part *p, bool skip_zero)
{
    bool handed = false;
    if (!(skip_zero && buffer_is_zero(p->buf, p->len))) {
        pthread_mutex_lock(&pool.lock);
        handed = pool_queue(p);
        while (handed && !p->done) {
            pthread_cond_wait(p->wake, &pool.lock);
        }
        pthread_mutex_unlock(&pool.lock);
    }
    if (!handed) {
        p->err = blk_compress(p->bs, p->buf, p->len, p->c);
    }
}

int img_compress_chunk(BlockDriverState *bs, const uint8_t *buf, uint64_t n, uint32_t cluster,
                       bool skip_zero, ChunkCompressed *cc)
{
    uint64_t clusters = (n + cluster - 1) / cluster;
    cc->per = (clusters + IMG_COMPRESS_PARTS - 1) / IMG_COMPRESS_PARTS;
    pthread_cond_t wake;
    int err = 0;
    pthread_cond_init(&wake, NULL);
    for (int j = 0; j < IMG_COMPRESS_PARTS && !err; j++) {
        uint64_t off = MIN(n, j * cc->per * cluster), end = MIN(n, (j + 1) * cc->per * cluster);
        cc->part[j].skip_zero = skip_zero;
        Part p = { bs, buf + off, end - off, &cc->part[j], 0, false, &wake, NULL };
        if (end > off) {
            compress_part(&p, skip_zero);
            err = p.err;
        }
    }
    pthread_cond_destroy(&wake);
    return err;
}

BlockCompressed img_compressed_cluster(const ChunkCompressed *cc, uint64_t i)
{
    const BlockCompressed *c = &cc->part[i / cc->per];
    uint64_t k = i % cc->per;
    return (BlockCompressed){ .data = c->data + k * c->cluster, .len = c->len + k, .n = 1,
                              .cap = 1, .cluster = c->cluster };
}

void img_chunk_compressed_free(ChunkCompressed *cc)
{
    for (int j = 0; j < IMG_COMPRESS_PARTS; j++) {
        blk_compressed_free(&cc->part[j]);
    }
}
