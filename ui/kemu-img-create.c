/* kemu-img create, resize and snapshot, and the -o option parser. */
#include "config.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What was given explicitly (printed in the Formatting line). */
static const char *given_prealloc, *given_compat, *given_ctype, *given_nocow, *given_dfraw;
static const char *given_prealloc, *given_compat, *given_ctype, *given_nocow;
static bool given_encryption; /* qcow2's legacy encryption=on */

typedef struct OptCtx {
    const char *fmt, *filename;
    BlockCreateOpts *o;
} OptCtx;

static int bad_value(OptCtx *c, const char *k, const char *v)
{
    error_report("%s: Parameter '%s' expects %s", c->filename, k, v);
    return -1;
}

/* qemu-img's message for a value of a size option that does not parse. */
static int bad_size(OptCtx *c, const char *k)
{
    error_report("%s: Parameter '%s' expects a non-negative number below 2^64\n"
                 "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, "
                 "peta-\nand exabytes, respectively.", c->filename, k);
    return -1;
}

/* amend's key slot options; 1 if k is none of them. */
static int set_amend_opt(OptCtx *c, const char *k, const char *v)
{
    BlockCryptOpts *e = &c->o->crypt;
    uint64_t n;
    if (!strcmp(k, "state")) {
        e->state = xstrdup(v);
    } else if (!strcmp(k, "new-secret")) {
        e->new_secret = xstrdup(v);
    } else if (!strcmp(k, "old-secret")) {
        e->old_secret = xstrdup(v);
    } else if (!strcmp(k, "keyslot")) {
        if (parse_uint(v, &n) < 0 || n > INT32_MAX) {
            error_report("%s: Parameter 'keyslot' expects an int64 value", c->filename);
            return -1;
        }
        e->keyslot = (int64_t)n;
        e->keyslot_set = true;
    } else {
        return 1;
    }
    return 0;
}

/* The LUKS options (luks's own, qcow2's under "encrypt."); 1 if k is none. */
static int set_crypt_opt(OptCtx *c, const char *k, const char *v)
{
    BlockCryptOpts *e = &c->o->crypt;
    const char **slot = !strcmp(k, "key-secret") ? &e->key_secret
                        : !strcmp(k, "cipher-alg") ? &e->cipher_alg
                        : !strcmp(k, "cipher-mode") ? &e->cipher_mode
                        : !strcmp(k, "ivgen-alg") ? &e->ivgen_alg
                        : !strcmp(k, "ivgen-hash-alg") ? &e->ivgen_hash_alg
                        : !strcmp(k, "hash-alg") ? &e->hash_alg : NULL;
    if (slot) {
        *slot = xstrdup(v);
        return 0;
    }
    if (e->amending && set_amend_opt(c, k, v) <= 0) {
        return 0;
    }
    if (strcmp(k, "iter-time")) {
        return 1;
    }
    uint64_t n;
    if (parse_uint(v, &n) < 0) {
        error_report("%s: Parameter 'iter-time' expects a number", c->filename);
        return -1;
    }
    e->iter_time = n;
    return 0;
}

static int set_qcow2_encrypt(OptCtx *c, const char *k, const char *v)
{
    bool b;
    if (!strcmp(k, "encryption")) {
        if (parse_bool(v, &b) < 0) {
            return bad_value(c, k, "'on' or 'off'");
        }
        given_encryption = b;
        c->o->crypt.format = b ? "aes" : c->o->crypt.format;
        return 0;
    }
    if (!strcmp(k, "encrypt.format")) {
        c->o->crypt.format = xstrdup(v);
        return 0;
    }
    int r = set_crypt_opt(c, k + 8, v);
    if (r > 0) {
        error_report("%s: Invalid parameter '%s'", c->filename, k);
        return -1;
    }
    return r;
}

