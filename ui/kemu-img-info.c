/* kemu-img info, map, check and measure: reports whose layout (human and
 * JSON) matches qemu-img's line by line. */
#include "hw/block/bitmap.h"
#include "hw/block/luks.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OUT_HUMAN, OUT_JSON };

static int parse_output(const char *s)
{
    if (!strcmp(s, "json")) {
        return OUT_JSON;
    }
    if (!strcmp(s, "human")) {
        return OUT_HUMAN;
    }
    error_report("--output must be used with human or json as argument.");
    return -1;
}

static void snapshot_row(const BlockSnapshotInfo *sn)
{
    char size[32], date[32], clock[32], icount[32] = "";
    struct tm tm;
    time_t t = (time_t)sn->date_sec;
    uint64_t secs = sn->vm_clock_nsec / UINT64_C(1000000000);
    format_size(sn->vm_state_size, size, sizeof(size));
    localtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(clock, sizeof(clock), "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64,
             secs / 3600, (secs / 60) % 60, secs % 60,
             (sn->vm_clock_nsec / UINT64_C(1000000)) % 1000);
    if (sn->has_icount) {
        snprintf(icount, sizeof(icount), "%" PRIu64, sn->icount);
    }
    printf("%-9s %-16s %8s%20s%13s%11s\n", sn->id, sn->name, size, date, clock, icount);
}

void img_dump_snapshots(BlockDriverState *bs, bool only_if_any)
{
    BlockSnapshotInfo *l = NULL;
    int n = bs->drv->snapshot_list ? bs->drv->snapshot_list(bs, &l) : 0;
    if (n > 0 || !only_if_any) {
        printf("Snapshot list:\n");
        printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
               "ICOUNT");
        for (int i = 0; i < n; i++) {
            snapshot_row(&l[i]);
        }
    }
    free(l);
}

/* The image's persistent bitmaps, as info lists them (an allocated array). */
static int info_bitmaps(BlockDriverState *bs, BlockBitmapInfo **l)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    *l = NULL;
    return ops ? ops->list(bs, l) : 0;
}

static void human_bitmaps(BlockDriverState *bs)
{
    BlockBitmapInfo *l;
    int n = info_bitmaps(bs, &l);
    if (n > 0) {
        printf("    bitmaps:\n");
    }
    for (int i = 0; i < n; i++) {
        int f = 0;
        printf("        [%d]:\n            flags:\n", i);
        if (l[i].in_use) {
            printf("                [%d]: in-use\n", f++);
        }
        if (l[i].auto_flag) {
            printf("                [%d]: auto\n", f++);
        }
        printf("            name: %s\n            granularity: %u\n", l[i].name,
               l[i].granularity);
    }
    free(l);
}

/* A LUKS header as qemu-img prints it (its members in QEMU's dictionary
 * order); fmt is qcow2's encrypt.format, NULL for the luks format. */
static void human_luks(const LuksVolume *v, const char *fmt, int ind)
{
    if (!v) {
        printf("%*sformat: %s\n", ind, "", fmt);
        return;
    }
    const LuksHeader *h = &v->h;
    printf("%*sivgen alg: %s\n%*shash alg: %s\n%*scipher alg: %s\n%*suuid: %s\n", ind, "",
           v->spec.ivgen, ind, "", h->hash, ind, "", v->cipher_alg, ind, "", h->uuid);
    if (v->spec.ivhash[0]) {
        printf("%*sivgen hash alg: %s\n", ind, "", v->spec.ivhash);
    }
    if (fmt) {
        printf("%*sformat: %s\n", ind, "", fmt);
    }
    printf("%*scipher mode: %s\n%*sslots:\n", ind, "", v->spec.mode, ind, "");
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const LuksSlot *s = &h->slot[i];
        bool on = s->active == LUKS_SLOT_ACTIVE;
        printf("%*s[%d]:\n%*sactive: %s\n", ind + 4, "", i, ind + 8, "", on ? "true" : "false");
        if (on) {
            printf("%*siters: %u\n", ind + 8, "", s->iters);
        }
        printf("%*skey offset: %" PRIu64 "\n", ind + 8, "",
               (uint64_t)s->key_offset * CRYPTO_SECTOR_SIZE);
        if (on) {
            printf("%*sstripes: %u\n", ind + 8, "", s->stripes);
        }
    }
    printf("%*spayload offset: %" PRIu64 "\n%*smaster key iters: %u\n", ind, "",
           (uint64_t)h->payload_offset * CRYPTO_SECTOR_SIZE, ind, "", h->mk_iters);
}

