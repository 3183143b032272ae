/* -object filter-dump: every frame a network client sends or receives,
 * written to a pcap file (classic format, Ethernet link type) as it
 * passes, cut to maxlen bytes each as QEMU does. */
#ifndef KEMU_NET_DUMP_H
#define KEMU_NET_DUMP_H

#include <stddef.h>
#include <stdint.h>

typedef struct NetDump NetDump;

/* Create file and write the pcap header; NULL with *why (errno text) on
 * failure. */
NetDump *net_dump_open(const char *file, uint32_t maxlen, const char **why);
void net_dump_frame(NetDump *d, const uint8_t *buf, size_t len);
void net_dump_close(NetDump *d);

#endif