static int set_qcow2_opt(OptCtx *c, const char *k, const char *v)
{
    BlockCreateOpts *o = c->o;
    uint64_t n;
    bool b;
    if (!strncmp(k, "encrypt.", 8) || !strcmp(k, "encryption")) {
        return set_qcow2_encrypt(c, k, v);
    }
    if (!strcmp(k, "cluster_size")) {
        if (parse_size(v, 'B', &n) < 0 || n > UINT32_MAX) {
            return bad_size(c, k);
        }
        o->cluster_size = (uint32_t)n;
    } else if (!strcmp(k, "compat")) {
        if (!strcmp(v, "0.10") || !strcmp(v, "v2")) {
            o->compat = 2;
        } else if (!strcmp(v, "1.1") || !strcmp(v, "v3")) {
            o->compat = 3;
        } else {
            error_report("%s: Invalid compatibility level: '%s'", c->filename, v);
            return -1;
        }
        given_compat = xstrdup(v);
    } else if (!strcmp(k, "lazy_refcounts")) {
        if (parse_bool(v, &b) < 0) {
            return bad_value(c, k, "'on' or 'off'");
        }
        o->lazy_refcounts = b;
        o->lazy_set = true;
    } else if (!strcmp(k, "refcount_bits")) {
        if (parse_uint(v, &n) < 0 || n > 64) {
            error_report("%s: Refcount width must be a power of two and may not exceed 64 bits",
                         c->filename);
            return -1;
        }
        o->refcount_bits = (int)n;
    } else if (!strcmp(k, "backing_file")) {
        o->backing_file = xstrdup(v);
    } else if (!strcmp(k, "backing_fmt")) {
        o->backing_fmt = xstrdup(v);
    } else if (!strcmp(k, "data_file")) {
        o->data_file = xstrdup(v);
    } else if (!strcmp(k, "data_file_raw")) {
        if (parse_bool(v, &b) < 0) {
            return bad_value(c, k, "'on' or 'off'");
        }
        o->data_file_raw = b;
        o->data_file_raw_set = true;
        given_dfraw = xstrdup(v);
    } else if (!strcmp(k, "compression_type")) {
        /* Checked after the Formatting line, as qemu-img does. */
        given_ctype = xstrdup(v);
        o->zstd = !strcmp(v, "zstd");
    } else if (!strcmp(k, "extended_l2")) {
        if (parse_bool(v, &b) < 0 || b) {
            error_report("%s: extended_l2 (subclusters) is not supported", c->filename);
            return -1;
        }
    } else {
        error_report("%s: Invalid parameter '%s'", c->filename, k);
        return -1;
    }
    return 0;
}

static int set_opt(const char *k, const char *v, void *opaque)
{
    OptCtx *c = opaque;
    if (!strcmp(k, "size")) {
        if (parse_size(v, 'B', &c->o->size) < 0) {
            return bad_size(c, k);
        }
        c->o->size_set = true;
        return 0;
    }
    if (!strcmp(k, "extent_size_hint")) {
        if (parse_size(v, 'B', &c->o->extent_size_hint) < 0) {
            return bad_size(c, k);
        }
        c->o->extent_size_hint_set = true;
        return 0;
    }
    if (!strcmp(k, "nocow")) {
        bool b;
        if (parse_bool(v, &b) < 0) {
            return bad_value(c, k, "'on' or 'off'");
        }
        c->o->nocow = b;
        given_nocow = xstrdup(v);
        return 0;
    }
    if (!strcmp(k, "preallocation")) {
        if (bdrv_parse_prealloc(v, &c->o->prealloc) < 0 ||
            (!strcmp(c->fmt, "raw") && c->o->prealloc == PREALLOC_METADATA)) {
            error_report("%s: Parameter 'preallocation' does not accept value '%s'",
                         c->filename, v);
            return -1;
        }
        given_prealloc = xstrdup(v);
        return 0;
    }
    if (!strcmp(c->fmt, "qcow2")) {
        return set_qcow2_opt(c, k, v);
    }
    if (!strcmp(c->fmt, "luks") && set_crypt_opt(c, k, v) <= 0) {
        return 0;
    }
    error_report("%s: Invalid parameter '%s'", c->filename, k);
    return -1;
}

int img_parse_create_opts(const char *fmt, const char *filename, const char *optstr,
                          BlockCreateOpts *o)
{
    OptCtx c = { fmt, filename ? filename : "", o };
    return optstr ? img_opts_each(optstr, set_opt, &c) : 0;
}

/* The host file's options at the end of the Formatting line (raw puts its
 * preallocation among them). */
static void print_file_opts(const BlockCreateOpts *o, bool prealloc)
{
    if (given_nocow) {
        printf(" nocow=%s", given_nocow);
    }
    if (prealloc && given_prealloc) {
        printf(" preallocation=%s", given_prealloc);
    }
    if (o->extent_size_hint_set) {
        printf(" extent_size_hint=%" PRIu64, o->extent_size_hint);
    }
}

