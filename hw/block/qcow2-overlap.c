/* Guard against writing guest data over qcow2 metadata: a damaged or hostile
 * image may point a data cluster at the header, a table or a refcount block,
 * or claim such a cluster is free.  Writes there are refused and the image
 * is marked corrupt (as QEMU's overlap checks do). */
#include "hw/block/qcow2.h"
#include "hw/core/util.h"

static bool hits(uint64_t off, uint64_t len, uint64_t start, uint64_t size)
{
    return size && off < start + size && start < off + len;
}

const char *qcow2_metadata_overlap(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size;
    if (hits(off, len, 0, cs)) {
        return "qcow2_header";
    }
    if (s->has_crypt_ext && hits(off, len, s->crypt_offset, ALIGN_UP(s->crypt_length, cs))) {
        return "encryption header";
    }
    if (hits(off, len, s->l1_offset, ALIGN_UP((uint64_t)s->l1_size * 8, cs))) {
        return "active L1 table";
    }
    if (hits(off, len, s->rt_offset, (uint64_t)s->rt_clusters << s->cluster_bits)) {
        return "refcount table";
    }
    if (hits(off, len, s->snapshots_offset, ALIGN_UP(s->old_table_len, cs))) {
        return "snapshot table";
    }
    for (uint64_t i = 0; i < s->rt_size; i++) {
        if (s->rt[i] && hits(off, len, s->rt[i] & ~511ULL, cs)) {
            return "refcount block";
        }
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_OFFSET_MASK;
        if (l2 && hits(off, len, l2, cs)) {
            return "active L2 table";
        }
    }
    return NULL;
}