static void human_info(BlockDriverState *bs)
{
    BlockFormatInfo fi = { 0 };
    char vs[32], ds[32];
    int64_t alloc = bfile_allocated(bs->file);
    if (bs->drv->get_info) {
        bs->drv->get_info(bs, &fi);
    }
    format_size(bs->total_size, vs, sizeof(vs));
    format_size(alloc < 0 ? 0 : (uint64_t)alloc, ds, sizeof(ds));
    printf("image: %s\nfile format: %s\n", bs->json_name ? bs->json_name : bs->filename,
           bs->drv->name);
    printf("virtual size: %s (%" PRIu64 " bytes)\n", vs, bs->total_size);
    printf("disk size: %s\n", alloc < 0 ? "unavailable" : ds);
    if (fi.encrypted) {
        printf("encrypted: yes\n");
    }
    if (fi.is_qcow2) {
        printf("cluster_size: %u\n", fi.cluster_size);
        if (fi.dirty) {
            printf("cleanly shut down: no\n");
        }
    }
    if (bs->backing_file[0]) {
        char *full = bdrv_backing_path(bs->filename, bs->backing_file);
        printf("backing file: %s", bs->backing_file);
        if (strcmp(full, bs->backing_file)) {
            printf(" (actual path: %s)", full);
        }
        printf("\n");
        free(full);
        if (bs->backing_fmt[0]) {
            printf("backing file format: %s\n", bs->backing_fmt);
        }
    }
    img_dump_snapshots(bs, true);
    if (fi.is_qcow2) {
        printf("Format specific information:\n");
        printf("    compat: %s\n", fi.compat >= 3 ? "1.1" : "0.10");
        printf("    compression type: %s\n", fi.compression_type);
        if (fi.compat >= 3) {
            printf("    lazy refcounts: %s\n", fi.lazy_refcounts ? "true" : "false");
        }
        human_bitmaps(bs);
        printf("    refcount bits: %d\n", fi.refcount_bits);
        if (fi.data_file) {
            printf("    data file: %s\n", fi.data_file);
        }
        if (fi.has_data_file) {
            printf("    data file raw: %s\n", fi.data_file_raw ? "true" : "false");
        }
        if (fi.encrypt_format) {
            printf("    encrypt:\n");
            human_luks(fi.luks, fi.encrypt_format, 8);
        }
        if (fi.compat >= 3) {
            printf("    corrupt: %s\n", fi.corrupt ? "true" : "false");
            printf("    extended l2: %s\n", fi.extended_l2 ? "true" : "false");
        }
    } else if (fi.luks) {
        printf("Format specific information:\n");
        human_luks(fi.luks, NULL, 4);
    }
}

/* JSON writer with qemu-img's layout: 4-space indent, one member a line. */
typedef struct Json {
    int indent;
    bool first;
} Json;

static void jkey(Json *j, const char *key)
{
    if (!(j->first && !j->indent && !key)) { /* the outermost value starts the output */
        printf("%s\n%*s", j->first ? "" : ",", j->indent, "");
    }
    j->first = false;
    if (key) {
        printf("\"%s\": ", key);
    }
}

static void jstr(Json *j, const char *key, const char *v)
{
    jkey(j, key);
    img_json_string(v);
}

static void jnum(Json *j, const char *key, uint64_t v)
{
    jkey(j, key);
    printf("%" PRIu64, v);
}