/* The LUKS options given, in QEMU's order, each with prefix. */
static void print_crypt_opts(const BlockCryptOpts *e, const char *prefix)
{
    const char *names[] = { "key-secret", "cipher-alg", "cipher-mode", "ivgen-alg",
                            "ivgen-hash-alg", "hash-alg" };
    const char *vals[] = { e->key_secret, e->cipher_alg, e->cipher_mode, e->ivgen_alg,
                           e->ivgen_hash_alg, e->hash_alg };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (vals[i]) {
            printf(" %s%s=%s", prefix, names[i], vals[i]);
        }
    }
    if (e->iter_time) {
        printf(" %siter-time=%" PRIu64, prefix, e->iter_time);
    }
}

void img_print_formatting(const char *fmt, const char *filename, const BlockCreateOpts *o)
{
    if (o->quiet) {
        return;
    }
    printf("Formatting '%s', fmt=%s ", filename, fmt);
    if (!strcmp(fmt, "qcow2") && (o->crypt.format || o->crypt.key_secret)) {
        if (given_encryption) {
            printf("encryption=on");
        } else if (o->crypt.format) {
            printf("encrypt.format=%s", o->crypt.format);
        }
        print_crypt_opts(&o->crypt, "encrypt.");
        printf(" ");
    }
    if (!strcmp(fmt, "luks")) {
        printf("size=%" PRIu64, o->size);
        print_crypt_opts(&o->crypt, "");
        print_file_opts(o, true);
    } else if (!strcmp(fmt, "qcow2")) {
        printf("cluster_size=%u extended_l2=off ", o->cluster_size ? o->cluster_size : 65536);
        if (given_prealloc) {
            printf("preallocation=%s ", given_prealloc);
        }
        printf("compression_type=%s size=%" PRIu64, given_ctype ? given_ctype : "zlib", o->size);
        if (o->backing_file) {
            printf(" backing_file=%s", o->backing_file);
        }
        if (o->backing_fmt) {
            printf(" backing_fmt=%s", o->backing_fmt);
        }
        if (given_compat) {
            printf(" compat=%s", given_compat);
        }
        if (o->data_file) {
            printf(" data_file=%s", o->data_file);
        }
        if (given_dfraw) {
            printf(" data_file_raw=%s", given_dfraw);
        }
        printf(" lazy_refcounts=%s refcount_bits=%d", o->lazy_refcounts ? "on" : "off",
               o->refcount_bits ? o->refcount_bits : 16);
        print_file_opts(o, false);
    } else {
        printf("size=%" PRIu64, o->size);
        print_file_opts(o, true);
    }
    printf("\n");
    fflush(stdout);
}

int img_check_create_opts(const char *filename, const BlockCreateOpts *o)
{
    if (given_ctype && strcmp(given_ctype, "zlib") && strcmp(given_ctype, "zstd")) {
        error_report("%s: Parameter 'compression-type' does not accept value '%s'", filename,
                     given_ctype);
        return -1;
    }
    if (o->extent_size_hint > UINT32_MAX) {
        error_report("%s: Extent size hint is too large", filename);
        return -1;
    }
    if (o->zstd && o->compat == 2) {
        error_report("%s: Non-zlib compression type is only supported with compatibility "
                     "level 1.1 and above (use version=v3 or greater)", filename);
        return -1;
    }
#ifndef CONFIG_ZSTD
    if (o->zstd) {
        error_report("%s: This build has no zstd support (libzstd)", filename);
        return -1;
    }
#endif
    return 0;
}

/* Size and format of the backing file (for create without a size). */
static int backing_size(const char *filename, BlockCreateOpts *o, bool need_size)
{
    char *path = bdrv_backing_path(filename, o->backing_file);
    char *err = NULL;
    BlockDriverState *b = bdrv_open(path, o->backing_fmt, BDRV_O_NO_BACKING | BDRV_O_SHARE,
                                    BDRV_CACHE_WRITEBACK, &err);
    free(path);
    if (!b) {
        if (need_size) {
            error_report("%s: Could not open backing image: %s", filename, err);
            free(err);
            return -1;
        }
        free(err); /* qemu-img only warns when the size is given */
        return 0;
    }
    if (!o->backing_fmt) {
        error_report("%s: Backing file specified without backing format\n"
                     "Detected format of %s.", filename, b->drv->name);
        bdrv_close(b);
        return -1;
    }
    if (!o->size_set) {
        o->size = b->total_size;
        o->size_set = true;
    }
    bdrv_close(b);
    return 0;
}

