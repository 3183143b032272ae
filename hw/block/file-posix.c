/* Host file access for the block layer (see file.h). */
#include "hw/block/block.h"
#include "hw/block/nbd.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FALLOC_FL_PUNCH_HOLE
#include <linux/falloc.h>
#endif
#include <linux/fs.h>

/* QEMU's image locks: byte LOCK_PERM+i is read-locked by whoever holds
 * permission i, byte LOCK_SHARED+i by whoever refuses to share it. */
#define LOCK_PERM 100
#define LOCK_SHARED 200
enum { PERM_READ = 0, PERM_WRITE = 1, PERM_WRITE_UNCHANGED = 2, PERM_RESIZE = 3 };
static const char *const perm_names[] = { "consistent read", "write", "write unchanged",
                                          "resize" };

static int lock_byte(int fd, int byte, short type, bool test, bool *conflict)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };
    if (fcntl(fd, test ? F_OFD_GETLK : F_OFD_SETLK, &fl) < 0) {
        return -errno;
    }
    if (test) {
        *conflict = fl.l_type != F_UNLCK;
    }
    return 0;
}

/* Take QEMU-compatible locks: a reader holds "consistent read" and refuses to
 * share write and resize; a writer also holds write and resize. */
static int file_lock(BlockFile *f, char **errp)
{
    int held = (1 << PERM_READ) | (f->writable ? (1 << PERM_WRITE) | (1 << PERM_RESIZE) : 0);
    int unshared = f->writable ? (1 << PERM_WRITE) | (1 << PERM_RESIZE) : (1 << PERM_WRITE);
    bool conflict = false;
    for (int i = 0; i < 4; i++) {
        if (((held >> i) & 1) && lock_byte(f->fd, LOCK_PERM + i, F_RDLCK, false, NULL) < 0) {
            return 0; /* the file system has no OFD locks: run unlocked */
        }
        if (((unshared >> i) & 1) && lock_byte(f->fd, LOCK_SHARED + i, F_RDLCK, false, NULL) < 0) {
            return 0;
        }
    }
    for (int i = 0; i < 4; i++) {
        if (((held >> i) & 1) && !lock_byte(f->fd, LOCK_SHARED + i, F_WRLCK, true, &conflict) &&
            conflict) {
            blk_error(errp, "Failed to get \"%s\" lock\nIs another process using the image [%s]?",
                      perm_names[i], f->path);
            return -EAGAIN;
        }
        if (((unshared >> i) & 1) && !lock_byte(f->fd, LOCK_PERM + i, F_WRLCK, true, &conflict) &&
            conflict) {
            blk_error(errp, "Failed to get shared \"%s\" lock\n"
                      "Is another process using the image [%s]?", perm_names[i], f->path);
            return -EAGAIN;
        }
    }
    f->locked = true;
    return 0;
}

