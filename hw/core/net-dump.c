#include "hw/core/net-dump.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define PCAP_MAGIC 0xa1b2c3d4u     /* microsecond timestamps, host order */
#define LINKTYPE_ETHERNET 1

struct NetDump {
    int fd;
    uint32_t maxlen;
};

typedef struct {
    uint32_t magic;
    uint16_t major, minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
} PcapHeader;

typedef struct {
    uint32_t sec, usec, caplen, len;
} PcapRecord;

/* One write per record (header and data together), so that a reader of a
 * file still being written never sees half a record's header. */
static void put(NetDump *d, const void *buf, size_t len)
{
    ssize_t r = write(d->fd, buf, len);
    (void)r;        /* a full disk loses frames of a debugging aid, as QEMU's */
}

NetDump *net_dump_open(const char *file, uint32_t maxlen, const char **why)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    NetDump *d = xzalloc(sizeof(*d));
    d->fd = fd;
    d->maxlen = maxlen;
    PcapHeader h = { PCAP_MAGIC, 2, 4, 0, 0, maxlen, LINKTYPE_ETHERNET };
    put(d, &h, sizeof(h));
    return d;
}

void net_dump_frame(NetDump *d, const uint8_t *buf, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint32_t cap = len < d->maxlen ? (uint32_t)len : d->maxlen;
    uint8_t *rec = xmalloc(sizeof(PcapRecord) + cap);
    PcapRecord r = { (uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec, cap, (uint32_t)len };
    memcpy(rec, &r, sizeof(r));
    memcpy(rec + sizeof(r), buf, cap);
    put(d, rec, sizeof(r) + cap);
    free(rec);
}

void net_dump_close(NetDump *d)
{
    if (!d)
        return;
    close(d->fd);
    free(d);
}