static void jbool(Json *j, const char *key, bool v)
{
    jkey(j, key);
    printf("%s", v ? "true" : "false");
}

static void jopen(Json *j, const char *key, char bracket)
{
    jkey(j, key);
    printf("%c", bracket);
    j->indent += 4;
    j->first = true;
}

static void jclose(Json *j, char bracket)
{
    j->indent -= 4;
    printf("\n%*s%c", j->indent, "", bracket);
    j->first = false;
}

static void json_luks(Json *j, const LuksVolume *v, const char *fmt)
{
    if (!v) {
        jstr(j, "format", fmt);
        return;
    }
    const LuksHeader *h = &v->h;
    jstr(j, "ivgen-alg", v->spec.ivgen);
    jstr(j, "hash-alg", h->hash);
    jstr(j, "cipher-alg", v->cipher_alg);
    jstr(j, "uuid", h->uuid);
    if (v->spec.ivhash[0]) {
        jstr(j, "ivgen-hash-alg", v->spec.ivhash);
    }
    if (fmt) {
        jstr(j, "format", fmt);
    }
    jstr(j, "cipher-mode", v->spec.mode);
    jopen(j, "slots", '[');
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const LuksSlot *s = &h->slot[i];
        bool on = s->active == LUKS_SLOT_ACTIVE;
        jopen(j, NULL, '{');
        jbool(j, "active", on);
        if (on) {
            jnum(j, "iters", s->iters);
        }
        jnum(j, "key-offset", (uint64_t)s->key_offset * CRYPTO_SECTOR_SIZE);
        if (on) {
            jnum(j, "stripes", s->stripes);
        }
        jclose(j, '}');
    }
    jclose(j, ']');
    jnum(j, "payload-offset", (uint64_t)h->payload_offset * CRYPTO_SECTOR_SIZE);
    jnum(j, "master-key-iters", h->mk_iters);
}

static void json_snapshots(Json *j, BlockDriverState *bs)
{
    BlockSnapshotInfo *l = NULL;
    int n = bs->drv->snapshot_list ? bs->drv->snapshot_list(bs, &l) : 0;
    if (n > 0) {
        jopen(j, "snapshots", '[');
        for (int i = 0; i < n; i++) {
            jopen(j, NULL, '{');
            if (l[i].has_icount) {
                jnum(j, "icount", l[i].icount);
            }
            jnum(j, "vm-clock-nsec", l[i].vm_clock_nsec % 1000000000ULL);
            jstr(j, "name", l[i].name);
            jnum(j, "date-sec", l[i].date_sec);
            jnum(j, "date-nsec", l[i].date_nsec);
            jnum(j, "vm-clock-sec", l[i].vm_clock_nsec / 1000000000ULL);
            jstr(j, "id", l[i].id);
            jnum(j, "vm-state-size", l[i].vm_state_size);
            jclose(j, '}');
        }
        jclose(j, ']');
    }
    free(l);
}

static void json_bitmaps(Json *j, BlockDriverState *bs)
{
    BlockBitmapInfo *l;
    int n = info_bitmaps(bs, &l);
    if (n > 0) {
        jopen(j, "bitmaps", '[');
    }
    for (int i = 0; i < n; i++) {
        jopen(j, NULL, '{');
        jopen(j, "flags", '[');
        if (l[i].in_use) {
            jstr(j, NULL, "in-use");
        }
        if (l[i].auto_flag) {
            jstr(j, NULL, "auto");
        }
        jclose(j, ']');
        jstr(j, "name", l[i].name);
        jnum(j, "granularity", l[i].granularity);
        jclose(j, '}');
    }
    if (n > 0) {
        jclose(j, ']');
    }
    free(l);
}