int bfile_open(BlockFile **out, const char *path, bool writable, BlockCacheMode cache,
               bool share, char **errp)
{
    if (nbd_is_uri(path)) {
        return nbd_file_open(out, path, writable, errp);
    }
    int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
    bool direct = cache == BDRV_CACHE_NONE || cache == BDRV_CACHE_DIRECTSYNC;
    int fd = open(path, flags | (direct ? O_DIRECT : 0));
    if (fd < 0 && direct && errno == EINVAL) {
        blk_error(errp, "Could not open '%s': filesystem does not support O_DIRECT", path);
        return -EINVAL;
    }
    if (fd < 0) {
        int e = errno;
        blk_error(errp, "Could not open '%s': %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        blk_error(errp, "'file' driver requires '%s' to be a regular file", path);
        close(fd);
        return -EISDIR;
    }
    BlockFile *f = xzalloc(sizeof(*f));
    f->fd = fd;
    f->path = xstrdup(path);
    f->writable = writable;
    f->direct = direct;
    f->align = direct ? 4096 : 1;
    f->sync_writes = cache == BDRV_CACHE_WRITETHROUGH || cache == BDRV_CACHE_DIRECTSYNC;
    f->ignore_flush = cache == BDRV_CACHE_UNSAFE;
    if (!share) {
        int r = file_lock(f, errp);
        if (r < 0) {
            bfile_close(f);
            return r;
        }
    }
    *out = f;
    return 0;
}

void bfile_close(BlockFile *f)
{
    if (!f) {
        return;
    }
    if (f->nbd) {
        nbd_file_close(f);
        return;
    }
    close(f->fd);
    free(f->path);
    free(f);
}

static int full_pread(int fd, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            memset(p, 0, len); /* past the end reads as zeros */
            return 0;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int full_pwrite(int fd, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static bool aligned(const BlockFile *f, uint64_t off, const void *buf, size_t len)
{
    return !(off % f->align) && !(len % f->align) && !((uintptr_t)buf % f->align);
}

/* O_DIRECT needs aligned offsets, lengths and buffers: go through a bounce
 * buffer covering the aligned range (read-modify-write for writes). */
static int bounce(BlockFile *f, uint64_t off, void *rbuf, const void *wbuf, size_t len)
{
    uint64_t start = ALIGN_DOWN(off, f->align);
    uint64_t end = ALIGN_UP(off + len, f->align);
    size_t blen = (size_t)(end - start);
    void *b;
    if (posix_memalign(&b, f->align, blen)) {
        return -ENOMEM;
    }
    int r = full_pread(f->fd, start, b, blen);
    if (!r && rbuf) {
        memcpy(rbuf, (uint8_t *)b + (off - start), len);
    } else if (!r) {
        int64_t flen = bfile_length(f);
        memcpy((uint8_t *)b + (off - start), wbuf, len);
        r = full_pwrite(f->fd, start, b, blen);
        /* Keep the file size byte-exact, as a buffered write would. */
        if (!r && flen >= 0 && (uint64_t)flen < off + len && end > off + len) {
            r = ftruncate(f->fd, (off_t)(off + len)) < 0 ? -errno : 0;
        }
    }
    free(b);
    return r;
}

int bfile_pread(BlockFile *f, uint64_t off, void *buf, size_t len)
{
    if (f->nbd) {
        return nbd_file_pread(f, off, buf, len);
    }
    if (f->align > 1 && !aligned(f, off, buf, len)) {
        return bounce(f, off, buf, NULL, len);
    }
    return full_pread(f->fd, off, buf, len);
}

int bfile_pwrite(BlockFile *f, uint64_t off, const void *buf, size_t len)
{
    int r;
    if (f->nbd) {
        return nbd_file_pwrite(f, off, buf, len);
    }
    if (f->align > 1 && !aligned(f, off, buf, len)) {
        r = bounce(f, off, NULL, buf, len);
    } else {
        r = full_pwrite(f->fd, off, buf, len);
    }
    if (!r && f->sync_writes && fdatasync(f->fd) < 0) {
        r = -errno;
    }
    return r;
}

int bfile_flush(BlockFile *f)
{
    if (f->ignore_flush || !f->writable) {
        return 0;
    }
    if (f->nbd) {
        return nbd_file_flush(f);
    }
    return fdatasync(f->fd) < 0 ? -errno : 0;
}

int64_t bfile_length(BlockFile *f)
{
    struct stat st;
    if (f->nbd) {
        return nbd_file_length(f);
    }
    if (fstat(f->fd, &st) < 0) {
        return -errno;
    }
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(f->fd, 0, SEEK_END);
        return end < 0 ? -errno : end;
    }
    return st.st_size;
}

int64_t bfile_allocated(BlockFile *f)
{
    struct stat st;
    if (f->nbd) {
        return -ENOTSUP; /* qemu-img: "disk size: unavailable" */
    }
    if (fstat(f->fd, &st) < 0) {
        return -errno;
    }
    return (int64_t)st.st_blocks * 512;
}

static int write_zero_range(BlockFile *f, uint64_t off, uint64_t len)
{
    size_t chunk = 1 << 20;
    void *z;
    if (posix_memalign(&z, 4096, chunk)) {
        return -ENOMEM;
    }
    memset(z, 0, chunk);
    int r = 0;
    while (len && !r) {
        size_t n = (size_t)MIN(len, chunk);
        r = bfile_pwrite(f, off, z, n);
        off += n;
        len -= n;
    }
    free(z);
    return r;
}

void bfile_create_hints(int fd, uint32_t extent_size_hint, bool nocow)
{
    if (nocow) {
        int flags;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
            flags |= FS_NOCOW_FL;
            (void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
    }
    struct fsxattr attr;
    if (extent_size_hint && ioctl(fd, FS_IOC_FSGETXATTR, &attr) == 0) {
        attr.fsx_xflags |= FS_XFLAG_EXTSIZE;
        attr.fsx_extsize = extent_size_hint;
        (void)ioctl(fd, FS_IOC_FSSETXATTR, &attr);
    }
}

int bfile_truncate(BlockFile *f, uint64_t size, int prealloc)
{
    int64_t old = bfile_length(f);
    if (old < 0) {
        return (int)old;
    }
    if (f->nbd) {
        return size == (uint64_t)old ? 0 : -ENOTSUP; /* an export has a fixed size */
    }
    if (ftruncate(f->fd, (off_t)size) < 0) {
        return -errno;
    }
    if (size <= (uint64_t)old || !prealloc) {
        return 0;
    }
    if (prealloc == 1) {
        if (posix_fallocate(f->fd, old, (off_t)(size - (uint64_t)old)) == 0) {
            return 0;
        }
    }
    return write_zero_range(f, (uint64_t)old, size - (uint64_t)old);
}

int bfile_zero_alloc(BlockFile *f, uint64_t off, uint64_t len, int prealloc)
{
    if (prealloc == 1 && !f->nbd && fallocate(f->fd, 0, (off_t)off, (off_t)len) == 0) {
        return 0;
    }
    return write_zero_range(f, off, len);
}

int bfile_punch(BlockFile *f, uint64_t off, uint64_t len)
{
    if (f->nbd) {
        return nbd_file_zero(f, off, len);
    }
    if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                  (off_t)len) == 0) {
        return 0;
    }
    return write_zero_range(f, off, len);
}

int bfile_data_status(BlockFile *f, uint64_t off, uint64_t len, uint64_t *pnum)
{
    if (f->nbd) {
        return nbd_file_data_status(f, off, len, pnum);
    }
    off_t data = lseek(f->fd, (off_t)off, SEEK_DATA);
    if (data < 0 && errno == ENXIO) {
        *pnum = len; /* past the last data: a hole to the end */
        return 0;
    }
    if (data < 0) {
        *pnum = len; /* no sparse information: all data */
        return 1;
    }
    if ((uint64_t)data > off) {
        *pnum = MIN(len, (uint64_t)data - off);
        return 0;
    }
    off_t hole = lseek(f->fd, (off_t)off, SEEK_HOLE);
    if (hole < 0 || (uint64_t)hole <= off) {
        *pnum = len;
        return 1;
    }
    *pnum = MIN(len, (uint64_t)hole - off);
    return 1;
}
