/* The block request thread pool (see aio.h). */
#include "hw/block/aio.h"
#include "hw/core/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct Req {
    BlockDriverState *bs;
    BlockAioOp op;
    uint64_t off, len;
    void *buf;
    const struct iovec *iov;    /* vectored READ/WRITE when not NULL */
    int iovcnt;
    void (*enter)(void), (*leave)(void);  /* the pool's vec gate when queued */
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
    struct Req *next;
} Req;

typedef struct ReqQueue {
    Req *head, *tail;
} ReqQueue;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    ReqQueue todo, done;
    pthread_t *threads;
    int nthreads, efd, in_flight;
    bool stop;
    bool (*trylock)(void);      /* blk_aio_set_lock */
    void (*unlock)(void);
    void (*vec_enter)(void);    /* blk_aio_set_vec_gate */
    void (*vec_leave)(void);
    bool (*vec_try_enter)(void);    /* blk_aio_set_inline */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
           .idle = PTHREAD_COND_INITIALIZER, .efd = -1 };

static void push(ReqQueue *q, Req *r)
{
    r->next = NULL;
    if (q->tail) {
        q->tail->next = r;
    } else {
        q->head = r;
    }
    q->tail = r;
}

static Req *pop(ReqQueue *q)
{
    Req *r = q->head;
    if (r) {
        q->head = r->next;
        if (!q->head) {
            q->tail = NULL;
        }
    }
    return r;
}

static int execute_vec(Req *r)
{
    if (r->enter) {
        r->enter();
    }
    int ret = r->op == BLK_AIO_READ ? blk_preadv(r->bs, r->off, r->iov, r->iovcnt)
                                    : blk_pwritev(r->bs, r->off, r->iov, r->iovcnt);
    if (r->leave) {
        r->leave();
    }
    return ret;
}

static int execute(Req *r)
{
    if (r->iov && (r->op == BLK_AIO_READ || r->op == BLK_AIO_WRITE)) {
        return execute_vec(r);
    }
    switch (r->op) {
    case BLK_AIO_READ: return blk_pread(r->bs, r->off, r->buf, r->len);
    case BLK_AIO_WRITE: return blk_pwrite(r->bs, r->off, r->buf, r->len);
    case BLK_AIO_FLUSH: return blk_flush(r->bs);
    case BLK_AIO_WRITE_ZEROES: return blk_pwrite_zeroes(r->bs, r->off, r->len, true);
    case BLK_AIO_DISCARD: return blk_pdiscard(r->bs, r->off, r->len);
    }
    return -EINVAL;
}

/* Callbacks this thread is running: a drain from inside one (a device
 * reset by a completion) waits for the others, not for itself. */
static __thread int in_callbacks;

/* r's callback, under the callbacks' lock; then r is no longer in flight. */
static void complete(Req *r)
{
    if (r->cb) {
        in_callbacks++;
        r->cb(r->opaque, r->ret);
        in_callbacks--;
    }
    free(r);
    pthread_mutex_lock(&pool.lock);
    if (--pool.in_flight == 0) {
        pthread_cond_broadcast(&pool.idle);
    }
    pthread_mutex_unlock(&pool.lock);
}

static void *worker(void *arg)
{
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        Req *r;
        while (!(r = pop(&pool.todo)) && !pool.stop) {
            pthread_cond_wait(&pool.work, &pool.lock);
        }
        if (!r) {
            break;
        }
        bool (*trylock)(void) = pool.trylock;
        void (*unlock)(void) = pool.unlock;
        pthread_mutex_unlock(&pool.lock);
        r->ret = execute(r);
        if (trylock && trylock()) {
            complete(r);
            unlock();
            pthread_mutex_lock(&pool.lock);
            continue;
        }
        pthread_mutex_lock(&pool.lock);
        push(&pool.done, r);
        uint64_t one = 1;
        if (write(pool.efd, &one, sizeof(one)) < 0) {
            /* the counter cannot overflow in practice; nothing to do */
        }
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

int blk_aio_init(int threads)
{
    if (pool.threads) {
        return 0;
    }
    pool.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pool.efd < 0) {
        return -errno;
    }
    pool.stop = false;
    pool.nthreads = threads > 0 ? threads : 4;
    pool.threads = xzalloc(sizeof(pthread_t) * (size_t)pool.nthreads);
    for (int i = 0; i < pool.nthreads; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker, NULL)) {
            pool.nthreads = i;
            break;
        }
    }
    return pool.nthreads ? 0 : -EAGAIN;
}