static void json_info(Json *j, BlockDriverState *bs)
{
    BlockFormatInfo fi = { 0 };
    int64_t alloc = bfile_allocated(bs->file);
    if (bs->drv->get_info) {
        bs->drv->get_info(bs, &fi);
    }
    jopen(j, NULL, '{');
    json_snapshots(j, bs);
    if (bs->backing_file[0] && bs->backing_fmt[0]) {
        jstr(j, "backing-filename-format", bs->backing_fmt);
    }
    jnum(j, "virtual-size", bs->total_size);
    jstr(j, "filename", bs->json_name ? bs->json_name : bs->filename);
    if (fi.is_qcow2) {
        jnum(j, "cluster-size", fi.cluster_size);
    }
    jstr(j, "format", bs->drv->name);
    if (alloc >= 0) {
        jnum(j, "actual-size", (uint64_t)alloc);
    }
    if (fi.is_qcow2) {
        jopen(j, "format-specific", '{');
        jstr(j, "type", "qcow2");
        jopen(j, "data", '{');
        jstr(j, "compat", fi.compat >= 3 ? "1.1" : "0.10");
        jstr(j, "compression-type", fi.compression_type);
        if (fi.compat >= 3) {
            jbool(j, "lazy-refcounts", fi.lazy_refcounts);
        }
        json_bitmaps(j, bs);
        jnum(j, "refcount-bits", (uint64_t)fi.refcount_bits);
        if (fi.data_file) {
            jstr(j, "data-file", fi.data_file);
        }
        if (fi.has_data_file) {
            jbool(j, "data-file-raw", fi.data_file_raw);
        }
        if (fi.encrypt_format) {
            jopen(j, "encrypt", '{');
            json_luks(j, fi.luks, fi.encrypt_format);
            jclose(j, '}');
        }
        if (fi.compat >= 3) {
            jbool(j, "corrupt", fi.corrupt);
            jbool(j, "extended-l2", fi.extended_l2);
        }
        jclose(j, '}');
        jclose(j, '}');
    } else if (fi.luks) {
        jopen(j, "format-specific", '{');
        jstr(j, "type", "luks");
        jopen(j, "data", '{');
        json_luks(j, fi.luks, NULL);
        jclose(j, '}');
        jclose(j, '}');
    }
    if (bs->backing_file[0]) {
        char *full = bdrv_backing_path(bs->filename, bs->backing_file);
        jstr(j, "full-backing-filename", full);
        jstr(j, "backing-filename", bs->backing_file);
        free(full);
    }
    if (fi.encrypted) {
        jbool(j, "encrypted", true);
    }
    if (!bs->file->nbd) { /* qemu-img has no such fact of an NBD export */
        jbool(j, "dirty-flag", fi.dirty);
    }
    jclose(j, '}');
}

