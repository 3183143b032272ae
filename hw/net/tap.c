/* -netdev tap: frames to and from a host TAP interface (/dev/net/tun),
 * as users bridge guests today:
 *   ifname=NAME   the interface (default: the kernel picks tapN)
 *   script=FILE   run as "FILE NAME" once it exists (default
 *                 /etc/qemu-ifup; "no" for none), typically to add it to
 *                 a bridge; a missing or failing script stops start-up
 *   downscript=   likewise when kemu exits (default /etc/qemu-ifdown)
 *   fd=N          an interface opened by whoever started kemu
 *   vnet_hdr=on   frames carry the virtio-net header: a plain one, except
 *                 that virtio-net's large TCP sends go in whole behind
 *                 theirs (the host kernel segments them); kemu asks for no
 *                 offloads on what it reads
 * Nothing here runs as a helper with privileges: kemu needs the rights
 * to create the interface, or an fd= from someone who has them. */
#include "hw/net/netdev.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define VNET_HDR_LEN 10
#define DEFAULT_UP "/etc/qemu-ifup"
#define DEFAULT_DOWN "/etc/qemu-ifdown"

typedef struct TapNet {
    NetClient *nc;
    int fd;
    bool vnet_hdr;
    char ifname[IFNAMSIZ];
    char *downscript;           /* NULL: none */
} TapNet;

/* "SCRIPT IFNAME"; 0 when it exits 0, else QEMU's message. */
static int run_script(const char *script, const char *ifname, const char *what)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(script, script, ifname, (char *)NULL);
        _exit(1);
    }
    int status = -1;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    error_report("%s: network script %s failed with status %d", what, script, status);
    return -1;
}

static void tap_readable(void *opaque)
{
    TapNet *s = opaque;
    static uint8_t buf[NET_MAX_FRAME + VNET_HDR_LEN];
    for (int i = 0; i < 64; i++) {      /* a batch, then let others run */
        ssize_t n = read(s->fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        size_t skip = s->vnet_hdr ? VNET_HDR_LEN : 0;
        if ((size_t)n > skip)
            net_send(s->nc, buf + skip, (size_t)n - skip);
    }
}

static bool tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapNet *s = nc->opaque;
    static uint8_t frame[NET_MAX_FRAME + VNET_HDR_LEN];
    size_t skip = s->vnet_hdr ? VNET_HDR_LEN : 0;
    memset(frame, 0, skip);
    memcpy(frame + skip, buf, len);
    ssize_t r = write(s->fd, frame, len + skip);   /* full queue: dropped */
    (void)r;
    return true;
}

static bool tap_receive_gso(NetClient *nc, const uint8_t *vnet_hdr, const uint8_t *buf,
                            size_t len)
{
    TapNet *s = nc->opaque;
    if (!s->vnet_hdr)
        return false;
    struct iovec iov[2] = { { (void *)vnet_hdr, VNET_HDR_LEN }, { (void *)buf, len } };
    ssize_t r = writev(s->fd, iov, 2);              /* full queue: dropped */
    (void)r;
    return true;
}

static void tap_cleanup(NetClient *nc)
{
    TapNet *s = nc->opaque;
    loop_set_fd(s->fd, NULL, NULL, NULL);
    close(s->fd);
    if (s->downscript) {
        char *what = xasprintf("netdev %s", nc->name);
        run_script(s->downscript, s->ifname, what);
        free(what);
    }
    free(s->downscript);
    free(s);
}

static const NetClientOps tap_ops = {
    .kind = NET_TAP, .receive = tap_receive, .receive_gso = tap_receive_gso,
    .cleanup = tap_cleanup,
};

static int tap_open(const char *ifname, bool vnet_hdr, char *name_out, const char *what)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        error_report("%s: could not open /dev/net/tun: %s", what, strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname ? ifname : "tap%d");
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error_report("%s: could not configure /dev/net/tun (%s): %s", what,
                     ifname ? ifname : "tap%d", strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(name_out, IFNAMSIZ, "%s", ifr.ifr_name);
    return fd;
}

static int unsupported(const Opts *o, const char *what)
{
    static const char *const keys[] = { "fds", "br", "helper", "vhostfd", "vhostfds", NULL };
    for (int i = 0; keys[i]; i++) {
        if (opts_get(o, keys[i])) {
            error_report("%s: %s= is not supported (use ifname= with script=, or fd=)",
                         what, keys[i]);
            return -1;
        }
    }
    const char *vhost = opts_get(o, "vhost"), *queues = opts_get(o, "queues");
    if (vhost && strcmp(vhost, "off")) {
        error_report("%s: vhost-net is not supported (kemu's NICs run in the process)", what);
        return -1;
    }
    if (queues && strcmp(queues, "1")) {
        error_report("%s: multiqueue tap (queues=%s) is not supported", what, queues);
        return -1;
    }
    return 0;
}

static const char *script_opt(const Opts *o, const char *key, const char *def)
{
    const char *v = opts_get(o, key);
    if (!v)
        return def;
    return (!*v || !strcmp(v, "no")) ? NULL : v;
}

NetClient *net_tap_new(const Opts *o, const char *name, const char *what)
{
    bool vnet_hdr = false;
    const char *vh = opts_get(o, "vnet_hdr"), *fdstr = opts_get(o, "fd");
    if (unsupported(o, what) || (vh && parse_bool(vh, &vnet_hdr))) {
        if (vh)
            error_report("%s: Parameter 'vnet_hdr' expects 'on' or 'off'", what);
        return NULL;
    }
    TapNet *s = xzalloc(sizeof(*s));
    s->vnet_hdr = vnet_hdr;
    if (fdstr) {
        char *end;
        long fd = strtol(fdstr, &end, 10);
        if (*end || end == fdstr || fd < 0 || fcntl((int)fd, F_GETFD) < 0) {
            error_report("%s: fd=%s is not an open file descriptor", what, fdstr);
            free(s);
            return NULL;
        }
        s->fd = (int)fd;
    } else {
        s->fd = tap_open(opts_get(o, "ifname"), vnet_hdr, s->ifname, what);
        const char *up = script_opt(o, "script", DEFAULT_UP);
        if (s->fd < 0 || (up && run_script(up, s->ifname, what))) {
            if (s->fd >= 0)
                close(s->fd);
            free(s);
            return NULL;
        }
        const char *down = script_opt(o, "downscript", DEFAULT_DOWN);
        s->downscript = down ? xstrdup(down) : NULL;
    }
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    s->nc = net_client_new(&tap_ops, "tap", name, s);
    if (fdstr)
        snprintf(s->nc->info, sizeof(s->nc->info), "fd=%d", s->fd);
    else
        snprintf(s->nc->info, sizeof(s->nc->info), "ifname=%s,script=%s,downscript=%s",
                 s->ifname, script_opt(o, "script", DEFAULT_UP) ?: "no",
                 s->downscript ? s->downscript : "no");
    loop_set_fd(s->fd, tap_readable, NULL, s);
    return s->nc;
}
