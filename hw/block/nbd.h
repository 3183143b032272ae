/* An NBD export in place of a host file: a BlockFile whose name is an NBD
 * URI (nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH, or QEMU's
 * older nbd:HOST:PORT[:exportname=E] and nbd:unix:PATH[:exportname=E])
 * reads and writes the export, so any format can lie on one (file-posix.c
 * sends the bfile_* calls here; nbd.c speaks NBD through libnbd). */
#ifndef KEMU_NBD_H
#define KEMU_NBD_H

#include <string.h>

#include "hw/block/file.h"

static inline bool nbd_is_uri(const char *path)
{
    return !strncmp(path, "nbd:", 4) || !strncmp(path, "nbd+", 4) || !strncmp(path, "nbds", 4);
}

int nbd_file_open(BlockFile **out, const char *uri, bool writable, char **errp);
void nbd_file_close(BlockFile *f);
int nbd_file_pread(BlockFile *f, uint64_t off, void *buf, size_t len);
int nbd_file_pwrite(BlockFile *f, uint64_t off, const void *buf, size_t len);
int nbd_file_flush(BlockFile *f);
int64_t nbd_file_length(BlockFile *f);
/* Zeros over [off, off+len) (NBD_CMD_WRITE_ZEROES, or written). */
int nbd_file_zero(BlockFile *f, uint64_t off, uint64_t len);
/* Data (1) or hole (0) at off from the server's base:allocation context. */
int nbd_file_data_status(BlockFile *f, uint64_t off, uint64_t len, uint64_t *pnum);

#endif