int img_info(int argc, char **argv)
{
    const char *fmt = NULL;
    int output = OUT_HUMAN, c;
    bool chain = false, share = false;
    static const struct option lopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "backing-chain", no_argument, NULL, 'B' },
        { "force-share", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:U", lopts)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': share = true; break;
        case 'B': chain = true; break;
        case 'O':
            if ((output = parse_output(optarg)) < 0) {
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    int flags = (share ? BDRV_O_SHARE : 0) | (chain ? 0 : BDRV_O_NO_BACKING) | BDRV_O_NO_IO;
    BlockDriverState *top = img_open(argv[optind], fmt, flags, BDRV_CACHE_WRITEBACK);
    if (!top) {
        return 1;
    }
    Json j = { 0, true };
    if (output == OUT_JSON && chain) {
        printf("[");
        j.indent = 4;
    }
    for (BlockDriverState *bs = top; bs; bs = chain ? bs->backing : NULL) {
        if (output == OUT_JSON) {
            json_info(&j, bs);
        } else {
            if (bs != top) {
                printf("\n");
            }
            human_info(bs);
        }
    }
    if (output == OUT_JSON && chain) {
        printf("\n]");
    }
    if (output == OUT_JSON) {
        printf("\n");
    }
    bdrv_close(top);
    return 0;
}

/* One mapping of the chain: what [off, off+*pnum) holds and where. */
typedef struct MapEntry {
    uint64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    const char *file;
} MapEntry;

/* The file holding bs's data: its external data file, if any. */
static const char *data_name(BlockDriverState *bs)
{
    BlockFormatInfo fi = { 0 };
    if (bs->drv->get_info) {
        bs->drv->get_info(bs, &fi);
    }
    return fi.data_path ? fi.data_path : bs->filename;
}

static int map_status(BlockDriverState *top, uint64_t off, uint64_t len, MapEntry *e)
{
    BlockDriverState *bs = top;
    int depth = 0;
    for (;;) {
        uint64_t pnum, map;
        if (off >= bs->total_size) {
            /* Past the end of a shorter backing file: zeros. */
            *e = (MapEntry){ off, len, 0, depth, false, true, false, false, bs->filename };
            return 0;
        }
        int r = blk_block_status(bs, off, MIN(len, bs->total_size - off), &pnum, &map);
        if (r < 0) {
            return r;
        }
        len = pnum;
        /* Unallocated past the end of a shorter backing file reads zeros
         * from this layer (qemu-img reports it at this depth). */
        if ((r & BDRV_BLOCK_ALLOCATED) || !bs->backing || off >= bs->backing->total_size) {
            bool alloc = (r & BDRV_BLOCK_ALLOCATED) != 0;
            *e = (MapEntry){ off, len, map, depth, alloc, !alloc || (r & BDRV_BLOCK_ZERO),
                             (r & BDRV_BLOCK_DATA) != 0, (r & BDRV_BLOCK_OFFSET_VALID) != 0,
                             r & BDRV_BLOCK_OFFSET_VALID ? data_name(bs) : bs->filename };
            return 0;
        }
        bs = bs->backing;
        depth++;
    }
}

static bool map_mergeable(const MapEntry *a, const MapEntry *b)
{
    return a->depth == b->depth && a->present == b->present && a->zero == b->zero &&
           a->data == b->data && a->has_offset == b->has_offset && a->file == b->file &&
           (!a->has_offset || a->offset + a->length == b->offset);
}

static void map_print(const MapEntry *e, int output, bool first)
{
    if (output == OUT_JSON) {
        printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64 ", \"depth\": %d, "
               "\"present\": %s, \"zero\": %s, \"data\": %s", first ? "" : ",\n", e->start,
               e->length, e->depth, e->present ? "true" : "false", e->zero ? "true" : "false",
               e->data ? "true" : "false");
        if (e->has_offset) {
            printf(", \"offset\": %" PRIu64, e->offset);
        }
        printf("}");
    } else if (e->data && !e->zero && e->has_offset) {
        char a[32], b[32], c[32];
        snprintf(a, sizeof(a), "%#" PRIx64, e->start);
        snprintf(b, sizeof(b), "%#" PRIx64, e->length);
        snprintf(c, sizeof(c), "%#" PRIx64, e->offset);
        printf("%-16s%-16s%-16s%s\n", e->start ? a : "0", b, e->offset ? c : "0", e->file);
    }
}

