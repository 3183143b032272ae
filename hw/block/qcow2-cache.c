/* Write-back cache of qcow2 metadata clusters (L2 tables, refcount blocks). */
#include "hw/block/qcow2.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void qcow2_cache_init(Qcow2Cache *c, int n, uint32_t size, Qcow2Cache *before)
{
    c->n = n;
    c->size = size;
    c->offset = xzalloc(sizeof(uint64_t) * (size_t)n);
    c->data = xmalloc((size_t)size * (size_t)n);
    c->dirty = xzalloc(sizeof(bool) * (size_t)n);
    c->used = xzalloc(sizeof(uint64_t) * (size_t)n);
    c->tick = 0;
    c->last = 0;
    c->before = before;
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    free(c->offset);
    free(c->data);
    free(c->dirty);
    free(c->used);
    memset(c, 0, sizeof(*c));
}

static int write_slot(BlockDriverState *bs, Qcow2Cache *c, int i)
{
    if (!c->dirty[i]) {
        return 0;
    }
    if (c->before) {
        int r = qcow2_cache_flush(bs, c->before);
        if (r < 0) {
            return r;
        }
    }
    int r = bfile_pwrite(bs->file, c->offset[i], c->data + (size_t)i * c->size, c->size);
    if (r == 0) {
        c->dirty[i] = false;
    }
    return r;
}

int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c)
{
    int ret = 0;
    for (int i = 0; i < c->n; i++) {
        int r = write_slot(bs, c, i);
        if (r < 0) {
            ret = r;
        }
    }
    return ret;
}

int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t off, bool fresh,
                    uint8_t **table)
{
    int victim = 0;
    if (c->offset[c->last] == off) {
        victim = c->last;
        goto hit;
    }
    for (int i = 0; i < c->n; i++) {
        if (c->offset[i] == off) {
            victim = i;
            goto hit;
        }
        if (c->used[i] < c->used[victim]) {
            victim = i;
        }
    }
    int r = write_slot(bs, c, victim);
    if (r < 0) {
        return r;
    }
    c->offset[victim] = 0;
    uint8_t *d = c->data + (size_t)victim * c->size;
    if (fresh) {
        memset(d, 0, c->size);
    } else if ((r = bfile_pread(bs->file, off, d, c->size)) < 0) {
        return r;
    }
    c->offset[victim] = off;
hit:
    c->used[victim] = ++c->tick;
    c->last = victim;
    *table = c->data + (size_t)victim * c->size;
    if (fresh) {
        memset(*table, 0, c->size);
    }
    return 0;
}

void qcow2_cache_dirty(Qcow2Cache *c, const uint8_t *table)
{
    size_t i = (size_t)(table - c->data) / c->size;
    c->dirty[i] = true;
}

/* Forget a table whose cluster was freed (its content no longer matters). */
void qcow2_cache_discard(Qcow2Cache *c, uint64_t off)
{
    for (int i = 0; i < c->n; i++) {
        if (c->offset[i] == off) {
            c->offset[i] = 0;
            c->dirty[i] = false;
            c->used[i] = 0;
        }
    }
}

int qcow2_flush_metadata(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int r = qcow2_cache_flush(bs, &s->rbc);
    if (r == 0) {
        r = qcow2_cache_flush(bs, &s->l2c);
    }
    return r;
}