void blk_aio_set_lock(bool (*trylock)(void), void (*unlock)(void))
{
    pthread_mutex_lock(&pool.lock);
    pool.trylock = trylock;
    pool.unlock = unlock;
    pthread_mutex_unlock(&pool.lock);
}

void blk_aio_set_vec_gate(void (*enter)(void), void (*leave)(void))
{
    pthread_mutex_lock(&pool.lock);
    pool.vec_enter = enter;
    pool.vec_leave = leave;
    pthread_mutex_unlock(&pool.lock);
}

void blk_aio_set_inline(bool (*try_enter)(void))
{
    pthread_mutex_lock(&pool.lock);
    pool.vec_try_enter = try_enter;
    pthread_mutex_unlock(&pool.lock);
}

int blk_aio_fd(void)
{
    return pool.efd;
}

static void enqueue(Req *r)
{
    pthread_mutex_lock(&pool.lock);
    pool.in_flight++;
    r->enter = pool.vec_enter;
    r->leave = pool.vec_leave;
    push(&pool.todo, r);
    pthread_cond_signal(&pool.work);
    pthread_mutex_unlock(&pool.lock);
}

void blk_aio_submit(BlockDriverState *bs, BlockAioOp op, uint64_t off, void *buf,
                    uint64_t len, BlockCompletionFunc *cb, void *opaque)
{
    Req *r = xzalloc(sizeof(*r));
    *r = (Req){ .bs = bs, .op = op, .off = off, .len = len, .buf = buf, .cb = cb,
                .opaque = opaque };
    enqueue(r);
}

/* The request on the caller's thread when the page cache takes it at
 * once: the pool's wake-up costs more than a cached 1 MiB copy, and
 * on a busy host a woken thread may wait milliseconds for a CPU. */
static bool try_inline(BlockDriverState *bs, BlockAioOp op, uint64_t off,
                       const struct iovec *iov, int iovcnt, BlockCompletionFunc *cb,
                       void *opaque)
{
    pthread_mutex_lock(&pool.lock);
    bool (*try_enter)(void) = pool.vec_try_enter;
    void (*leave)(void) = pool.vec_leave;
    pthread_mutex_unlock(&pool.lock);
    if (!try_enter || (op != BLK_AIO_READ && op != BLK_AIO_WRITE) || !try_enter()) {
        return false;
    }
    int ret = blk_rwv_nowait(bs, off, iov, iovcnt, op == BLK_AIO_WRITE);
    if (leave) {
        leave();
    }
    if (ret == -EAGAIN) {
        return false;
    }
    if (cb) {
        cb(opaque, ret);
    }
    return true;
}

void blk_aio_submitv(BlockDriverState *bs, BlockAioOp op, uint64_t off,
                     const struct iovec *iov, int iovcnt, BlockCompletionFunc *cb,
                     void *opaque)
{
    if (try_inline(bs, op, off, iov, iovcnt, cb, opaque)) {
        return;
    }
    Req *r = xzalloc(sizeof(*r));
    *r = (Req){ .bs = bs, .op = op, .off = off, .iov = iov, .iovcnt = iovcnt, .cb = cb,
                .opaque = opaque };
    enqueue(r);
}

void blk_aio_fd_handler(void *opaque)
{
    uint64_t cnt;
    if (read(pool.efd, &cnt, sizeof(cnt)) < 0) {
        /* EAGAIN: nothing signalled; still look at the queue */
    }
    for (;;) {
        pthread_mutex_lock(&pool.lock);
        Req *r = pop(&pool.done);
        pthread_mutex_unlock(&pool.lock);
        if (!r) {
            break;
        }
        complete(r);
    }
}

void blk_aio_drain(void)
{
    pthread_mutex_lock(&pool.lock);
    while (pool.in_flight > in_callbacks) {
        if (pool.done.head) {
            pthread_mutex_unlock(&pool.lock);
            blk_aio_fd_handler(NULL);
            pthread_mutex_lock(&pool.lock);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pool.idle, &pool.lock, &ts);
    }
    pthread_mutex_unlock(&pool.lock);
}

void blk_aio_shutdown(void)
{
    if (!pool.threads) {
        return;
    }
    blk_aio_drain();
    pthread_mutex_lock(&pool.lock);
    pool.stop = true;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < pool.nthreads; i++) {
        pthread_join(pool.threads[i], NULL);
    }
    free(pool.threads);
    pool.threads = NULL;
    close(pool.efd);
    pool.efd = -1;
}
