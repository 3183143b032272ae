/* convert -c: the clusters of a chunk compressed by a pool of threads that
 * lives as long as the copy (as qemu-img's thread pool runs its compression
 * tasks, several per request): parts of every chunk in flight queue up for
 * the pool, so compression keeps every core busy, and no thread is created
 * per chunk (on a busy host a new thread waits long to be scheduled). */
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <pthread.h>
#include <stdlib.h>

#define POOL_THREADS 16

typedef struct Part {
    BlockDriverState *bs;
    const uint8_t *buf;
    uint64_t len;
    BlockCompressed *c;
    int err;
    int *left;              /* parts of its chunk not done yet */
    struct Part *next;
} Part;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    Part *head, *tail;
    int threads;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
           NULL, NULL, 0 };

static void *pool_thread(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head) {
            pthread_cond_wait(&pool.work, &pool.lock);
        }
        Part *p = pool.head;
        pool.head = p->next;
        pool.tail = pool.head ? pool.tail : NULL;
        pthread_mutex_unlock(&pool.lock);
        p->err = blk_compress(p->bs, p->buf, p->len, p->c);
        pthread_mutex_lock(&pool.lock);
        if (--*p->left == 0) {
            pthread_cond_broadcast(&pool.done);
        }
    }
    return NULL;
}

/* Queue a part (pool.lock held); false when there is no pool thread. */
static bool pool_queue(Part *p)
{
    while (pool.threads < POOL_THREADS) {
        pthread_t th;
        if (pthread_create(&th, NULL, pool_thread, NULL)) {
            break;
        }
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

int img_compress_chunk(BlockDriverState *bs, const uint8_t *buf, uint64_t n, uint32_t cluster,
                       bool skip_zero, ChunkCompressed *cc)
{
    uint64_t clusters = (n + cluster - 1) / cluster;
    cc->per = (clusters + IMG_COMPRESS_PARTS - 1) / IMG_COMPRESS_PARTS;
    Part part[IMG_COMPRESS_PARTS];
    int left = 0, err = 0;
    pthread_mutex_lock(&pool.lock);
    for (int j = 0; j < IMG_COMPRESS_PARTS; j++) {
        uint64_t off = MIN(n, j * cc->per * cluster), end = MIN(n, (j + 1) * cc->per * cluster);
        cc->part[j].skip_zero = skip_zero;
        part[j] = (Part){ bs, buf + off, end - off, &cc->part[j], 0, &left, NULL };
        if (end > off) {
            left++;
            if (!pool_queue(&part[j])) {
                left--;
                part[j].err = blk_compress(bs, part[j].buf, part[j].len, part[j].c);
            }
        }
    }
    while (left) {
        pthread_cond_wait(&pool.done, &pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    for (int j = 0; j < IMG_COMPRESS_PARTS; j++) {
        err = err ? err : part[j].err;
    }
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
