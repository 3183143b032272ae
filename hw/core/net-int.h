/* Network core internals shared by hw/net's files. */
#ifndef KEMU_NET_INT_H
#define KEMU_NET_INT_H

#include "hw/core/net.h"

/* Hand a frame to a receiver, queued behind what already waits for it. */
void net_deliver(NetClient *to, const uint8_t *buf, size_t len);
/* hub.c: take a port out of its hub (net_client_free). */
void net_hub_remove_port(NetClient *port);
/* hub.c: the hub id a client hangs on (a port, or a port's peer), or -1. */
int net_hub_id_of(const NetClient *nc);
/* hub.c: `info network`'s hub section. */
void net_hub_info(void (*print)(void *opaque, const char *line), void *opaque);
/* One client as `info network` shows it. */
void net_format_client(const NetClient *nc, char *buf, size_t len);

#endif
