/* kemu-img: shared pieces of the subcommands (one file per group). */
#ifndef KEMU_IMG_H
#define KEMU_IMG_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/block.h"

int img_create(int argc, char **argv);
int img_resize(int argc, char **argv);
int img_snapshot(int argc, char **argv);
int img_info(int argc, char **argv);
int img_map(int argc, char **argv);
int img_check(int argc, char **argv);
int img_measure(int argc, char **argv);
int img_convert(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_rebase(int argc, char **argv);
int img_bench(int argc, char **argv);
int img_amend(int argc, char **argv);
int img_dd(int argc, char **argv);
int img_bitmap(int argc, char **argv);

/* Take the --object arguments (secrets) out of argv[2..] and create them;
 * returns the new argc, -1 after an error message, -2 after printing help. */
int img_take_objects(int argc, char **argv);

/* --image-opts was given: file names are option strings. */
extern bool img_image_opts;

struct option;
/* getopt_long with qemu-img's messages for an unknown option or a missing
 * argument ("Try ... --help" follows); returns '?' for either. */
int img_getopt(int argc, char **argv, const char *opts, const struct option *lopts);
/* Print a usage error with the "Try '<prog> --help'" line; returns 1. */
int img_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open an image (a file name, "json:{...}", "file:NAME", or an option
 * string under --image-opts), printing the error (kemu-img: Could not open ...) on failure. */
BlockDriverState *img_open(const char *filename, const char *fmt, int flags,
                           BlockCacheMode cache);
/* Open a file by its plain name (targets, backing files). */
BlockDriverState *img_open_plain(const char *filename, const char *fmt, int flags,
                                 BlockCacheMode cache);
/* Parse "-o" options into o for format fmt; 0 or -1 after an error message. */
int img_parse_create_opts(const char *fmt, const char *filename, const char *optstr,
                          BlockCreateOpts *o);
/* Append one -o argument to *acc (joined by commas), or print qemu-img's
 * "Invalid option list" and return -1. */
int img_opts_append(char **acc, const char *arg);
/* Whether an option list asks for help ("help" or "?" as a key). */
bool img_opts_has_help(const char *s);
/* Call fn for each key/value of an option list (a bare key is "on"). */
int img_opts_each(const char *s, int (*fn)(const char *k, const char *v, void *o), void *o);
/* -o help: fmt's creation options, with the host file's when filename is
 * known. */
void img_print_create_help(const char *fmt, const char *filename);
/* amend -o help for fmt; 1 after an error message if fmt cannot amend. */
int img_print_amend_help(const char *fmt);
/* What qemu-img checks of the options after its Formatting line (the
 * compression type); 0 or -1 after a message. */
int img_check_create_opts(const char *filename, const BlockCreateOpts *o);
/* qemu-img's "Formatting 'x', fmt=... " line. */
void img_print_formatting(const char *fmt, const char *filename, const BlockCreateOpts *o);
/* Print "kemu-img: msg" and free msg. */
void img_error(char *msg);
/* Progress bar for -p (percent 0..100). */
void img_progress(double percent);
/* convert/measure -l: read the internal snapshot given by param instead of
 * the current state (bs open read-only); 0 or -errno after a message. */
int img_load_snapshot(BlockDriverState *bs, const char *param);
/* Parse a -t/-T cache mode or exit with an error. */
BlockCacheMode img_cache_mode(const char *s);
/* Print the snapshot table (nothing if only_if_any and there are none). */
void img_dump_snapshots(BlockDriverState *bs, bool only_if_any);
/* Status of [off, off+len) through bs's chain down to (not including) stop:
 * *pnum bytes alike, *zero if they read as zeros, *alloc_above if a layer
 * above stop holds them.  Returns the depth or -errno. */
int img_chain_status(BlockDriverState *bs, BlockDriverState *stop, uint64_t off, uint64_t len,
                     uint64_t *pnum, bool *zero, bool *alloc_above);
/* convert --bitmaps (kemu-img-bitmap.c): refuse an inconsistent source
 * bitmap (unless skip_broken), then copy the source's bitmaps; 0 or -1
 * after a message. */
/* convert -c: a chunk's clusters compressed by a thread pool, a part at a
 * time (kemu-img-compress.c); part j holds clusters [j * per, (j + 1) * per):
 * one 64 KiB cluster of a 2 MiB chunk, as qemu-img's compression tasks. */
#define IMG_COMPRESS_PARTS 32
typedef struct ChunkCompressed {
    BlockCompressed part[IMG_COMPRESS_PARTS];
    uint64_t per;
} ChunkCompressed;
int img_compress_chunk(BlockDriverState *bs, const uint8_t *buf, uint64_t n, uint32_t cluster,
                       bool skip_zero, ChunkCompressed *cc);
/* A view of cluster i of the chunk, for blk_pwrite_precompressed. */
BlockCompressed img_compressed_cluster(const ChunkCompressed *cc, uint64_t i);
void img_chunk_compressed_free(ChunkCompressed *cc);
int img_convert_check_bitmaps(BlockDriverState *src, bool skip_broken);
int img_convert_copy_bitmaps(BlockDriverState *src, BlockDriverState *dst, bool skip_broken);
/* convert's sources read in place (kemu-img-srcmap.c): a local raw or
 * plain qcow2 file mapped read-only.  img_srcmap_get points at the guest
 * bytes [off, off+n) of bs when they are one run of plain data in the file,
 * else NULL (read them through the driver); img_srcmap_put after use. */
typedef struct ImgSrcMap {
    uint8_t *base;
    uint64_t len;
} ImgSrcMap;
void img_srcmap_open(ImgSrcMap *m, BlockDriverState *bs);
void img_srcmap_close(ImgSrcMap *m);
const uint8_t *img_srcmap_get(ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n);
/* Whether img_srcmap_get would find [off, off+n) in place. */
bool img_srcmap_covers(const ImgSrcMap *m, BlockDriverState *bs, uint64_t off, uint64_t n);
void img_srcmap_put(ImgSrcMap *m, const uint8_t *p, uint64_t n);
/* Write s as a JSON string (with quotes). */
void img_json_string(const char *s);

#endif
