/* Secrets by id (QEMU's --object secret): the passphrases of encrypted
 * images, looked up when an image names its key-secret.  The bytes are
 * wiped when the program exits. */
#include "hw/block/crypto.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Secret {
    char *id;
    uint8_t *data;
    size_t len;
    struct Secret *next;
} Secret;

static Secret *secrets;

static void wipe_secrets(void)
{
    for (Secret *s = secrets; s; s = s->next) {
        explicit_bzero(s->data, s->len);
    }
}

int crypto_secret_add(const char *id, const uint8_t *data, size_t len, char **errp)
{
    for (Secret *s = secrets; s; s = s->next) {
        if (!strcmp(s->id, id)) {
            blk_error(errp, "attempt to add duplicate property '%s' to object (type "
                      "'container')", id);
            return -EEXIST;
        }
    }
    if (!secrets) {
        atexit(wipe_secrets);
    }
    Secret *s = xzalloc(sizeof(*s));
    s->id = xstrdup(id);
    s->data = xmalloc(len + 1);
    memcpy(s->data, data, len);
    s->data[len] = 0;
    s->len = len;
    s->next = secrets;
    secrets = s;
    return 0;
}

const uint8_t *crypto_secret_get(const char *id, size_t *len, char **errp)
{
    for (Secret *s = secrets; s; s = s->next) {
        if (!strcmp(s->id, id)) {
            *len = s->len;
            return s->data;
        }
    }
    blk_error(errp, "No secret with id '%s'", id);
    return NULL;
}
