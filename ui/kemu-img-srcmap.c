/* convert's source data read in place: a raw or qcow2 source on a local
 * file is mapped read-only, and a chunk of plain data clusters is handed to
 * the zero check and the target's write straight from the page cache.  A
 * pread would copy every byte once more into a buffer of ours: that copy was
 * a quarter of convert's CPU time on data (the kernel's own copy into the
 * target is the rest). */
#include "hw/block/file.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* A source file cut short by someone else while mapped: its pages past the
 * new end fault.  What was copied cannot be trusted; stop with a message
 * rather than die of the signal. */
static void on_sigbus(int sig)
{
    static const char msg[] = "kemu-img: error while reading the source: "
                              "the file shrank while it was being copied\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)w;
    _exit(1);
}

static void catch_sigbus(void)
{
    struct sigaction sa = { .sa_handler = on_sigbus };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

/* Whether bs's data clusters are bytes of bs->file as the guest sees them. */
static bool maps_plainly(BlockDriverState *bs)
{
    if (bs->drv == &bdrv_raw || bs->drv == &bdrv_file) {
        return true;
    }
    if (bs->drv != &bdrv_qcow2) {
        return false;
    }
    BlockFormatInfo fi = { 0 };
    bs->drv->get_info(bs, &fi);
    /* an external data file holds the clusters; subclusters may be zero
     * inside a data cluster; encrypted bytes are no guest data */
    return !fi.has_data_file && !fi.extended_l2 && !fi.encrypted;
}

void img_srcmap_open(ImgSrcMap *m, BlockDriverState *bs)
{
    *m = (ImgSrcMap){ 0 };
    BlockFile *f = bs->file;
    struct stat st;
    if (!f || f->nbd || f->direct || f->fd < 0 || !maps_plainly(bs) || fstat(f->fd, &st) < 0 ||
        !S_ISREG(st.st_mode) || st.st_size <= 0) {
        return;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, f->fd, 0);
    if (p == MAP_FAILED) {
        return; /* read through the driver as before */
    }
    catch_sigbus();
    m->base = p;
    m->len = (uint64_t)st.st_size;
}

void img_srcmap_close(ImgSrcMap *m)
{
    if (m->base) {
        munmap(m->base, (size_t)m->len);
    }
    *m = (ImgSrcMap){ 0 };
}

/* Page-aligned bounds of [off, off+n) of the mapping. */
static void page_span(const ImgSrcMap *m, uint64_t off, uint64_t n, uint8_t **start, size_t *len)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t a = off / page * page, e = MIN(ALIGN_UP(off + n, page), m->len);
    *start = m->base + a;
    *len = (size_t)(e - a);
}

/* Where [off, off+n) of bs lies in the mapping, if it is plain data there
 * (holes, zeros, compressed clusters or bytes past the file: the driver
 * reads them). */
static bool srcmap_host(const ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n,
                        uint64_t *host)
{
    uint64_t pnum;
    if (!m || !m->base || !n) {
        return false;
    }
    int st = blk_block_status(bs, off, n, &pnum, host);
    int want = BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    return st >= 0 && (st & (want | BDRV_BLOCK_ZERO | BDRV_BLOCK_COMPRESSED)) == want &&
           pnum >= n && *host <= m->len && m->len - *host >= n;
}

bool img_srcmap_covers(const ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n)
{
    uint64_t host;
    return srcmap_host(m, bs, off, n, &host);
}

const uint8_t *img_srcmap_get(ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n)
{
    uint64_t host;
    if (!srcmap_host(m, bs, off, n, &host)) {
        return NULL;
    }
    uint8_t *start;
    size_t len;
    page_span(m, host, n, &start, &len);
    /* Page tables filled in one call rather than a fault per page; a
     * failure (file cut short) leaves the read to the driver. */
    if (madvise(start, len, MADV_POPULATE_READ) < 0 && errno != EINVAL) {
        return NULL;
    }
    return m->base + host;
}

void img_srcmap_put(ImgSrcMap *m, const uint8_t *p, uint64_t n)
{
    if (!m->base || !p) {
        return;
    }
    uint8_t *start;
    size_t len;
    page_span(m, (uint64_t)(p - m->base), n, &start, &len);
    /* The pages stay in the page cache; only our page tables go, so a
     * large source does not pin page tables for all it copied. */
    madvise(start, len, MADV_DONTNEED);
}