static int parse_image_size(const char *s, uint64_t *out)
{
    if (parse_size(s, 'B', out) < 0 || *out > INT64_MAX) {
        error_report("Invalid image size specified. You may use k, M, G, T, P or E suffixes "
                     "for");
        error_report("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        return -1;
    }
    return 0;
}

int img_create(int argc, char **argv)
{
    const char *fmt = "raw", *optstr = NULL;
    BlockCreateOpts o = { 0 };
    bool unsafe = false;
    char *opts_acc = NULL;
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:b:F:o:qu", NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': o.backing_file = optarg; break;
        case 'F': o.backing_fmt = optarg; break;
        case 'o':
            if (img_opts_append(&opts_acc, optarg) < 0) {
                return 1;
            }
            break;
        case 'q': o.quiet = true; break;
        case 'u': unsafe = true; break;
        default: return 1;
        }
    }
    optstr = opts_acc;
    if (!bdrv_find_format(fmt)) {
        error_report("Unknown file format '%s'", fmt);
        return 1;
    }
    if (img_opts_has_help(optstr)) {
        img_print_create_help(fmt, optind < argc ? argv[optind] : NULL);
        return 0;
    }
    if (optind >= argc) {
        img_usage_error("Expecting image file name");
        return 1;
    }
    const char *filename = argv[optind++];
    if (img_parse_create_opts(fmt, filename, optstr, &o)) {
        return 1;
    }
    if (optind < argc) {
        if (parse_image_size(argv[optind++], &o.size) < 0) {
            return 1;
        }
        o.size_set = true;
    }
    if (optind < argc) {
        img_usage_error("Unexpected argument: %s", argv[optind]);
        return 1;
    }
    if (o.backing_fmt && !o.backing_file) {
        error_report("%s: Backing format cannot be used without backing file", filename);
        return 1;
    }
    if (o.backing_file && !(unsafe && o.size_set && o.backing_fmt) &&
        backing_size(filename, &o, !o.size_set) < 0) {
        return 1;
    }
    if (!o.size_set) {
        error_report("%s: Image creation needs a size parameter", filename);
        return 1;
    }
    img_print_formatting(fmt, filename, &o);
    if (img_check_create_opts(filename, &o) < 0) {
        return 1;
    }
    char *err = NULL;
    if (bdrv_create(fmt, filename, &o, &err) < 0) {
        error_report("%s: %s", filename, err ? err : "creation failed");
        free(err);
        return 1;
    }
    free(opts_acc);
    return 0;
}

