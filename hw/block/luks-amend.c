/* qemu-img amend on LUKS key slots: add a passphrase (state=active,
 * new-secret) in a free or given slot, or erase slots (state=inactive) by
 * index or by the passphrase they hold; erasing the last way in needs
 * --force.  Rules and messages are qemu-img's. */
#include "hw/block/luks.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int luks_amend_opts(const BlockCryptOpts *c, LuksAmend *a, char **errp)
{
    *a = (LuksAmend){ .state = c->state, .keyslot = -1, .iter_time = c->iter_time,
                      .force = c->force };
    if (!c->state) {
        blk_error(errp, "Parameter 'state' is missing");
        return -EINVAL;
    }
    if (strcmp(c->state, "active") && strcmp(c->state, "inactive")) {
        blk_error(errp, "Parameter 'state' does not accept value '%s'", c->state);
        return -EINVAL;
    }
    if (c->keyslot_set && (c->keyslot < 0 || c->keyslot >= LUKS_SLOTS)) {
        blk_error(errp, "Invalid keyslot %lld specified, must be between 0 and %d",
                  (long long)c->keyslot, LUKS_SLOTS - 1);
        return -EINVAL;
    }
    a->keyslot = c->keyslot_set ? (int)c->keyslot : -1;
    if (c->new_secret && !(a->new_pw = crypto_secret_get(c->new_secret, &a->new_len, errp))) {
        return -EINVAL;
    }
    if (c->old_secret && !(a->old_pw = crypto_secret_get(c->old_secret, &a->old_len, errp))) {
        return -EINVAL;
    }
    return 0;
}

static int active_slots(const LuksVolume *v)
{
    int n = 0;
    for (int i = 0; i < LUKS_SLOTS; i++) {
        n += v->h.slot[i].active == LUKS_SLOT_ACTIVE;
    }
    return n;
}

static int add_key(LuksVolume *v, const LuksAmend *a, LuksIO io, void *opaque, char **errp)
{
    int slot = a->keyslot;
    if (a->old_pw) {
        blk_error(errp, "'old-secret' must not be given when activating keyslots");
        return -EINVAL;
    }
    if (!a->new_pw) {
        blk_error(errp, "'new-secret' is required to activate a keyslot");
        return -EINVAL;
    }
    if (slot >= 0 && v->h.slot[slot].active == LUKS_SLOT_ACTIVE) {
        blk_error(errp, "Refusing to overwrite active keyslot %d - please erase it first", slot);
        return -EINVAL;
    }
    for (int i = 0; slot < 0 && i < LUKS_SLOTS; i++) {
        slot = v->h.slot[i].active == LUKS_SLOT_ACTIVE ? -1 : i;
    }
    if (slot < 0) {
        blk_error(errp, "Can't add a keyslot - all keyslots are in use");
        return -ENOSPC;
    }
    int r = luks_count_iters(&v->h, a->iter_time ? a->iter_time : 2000,
                             &v->h.slot[slot].iters, errp);
    r = r < 0 ? r : luks_write_slot(v, slot, io, opaque, a->new_pw, a->new_len, errp);
    return r < 0 ? r : luks_write_header(v, io, opaque);
}

/* Which slots an erase names: the given one, or those old_pw opens. */
static int erase_set(LuksVolume *v, const LuksAmend *a, LuksIO io, void *opaque, bool *set,
                     char **errp)
{
    uint8_t mk[CRYPTO_MAX_KEY];
    if (a->keyslot >= 0) {
        if (v->h.slot[a->keyslot].active != LUKS_SLOT_ACTIVE) {
            blk_error(errp, "Given keyslot %d is already erased (inactive) ", a->keyslot);
            return -EINVAL;
        }
        int r = a->old_pw ? luks_try_slot(v, a->keyslot, io, opaque, a->old_pw, a->old_len, mk,
                                          errp) : 1;
        explicit_bzero(mk, sizeof(mk));
        if (r == 0) {
            blk_error(errp, "Given keyslot %d doesn't contain the given old password for erase "
                      "operation", a->keyslot);
            return -EINVAL;
        }
        set[a->keyslot] = r > 0;
        return r;
    }
    int n = 0;
    for (int i = 0; i < LUKS_SLOTS; i++) {
        if (v->h.slot[i].active == LUKS_SLOT_ACTIVE) {
            int r = luks_try_slot(v, i, io, opaque, a->old_pw, a->old_len, mk, errp);
            if (r < 0) {
                return r;
            }
            set[i] = r > 0;
            n += r > 0;
        }
    }
    explicit_bzero(mk, sizeof(mk));
    if (!n) {
        blk_error(errp, "No keyslots match given (old) password for erase operation");
        return -EINVAL;
    }
    return n;
}

static int erase_keys(LuksVolume *v, const LuksAmend *a, LuksIO io, void *opaque, char **errp)
{
    bool set[LUKS_SLOTS] = { false };
    if (a->new_pw) {
        blk_error(errp, "'new-secret' must not be given when erasing keyslots");
        return -EINVAL;
    }
    if (a->keyslot < 0 && !a->old_pw) {
        blk_error(errp, "To erase keyslot(s), either explicit keyslot index or the password "
                  "currently contained in them must be given");
        return -EINVAL;
    }
    int n = erase_set(v, a, io, opaque, set, errp);
    if (n < 0) {
        return n;
    }
    if (n == active_slots(v) && !a->force) {
        if (a->keyslot >= 0) {
            blk_error(errp, "Attempt to erase the only active keyslot %d which will erase all the "
                      "data in the image irreversibly - refusing operation", a->keyslot);
        } else {
            blk_error(errp, "All the active keyslots match the (old) password that was given and "
                      "erasing them will erase all the data in the image irreversibly - refusing "
                      "operation");
        }
        return -EINVAL;
    }
    int r = 0;
    for (int i = 0; r == 0 && i < LUKS_SLOTS; i++) {
        r = set[i] ? luks_erase_slot(v, i, io, opaque) : 0;
    }
    return r < 0 ? r : luks_write_header(v, io, opaque);
}

int luks_amend(LuksVolume *v, const LuksAmend *a, LuksIO io, void *opaque, char **errp)
{
    if (!v->cipher) {
        blk_error(errp, "The image is not unlocked");
        return -EACCES;
    }
    return !strcmp(a->state, "active") ? add_key(v, a, io, opaque, errp)
                                       : erase_keys(v, a, io, opaque, errp);
}
