/* The network core: clients (guest NICs and host backends) joined in
 * pairs of peers, or through hubs (QEMU's "vlan"s: every port of a hub
 * sees the frames the others send).
 *
 * A frame sent by a client goes to its peer; a hub port's peer is a NIC
 * or a backend, and the hub copies what one port receives out of all its
 * other ports.  A receiver that cannot take a frame now (a NIC with no
 * free receive buffer) has it queued, up to a bound, until it asks for
 * the queue to be flushed.  Everything runs under the machine lock. */
#ifndef KEMU_NET_H
#define KEMU_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ethernet frames the core carries: up to a TSO-sized 64 KiB. */
#define NET_MAX_FRAME 65536
#define NET_QUEUE_MAX 256

typedef struct NetClient NetClient;

typedef enum { NET_NIC, NET_USER, NET_TAP, NET_SOCKET, NET_HUBPORT } NetKind;

typedef struct NetClientOps {
    NetKind kind;
    /* A frame for this client: false if it cannot take it now (queued). */
    bool (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    /* A large TCP send whole, behind its 10-byte virtio-net header (GSO
     * type and size, checksum offsets), for a backend that passes it on
     * as it is (tap with vnet_hdr=on): false if it cannot, and the sender
     * cuts it into frames instead.  NULL: never. */
    bool (*receive_gso)(NetClient *nc, const uint8_t *vnet_hdr, const uint8_t *buf,
                        size_t len);
    /* The link went up or down (set_link). */
    void (*link_changed)(NetClient *nc);
    /* Free what the client holds (netdev_del, device removal, exit). */
    void (*cleanup)(NetClient *nc);
} NetClientOps;

typedef struct NetPacket {
    struct NetPacket *next;
    size_t len;
    uint8_t data[];
} NetPacket;

struct NetClient {
    const NetClientOps *ops;
    char *name;                 /* id= or generated ("e1000.0", "hub0port1") */
    char *model;                /* "e1000", "user", "tap", "hubport"... */
    char info[256];             /* what `info network` shows after the type */
    NetClient *peer;
    struct NetHub *hub;         /* hub ports only */
    bool link_down;
    bool from_netdev;           /* -netdev / netdev_add: netdev_del may remove it */
    NetPacket *queue, **queue_tail;
    unsigned queued;
    struct NetDump *dump;       /* -object filter-dump on this client */
    void *opaque;
    NetClient *next;
};

NetClient *net_client_new(const NetClientOps *ops, const char *model, const char *name,
                          void *opaque);
/* Disconnect from the peer, drop queued frames, call cleanup, free. */
void net_client_free(NetClient *nc);
NetClient *net_client_find(const char *name);
void net_client_foreach(void (*fn)(NetClient *nc, void *opaque), void *opaque);
void net_connect(NetClient *a, NetClient *b);
const char *net_kind_name(NetKind kind);

/* Send a frame from nc to its peer (dropped when either link is down). */
void net_send(NetClient *nc, const uint8_t *buf, size_t len);
/* Hand a large send with its virtio-net header straight to nc's peer if
 * that one takes them whole (receive_gso; not through a hub, not while
 * either end is dumped or the peer has frames waiting): false when it
 * did not, and the caller segments it. */
bool net_send_gso(NetClient *nc, const uint8_t *vnet_hdr, const uint8_t *buf, size_t len);
/* nc can receive again: deliver what was queued for it while it could not. */
void net_flush_queue(NetClient *nc);
/* set_link NAME up|down: a NIC and its backend peer both change. */
int net_set_link(const char *name, bool up);

/* A new port on hub id (created on first use), named hub<id>port<n>. */
NetClient *net_hub_add_port(int id, const char *name);
/* Warn as QEMU does about hubs with NICs but no host side and the reverse,
 * and about clients left without a peer. */
void net_check_clients(void);

/* `info network`, written through print. */
void net_info(void (*print)(void *opaque, const char *line), void *opaque);

/* MAC addresses: "52:54:00:12:34:56" (also with '-'); the default for a
 * NIC without macaddr= is 52:54:00:12:34:56 plus the number of such NICs
 * before it, as in QEMU. */
int net_parse_mac(const char *s, uint8_t mac[6]);
void net_default_mac(uint8_t mac[6]);
void net_format_mac(const uint8_t mac[6], char *buf, size_t len);

/* addr= of a PCI NIC: "SLOT[.FN]" in hex; the devfn, or -1. */
int net_parse_pci_addr(const char *s);

/* A guest NIC's client: its peer is the netdev named (NULL: none yet).
 * Returns NULL after error_report() when that netdev does not exist or
 * is in use.  mac is the NIC's address (macaddr= or the default). */
NetClient *net_nic_new(const NetClientOps *ops, const char *model, const char *id,
                       const char *netdev, const char *macstr, uint8_t mac[6], void *opaque);

#endif