int img_resize(int argc, char **argv)
{
    const char *fmt = NULL;
    bool quiet = false, shrink = false;
    PreallocMode pm = PREALLOC_OFF;
    static const struct option lopts[] = {
        { "shrink", no_argument, NULL, 's' },
        { "preallocation", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    /* A size like "-1G" would look like an option: take it off first. */
    const char *size_arg = NULL;
    if (argc > 1 && argv[argc - 1][0] == '-' && argv[argc - 1][1] >= '0' &&
        argv[argc - 1][1] <= '9') {
        size_arg = argv[--argc];
    }
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hf:q", lopts)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 's': shrink = true; break;
        case 'P':
            if (bdrv_parse_prealloc(optarg, &pm) < 0) {
                error_report("Invalid preallocation mode '%s'", optarg);
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (!size_arg && optind + 2 == argc) {
        size_arg = argv[--argc];
    }
    if (argc - optind + (size_arg != NULL) < 2) {
        return img_usage_error("Not enough arguments");
    }
    if (optind + 1 != argc || !size_arg) {
        return img_usage_error("Expecting image file name and size");
    }
    const char *filename = argv[optind];
    uint64_t n;
    int sign = size_arg[0] == '+' ? 1 : size_arg[0] == '-' ? -1 : 0;
    if (parse_image_size(size_arg + (sign != 0), &n) < 0) {
        return 1;
    }
    /* With its backing chain, as qemu-img: a grow must know whether the
     * backing file reaches into the new area (which must read as zeros). */
    BlockDriverState *bs = img_open(filename, fmt, BDRV_O_RDWR, BDRV_CACHE_WRITEBACK);
    if (!bs) {
        return 1;
    }
    uint64_t old = bs->total_size, size = n;
    if (sign > 0) {
        size = old + n;
    } else if (sign < 0) {
        if (n > old) {
            error_report("New image size must be positive");
            bdrv_close(bs);
            return 1;
        }
        size = old - n;
    }
    char *err = NULL;
    int r;
    if (!strcmp(bs->drv->name, "qcow2") && size % 512) {
        err = xstrdup("The new size must be a multiple of 512");
        r = -EINVAL;
    } else if (pm != PREALLOC_OFF && size <= old && !shrink) {
        /* qemu-img refuses before it looks at --shrink (without a warning). */
        error_report("Preallocation can only be used for growing images");
        bdrv_close(bs);
        return 1;
    } else {
        r = blk_truncate(bs, size, shrink, pm, &err);
    }
    if (r < 0) {
        img_error(err);
        if (size < old && !shrink) {
            warn_report("Shrinking an image will delete all data beyond the shrunken image's "
                        "end. Before performing such an operation, make sure there is no "
                        "important data there.");
        }
    } else if (!quiet) {
        printf("Image resized.\n");
    }
    bdrv_close(bs);
    return r < 0 ? 1 : 0;
}

int img_snapshot(int argc, char **argv)
{
    char action = 0;
    const char *name = NULL;
    bool quiet = false, share = false;
    int c;
    optind = 1;
    while ((c = img_getopt(argc, argv, "hla:c:d:qU", NULL)) != -1) {
        switch (c) {
        case 'l': action = 'l'; break;
        case 'a': case 'c': case 'd':
            if (action) {
                error_report("Cannot mix '-l', '-a', '-c', '-d'");
                return 1;
            }
            action = (char)c;
            name = optarg;
            break;
        case 'q': quiet = true; break;
        case 'U': share = true; break;
        default: return 1;
        }
    }
    if (optind + 1 != argc) {
        img_usage_error("Expecting one image file name");
        return 1;
    }
    (void)quiet;
    int flags = (action == 'l' || !action ? 0 : BDRV_O_RDWR) | BDRV_O_NO_BACKING |
                (share ? BDRV_O_SHARE : 0);
    BlockDriverState *bs = img_open(argv[optind], NULL, flags, BDRV_CACHE_WRITEBACK);
    if (!bs) {
        return 1;
    }
    int r = 0;
    char *err = NULL;
    if (!bs->drv->snapshot_list) {
        error_report("Could not %s snapshot: the format '%s' has no snapshots",
                     action == 'l' || !action ? "list" : "use", bs->drv->name);
        r = -1;
    } else if (action == 'l' || !action) {
        img_dump_snapshots(bs, true);
    } else if (action == 'c') {
        r = bs->drv->snapshot_create(bs, name, &err);
    } else if (action == 'a') {
        r = bs->drv->snapshot_apply(bs, name, &err);
    } else {
        r = bs->drv->snapshot_delete(bs, name, &err);
    }
    if (err) {
        img_error(err);
    }
    bdrv_close(bs);
    return r < 0 ? 1 : 0;
}

int img_amend(int argc, char **argv)
{
    const char *fmt = NULL;
    char *optstr = NULL;
    BlockCacheMode cache = BDRV_CACHE_WRITEBACK;
    bool quiet = false, force = false;
    int c;
    static const struct option lopts[] = {
        { "force", no_argument, NULL, 'F' },
        { 0 },
    };
    optind = 1;
    while ((c = img_getopt(argc, argv, "ho:f:t:pq", lopts)) != -1) {
        switch (c) {
        case 'o':
            if (img_opts_append(&optstr, optarg) < 0) {
                return 1;
            }
            break;
        case 'f': fmt = optarg; break;
        case 't': cache = img_cache_mode(optarg); break;
        case 'q': quiet = true; break;
        case 'F': force = true; break;
        case 'p': break;
        default: return 1;
        }
    }
    (void)quiet;
    if (!optstr) {
        img_usage_error("Must specify options (-o)");
        return 1;
    }
    bool help = img_opts_has_help(optstr);
    if (help && fmt) {
        free(optstr);
        return img_print_amend_help(fmt);
    }
    if (optind + 1 != argc) {
        error_report("Expecting one image file name");
        free(optstr);
        return 1;
    }
    BlockDriverState *bs = img_open(argv[optind], fmt, BDRV_O_RDWR | BDRV_O_NO_BACKING, cache);
    BlockCreateOpts o = { 0 };
    if (bs && help) {
        int hr = img_print_amend_help(bs->drv->name);
        bdrv_close(bs);
        free(optstr);
        return hr;
    }
    o.crypt.amending = true;
    o.crypt.force = force;
    int r = bs ? img_parse_create_opts(bs->drv->name, argv[optind], optstr, &o) : 1;
    char *err = NULL;
    if (r == 0 && !bs->drv->amend) {
        error_report("Format driver '%s' does not support option amendment", bs->drv->name);
        r = 1;
    } else if (r == 0 && bs->drv->amend(bs, &o, &err) < 0) {
        img_error(err);
        r = 1;
    }
    bdrv_close(bs);
    free(optstr);
    return r ? 1 : 0;
}