int img_map(int argc, char **argv)
{
    const char *fmt = NULL;
    int output = OUT_HUMAN, c;
    bool share = false;
    uint64_t start = 0, maxlen = UINT64_MAX;
    static const struct option lopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "start-offset", required_argument, NULL, 's' },
        { "max-length", required_argument, NULL, 'l' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:U", lopts)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'U': share = true; break;
        case 's':
            if (parse_size(optarg, 'B', &start) < 0) {
                error_report("Invalid start offset specified");
                return 1;
            }
            break;
        case 'l':
            if (parse_size(optarg, 'B', &maxlen) < 0) {
                error_report("Invalid length specified");
                return 1;
            }
            break;
        case 'O':
            if ((output = parse_output(optarg)) < 0) {
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    BlockDriverState *bs = img_open(argv[optind], fmt, share ? BDRV_O_SHARE : 0,
                                    BDRV_CACHE_WRITEBACK);
    if (!bs) {
        return 1;
    }
    uint64_t end = maxlen == UINT64_MAX || start + maxlen > bs->total_size ? bs->total_size
                                                                         : start + maxlen;
    MapEntry cur = { 0 }, next;
    bool have = false, first = true;
    int r = 0;
    if (output == OUT_JSON) {
        printf("[");
    } else {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    for (uint64_t off = start; off < end; off += next.length) {
        if ((r = map_status(bs, off, MIN(end - off, 1ULL << 30), &next)) < 0) {
            error_report("Could not read file metadata: %s", strerror(-r));
            have = false;
            break;
        }
        if (output == OUT_HUMAN && next.data && !next.has_offset) {
            error_report("File contains external, encrypted or compressed clusters.");
            r = -EINVAL;
            break;
        }
        if (have && map_mergeable(&cur, &next)) {
            cur.length += next.length;
            continue;
        }
        if (have) {
            map_print(&cur, output, first);
            first = false;
        }
        cur = next;
        have = true;
    }
    if (have) {
        map_print(&cur, output, first);
    }
    if (output == OUT_JSON) {
        printf("]\n");
    }
    bdrv_close(bs);
    return r < 0 ? 1 : 0;
}

static void check_human(const BlockCheckResult *res)
{
    if (res->leaks_fixed || res->corruptions_fixed) {
        printf("The following inconsistencies were found and repaired:\n\n"
               "    %d leaked clusters\n    %d corruptions\n\n"
               "Double checking the fixed image now...\n", res->leaks_fixed,
               res->corruptions_fixed);
    }
    if (!res->corruptions && !res->leaks && !res->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (res->corruptions) {
            printf("\n%d errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   res->corruptions);
        }
        if (res->leaks) {
            printf("\n%d leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n", res->leaks);
        }
        if (res->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n",
                   res->check_errors);
        }
    }
    if (res->total_clusters && res->allocated_clusters) {
        printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% fragmented, %0.2f%% "
               "compressed clusters\n", res->allocated_clusters, res->total_clusters,
               res->allocated_clusters * 100.0 / res->total_clusters,
               res->fragmented_clusters * 100.0 / res->allocated_clusters,
               res->compressed_clusters * 100.0 / res->allocated_clusters);
    }
    if (res->image_end_offset) {
        printf("Image end offset: %" PRIu64 "\n", res->image_end_offset);
    }
}

static void check_json(const BlockCheckResult *res, BlockDriverState *bs)
{
    Json j = { 0, true };
    jopen(&j, NULL, '{');
    if (res->image_end_offset) {
        jnum(&j, "image-end-offset", res->image_end_offset);
    }
    if (res->compressed_clusters) {
        jnum(&j, "compressed-clusters", res->compressed_clusters);
    }
    if (res->total_clusters) {
        jnum(&j, "total-clusters", res->total_clusters);
    }
    if (res->corruptions) {
        jnum(&j, "corruptions", (uint64_t)res->corruptions);
    }
    if (res->corruptions_fixed) {
        jnum(&j, "corruptions-fixed", (uint64_t)res->corruptions_fixed);
    }
    jnum(&j, "check-errors", (uint64_t)res->check_errors);
    if (res->leaks) {
        jnum(&j, "leaks", (uint64_t)res->leaks);
    }
    if (res->leaks_fixed) {
        jnum(&j, "leaks-fixed", (uint64_t)res->leaks_fixed);
    }
    if (res->allocated_clusters) {
        jnum(&j, "allocated-clusters", res->allocated_clusters);
    }
    jstr(&j, "filename", bs->filename);
    jstr(&j, "format", bs->drv->name);
    if (res->fragmented_clusters) {
        jnum(&j, "fragmented-clusters", res->fragmented_clusters);
    }
    jclose(&j, '}');
    printf("\n");
}

int img_check(int argc, char **argv)
{
    const char *fmt = NULL;
    int output = OUT_HUMAN, fix = 0, c;
    bool quiet = false, share = false;
    static const struct option lopts[] = {
        { "output", required_argument, NULL, 'O' },
        { "repair", required_argument, NULL, 'r' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:r:T:qU", lopts)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'U': share = true; break;
        case 'T': img_cache_mode(optarg); break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_FIX_LEAKS | BDRV_FIX_ERRORS;
            } else {
                error_report("Unknown option value for -r (expecting 'leaks' or 'all'): %s",
                             optarg);
                return 1;
            }
            break;
        case 'O':
            if ((output = parse_output(optarg)) < 0) {
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    int flags = BDRV_O_NO_BACKING | BDRV_O_CHECK | (fix ? BDRV_O_RDWR : 0) |
                (share ? BDRV_O_SHARE : 0);
    BlockDriverState *bs = img_open(argv[optind], fmt, flags, BDRV_CACHE_WRITEBACK);
    if (!bs) {
        return 1;
    }
    if (!bs->drv->check) {
        error_report("This image format does not support checks");
        bdrv_close(bs);
        return 63;
    }
    BlockCheckResult res = { 0 };
    int r = bs->drv->check(bs, &res, fix);
    if (r < 0) {
        error_report("Check failed: %s", strerror(-r));
        bdrv_close(bs);
        return 1;
    }
    if (output == OUT_JSON) {
        check_json(&res, bs);
    } else if (!quiet) {
        check_human(&res);
    }
    bdrv_close(bs);
    if (res.check_errors) {
        return 1;
    }
    return res.corruptions ? 2 : res.leaks ? 3 : 0;
}

/* Clusters of size cs the persistent bitmaps of bs would take in a qcow2
 * copy: every bitmap fully allocated, its table, and the directory
 * (qemu-img measure's "bitmaps size"). */
static uint64_t bitmaps_size(BlockDriverState *bs, uint64_t cs)
{
    BlockBitmapInfo *l;
    int n = info_bitmaps(bs, &l);
    uint64_t total = 0, dir = 0;
    for (int i = 0; i < n; i++) {
        uint64_t bits = (bs->total_size + l[i].granularity - 1) / l[i].granularity;
        uint64_t clusters = ((bits + 7) / 8 + cs - 1) / cs;
        total += clusters * cs + ALIGN_UP(clusters * 8, cs);
        dir += ALIGN_UP(24 + strlen(l[i].name), 8);
    }
    free(l);
    return total + ALIGN_UP(dir, cs);
}

/* Data bytes of the input that a copy would allocate (cluster granular). */
static int allocated_bytes(BlockDriverState *bs, uint64_t cs, uint64_t *out)
{
    uint64_t total = 0, last_end = 0;
    for (uint64_t off = 0; off < bs->total_size;) {
        MapEntry e;
        int r = map_status(bs, off, bs->total_size - off, &e);
        if (r < 0) {
            return r;
        }
        if (e.data && !e.zero) {
            uint64_t a = MAX(ALIGN_DOWN(off, cs), last_end), b = ALIGN_UP(off + e.length, cs);
            if (b > a) {
                total += b - a;
                last_end = b;
            }
        }
        off += e.length;
    }
    *out = total;
    return 0;
}

/* An encrypted target needs its secret even to be measured, as in qemu-img. */
static int measure_needs_key(const char *out_fmt, const BlockCreateOpts *o)
{
    bool luks = !strcmp(out_fmt, "luks");
    bool qluks = !strcmp(out_fmt, "qcow2") && o->crypt.format && !strcmp(o->crypt.format, "luks");
    char *err = NULL;
    size_t len;
    if ((luks || qluks) &&
        !luks_secret(o->crypt.key_secret, luks ? "key-secret" : "encrypt.key-secret", &len,
                     &err)) {
        img_error(err);
        return -1;
    }
    return 0;
}

int img_measure(int argc, char **argv)
{
    const char *fmt = NULL, *out_fmt = "raw", *size_s = NULL, *snapshot = NULL;
    char *optstr = NULL;
    int output = OUT_HUMAN, c;
    bool share = false;
    static const struct option lopts[] = {
        { "output", required_argument, NULL, 'J' },
        { "size", required_argument, NULL, 'S' },
        { "force-share", no_argument, NULL, 'U' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:O:o:Ul:", lopts)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'l': snapshot = optarg; break;
        case 'o':
            if (img_opts_append(&optstr, optarg) < 0) {
                return 1;
            }
            break;
        case 'U': share = true; break;
        case 'S': size_s = optarg; break;
        case 'J':
            if ((output = parse_output(optarg)) < 0) {
                return 1;
            }
            break;
        default: return 1;
        }
    }
    const BlockDriver *drv = bdrv_find_format(out_fmt);
    if (!drv) {
        error_report("Unknown file format '%s'", out_fmt);
        return 1;
    }
    if (!drv->measure_meta) {
        error_report("Block driver '%s' does not support size measurement", out_fmt);
        return 1;
    }
    if (argc - optind > 1) {
        error_report("At most one filename argument is allowed.");
        return 1;
    }
    if ((size_s != NULL) == (optind < argc)) {
        error_report(size_s ? "--size N cannot be used together with a filename."
                            : "Either --size N or one filename must be specified.");
        return 1;
    }
    BlockCreateOpts o = { 0 };
    if (img_parse_create_opts(out_fmt, NULL, optstr, &o)) {
        return 1;
    }
    if (measure_needs_key(out_fmt, &o) < 0) {
        return 1;
    }
    uint64_t data = 0, bm_size = 0;
    bool src_bitmaps = false; /* the source format could hold bitmaps */
    if (size_s) {
        if (parse_size(size_s, 'B', &o.size) < 0) {
            error_report("Invalid image size specified.");
            return 1;
        }
        o.size = ALIGN_UP(o.size, BDRV_SECTOR_SIZE);
    } else {
        BlockDriverState *bs = img_open(argv[optind], fmt, share ? BDRV_O_SHARE : 0,
                                        BDRV_CACHE_WRITEBACK);
        if (!bs) {
            return 1;
        }
        if (snapshot && img_load_snapshot(bs, snapshot) < 0) {
            bdrv_close(bs);
            return 1;
        }
        o.size = bs->total_size;
        src_bitmaps = bdrv_bitmap_ops(bs) && bdrv_bitmap_ops(bs)->supported(bs);
        bm_size = bitmaps_size(bs, o.cluster_size ? o.cluster_size : 65536);
        int r = allocated_bytes(bs, strcmp(out_fmt, "qcow2") ? 512 :
                                o.cluster_size ? o.cluster_size : 65536, &data);
        bdrv_close(bs);
        if (r < 0) {
            error_report("Could not read the image: %s", strerror(-r));
            return 1;
        }
    }
    bool qcow2 = !strcmp(out_fmt, "qcow2");
    uint64_t cs = o.cluster_size ? o.cluster_size : 65536;
    uint64_t meta = drv->measure_meta(&o);
    uint64_t required = qcow2 ? meta + (o.prealloc != PREALLOC_OFF ? ALIGN_UP(o.size, cs) : data)
                              : (size_s ? o.size : o.size);
    uint64_t full = qcow2 ? meta + ALIGN_UP(o.size, cs) : o.size;
    bool bitmaps = qcow2 && src_bitmaps && o.compat != 2; /* v2 images hold none */
    if (!strcmp(out_fmt, "luks")) {
        required = full = meta + o.size; /* every sector is written encrypted */
    }
    if (output == OUT_JSON) {
        Json j = { 0, true };
        jopen(&j, NULL, '{');
        if (bitmaps) {
            jnum(&j, "bitmaps", bm_size);
        }
        jnum(&j, "required", required);
        jnum(&j, "fully-allocated", full);
        jclose(&j, '}');
        printf("\n");
    } else {
        printf("required size: %" PRIu64 "\nfully allocated size: %" PRIu64 "\n", required,
               full);
        if (bitmaps) {
            printf("bitmaps size: %" PRIu64 "\n", bm_size);
        }
    }
    return 0;
}
