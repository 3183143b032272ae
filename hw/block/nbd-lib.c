/* libnbd loaded when the first NBD export is opened, not at start-up.
 * Linked in, libnbd brings gnutls, libxml2, ICU and the C++ runtime (15
 * libraries): loading and relocating them was three quarters of the CPU
 * time of a `kemu-img info` (3.8 ms of 4.5 ms), for the few runs that use
 * NBD at all.  The functions nbd.c calls are defined here with libnbd's own
 * prototypes and forward to the library's. */
#include <dlfcn.h>
#include <errno.h>
#include <libnbd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#define LIBNBD_SONAME "libnbd.so.0"

/* One pointer per function, typed from libnbd.h's declaration. */
#define NBD_FUNCS(X)                                                                    \
    X(nbd_create) X(nbd_close) X(nbd_get_error) X(nbd_get_errno) X(nbd_set_export_name) \
    X(nbd_add_meta_context) X(nbd_connect_unix) X(nbd_connect_tcp) X(nbd_is_read_only)  \
    X(nbd_can_flush) X(nbd_can_zero) X(nbd_can_meta_context) X(nbd_get_size)            \
    X(nbd_pread) X(nbd_pwrite) X(nbd_shutdown) X(nbd_flush) X(nbd_zero)                 \
    X(nbd_block_status)

static struct {
#define FIELD(f) __typeof__(f) *f;
    NBD_FUNCS(FIELD)
#undef FIELD
} lib;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen(LIBNBD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof(load_error), "NBD client library not available: %s",
                 dlerror());
        return;
    }
#define RESOLVE(f)                                                                       \
    if (!load_error[0] && !(*(void **)&lib.f = dlsym(h, #f))) {                          \
        snprintf(load_error, sizeof(load_error), "%s: %s missing", LIBNBD_SONAME, #f); \
    }
    NBD_FUNCS(RESOLVE)
#undef RESOLVE
}

static bool loaded(void)
{
    pthread_once(&load_once, load);
    return !load_error[0];
}

struct nbd_handle *nbd_create(void)
{
    return loaded() ? lib.nbd_create() : NULL;
}

/* A handle exists only once the library is loaded. */
void nbd_close(struct nbd_handle *h)
{
    if (h) {
        lib.nbd_close(h);
    }
}

const char *nbd_get_error(void)
{
    return loaded() ? lib.nbd_get_error() : load_error;
}

int nbd_get_errno(void)
{
    return loaded() ? lib.nbd_get_errno() : ENOTSUP;
}

int nbd_set_export_name(struct nbd_handle *h, const char *name)
{
    return lib.nbd_set_export_name(h, name);
}

int nbd_add_meta_context(struct nbd_handle *h, const char *name)
{
    return lib.nbd_add_meta_context(h, name);
}

int nbd_connect_unix(struct nbd_handle *h, const char *path)
{
    return lib.nbd_connect_unix(h, path);
}

int nbd_connect_tcp(struct nbd_handle *h, const char *host, const char *port)
{
    return lib.nbd_connect_tcp(h, host, port);
}

int nbd_is_read_only(struct nbd_handle *h)
{
    return lib.nbd_is_read_only(h);
}

int nbd_can_flush(struct nbd_handle *h)
{
    return lib.nbd_can_flush(h);
}

int nbd_can_zero(struct nbd_handle *h)
{
    return lib.nbd_can_zero(h);
}

int nbd_can_meta_context(struct nbd_handle *h, const char *name)
{
    return lib.nbd_can_meta_context(h, name);
}

int64_t nbd_get_size(struct nbd_handle *h)
{
    return lib.nbd_get_size(h);
}

int nbd_pread(struct nbd_handle *h, void *buf, size_t count, uint64_t off, uint32_t flags)
{
    return lib.nbd_pread(h, buf, count, off, flags);
}

int nbd_pwrite(struct nbd_handle *h, const void *buf, size_t count, uint64_t off,
               uint32_t flags)
{
    return lib.nbd_pwrite(h, buf, count, off, flags);
}

int nbd_shutdown(struct nbd_handle *h, uint32_t flags)
{
    return lib.nbd_shutdown(h, flags);
}

int nbd_flush(struct nbd_handle *h, uint32_t flags)
{
    return lib.nbd_flush(h, flags);
}

int nbd_zero(struct nbd_handle *h, uint64_t count, uint64_t off, uint32_t flags)
{
    return lib.nbd_zero(h, count, off, flags);
}

int nbd_block_status(struct nbd_handle *h, uint64_t count, uint64_t off,
                     nbd_extent_callback cb, uint32_t flags)
{
    return lib.nbd_block_status(h, count, off, cb, flags);
}
