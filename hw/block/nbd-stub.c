/* NBD exports when kemu is built without libnbd: their names are refused. */
#include "hw/block/block.h"
#include "hw/block/nbd.h"

#include <errno.h>

int nbd_file_open(BlockFile **out, const char *uri, bool writable, char **errp)
{
    blk_error(errp, "This build has no NBD support (libnbd)");
    return -ENOTSUP;
}

void nbd_file_close(BlockFile *f)
{
}

int nbd_file_pread(BlockFile *f, uint64_t off, void *buf, size_t len)
{
    return -ENOTSUP;
}

int nbd_file_pwrite(BlockFile *f, uint64_t off, const void *buf, size_t len)
{
    return -ENOTSUP;
}

int nbd_file_flush(BlockFile *f)
{
    return -ENOTSUP;
}

int64_t nbd_file_length(BlockFile *f)
{
    return -ENOTSUP;
}

int nbd_file_zero(BlockFile *f, uint64_t off, uint64_t len)
{
    return -ENOTSUP;
}

int nbd_file_data_status(BlockFile *f, uint64_t off, uint64_t len, uint64_t *pnum)
{
    return -ENOTSUP;
}
