/* Crash consistency of qcow2: a child writes through the block layer and
 * reports each flush it completed; the parent kills it with SIGKILL at a
 * random point, many times.  Afterwards the image must check clean except
 * for leaks (ours and qemu-img's check), and every write acknowledged by a
 * completed flush must read back. */
#include "tests/unit/unit.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOT (192 * 1024)
#define SLOTS 200
#define ROUNDS 25

static char path[96];

/* Op i writes [start, start+len) of slot i with byte pattern (i % 251) + 1;
 * the ranges start and end off cluster boundaries so allocation copies. */
static void op_range(int i, uint64_t *off, uint64_t *len)
{
    uint64_t seed = (uint64_t)i * 2654435761u;
    *off = (uint64_t)i * SLOT + seed % 7000;
    *len = SLOT - 7000 - (seed >> 8) % 5000;
}

static void writer(int fd, int first)
{
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(path, "qcow2", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    if (!bs) {
        _exit(2);
    }
    uint8_t *buf = xmalloc(SLOT);
    for (int i = first; i < SLOTS; i++) {
        uint64_t off, len;
        op_range(i, &off, &len);
        memset(buf, (i % 251) + 1, SLOT);
        if (blk_pwrite(bs, off, buf, len) < 0) {
            _exit(3);
        }
        if (i % 3 == 2) {
            if (blk_flush(bs) < 0) {
                _exit(4);
            }
            if (write(fd, &i, sizeof(i)) != sizeof(i)) {
                _exit(5);
            }
        }
    }
    bdrv_close(bs);
    _exit(0);
}

/* Run a writer from op `first`, kill it after `delay_us`; returns the last
 * op whose flush completed (first - 1 if none). */
static int crash_once(int first, unsigned delay_us)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        writer(p[1], first);
    }
    close(p[1]);
    usleep(delay_us);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    int last = first - 1, v;
    while (read(p[0], &v, sizeof(v)) == sizeof(v)) {
        last = v;
    }
    close(p[0]);
    return last;
}

static void verify_acked(const bool *acked)
{
    char *err = NULL;
    /* A read-write open repairs a dirty lazy-refcounts image first. */
    BlockDriverState *bs = bdrv_open(path, "qcow2", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs != NULL);
    if (!bs) {
        fprintf(stderr, "open: %s\n", err);
        return;
    }
    BlockCheckResult res;
    CHECK_EQ(bs->drv->check(bs, &res, 0), 0);
    CHECK_EQ(res.corruptions, 0);
    uint8_t *buf = xmalloc(SLOT);
    for (int i = 0; i < SLOTS; i++) {
        if (!acked[i]) {
            continue;
        }
        uint64_t off, len;
        op_range(i, &off, &len);
        CHECK_EQ(blk_pread(bs, off, buf, len), 0);
        bool ok = true;
        for (uint64_t k = 0; k < len; k++) {
            ok &= buf[k] == (uint8_t)((i % 251) + 1);
        }
        CHECK(ok);
    }
    free(buf);
    bdrv_close(bs);
    if (system("command -v qemu-img >/dev/null 2>&1") == 0) {
        char *cmd = xasprintf("qemu-img check -q '%s' >/dev/null 2>&1", path);
        int rc = system(cmd);
        free(cmd);
        /* 0: clean, 3: leaked clusters only. */
        CHECK(WIFEXITED(rc) && (WEXITSTATUS(rc) == 0 || WEXITSTATUS(rc) == 3));
    }
}

static void crash_test(bool lazy, uint32_t cluster)
{
    snprintf(path, sizeof(path), "/tmp/kemu-crash-%d.qcow2", (int)getpid());
    BlockCreateOpts o = { .size = (uint64_t)SLOT * SLOTS, .size_set = true, .quiet = true,
                          .lazy_refcounts = lazy, .cluster_size = cluster };
    char *err = NULL;
    CHECK_EQ(bdrv_create("qcow2", path, &o, &err), 0);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int next = 0;
    bool good[SLOTS] = { false };
    for (int round = 0; round < ROUNDS && next < SLOTS; round++) {
        int acked = crash_once(next, 1000 + (unsigned)(rand() % 20000));
        for (int i = next; i <= acked; i++) {
            good[i] = true;
        }
        verify_acked(good);
        /* Continue after the last acknowledged op: unacknowledged slots may
         * hold anything, later rounds never check them. */
        next = acked + 1 > next ? acked + 1 : next + 1;
    }
    unlink(path);
}

TEST(block_crash, killed_writer_loses_no_flushed_write)
{
    crash_test(false, 65536);
}

TEST(block_crash, killed_writer_lazy_refcounts)
{
    crash_test(true, 65536);
}

TEST(block_crash, killed_writer_small_clusters)
{
    crash_test(false, 4096);
}
