/* qcow2 external data file (incompatible feature bit 2): guest data lives
 * in another file at its guest offset, the qcow2 file holds the metadata
 * alone.  The header extension 0x44415441 names the file (relative to the
 * image); autoclear bit 1 ("raw external data") promises the data file stays
 * a valid raw image of the disk.  Messages are qemu-img's. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int qcow2_datafile_read_ext(BlockDriverState *bs, const uint8_t *d, uint32_t len, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (len > QCOW2_MAX_BACKING_NAME || memchr(d, 0, len)) {
        blk_error(errp, "Invalid external data file name in the header extension");
        return -EINVAL;
    }
    free(s->data_file_name);
    s->data_file_name = xzalloc((size_t)len + 1);
    memcpy(s->data_file_name, d, len);
    return 0;
}

uint32_t qcow2_datafile_ext_size(const Qcow2State *s)
{
    return s->data_file_name ? 8 + (uint32_t)ALIGN_UP(strlen(s->data_file_name), 8) : 0;
}

uint32_t qcow2_datafile_put_ext(const Qcow2State *s, uint8_t *p)
{
    uint32_t total = qcow2_datafile_ext_size(s);
    if (!total) {
        return 0;
    }
    uint32_t len = (uint32_t)strlen(s->data_file_name);
    memset(p, 0, total);
    st_be32(p, QCOW2_EXT_DATA_FILE);
    st_be32(p + 4, len);
    memcpy(p + 8, s->data_file_name, len);
    return total;
}

/* Directory holding path (symlinks of directories resolved), NULL when it
 * cannot be resolved. */
static char *real_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xasprintf("%.*s", (int)(slash - path) + (slash == path), path)
                      : xstrdup(".");
    char *real = realpath(dir, NULL);
    free(dir);
    return real;
}

/* Whether path's directory, symlinks resolved, is dir. */
static bool in_dir(const char *path, const char *dir)
{
    char *d = real_dir(path);
    bool in = d && dir && !strcmp(d, dir);
    free(d);
    return in;
}

/* A data file the image names itself is trusted only beside the image: in
 * its directory, and if a symlink, one to a file there too.  An image from
 * anyone could otherwise have guest data written into any host file
 * ("/etc/passwd", "../../x").  Returns NULL when it may be opened, else why
 * not. */
static const char *untrusted_name(const char *image, const char *name)
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        return "it names no file";
    }
    char *idir = real_dir(image);
    const char *why = NULL;
    struct stat st;
    if (!in_dir(name, idir)) {
        why = "it is not in the image's directory";
    } else if (lstat(name, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *target = realpath(name, NULL);
        why = target && in_dir(target, idir) ? NULL
                                             : "it is a symbolic link out of the image's "
                                               "directory";
        free(target);
    }
    free(idir);
    return why;
}

int qcow2_datafile_open(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (!qcow2_has_data_file(s)) {
        if (bs->data_file) {
            blk_error(errp, "'data-file' can only be set for images with an external data "
                      "file");
            return -EINVAL;
        }
        if ((s->autoclear & QCOW2_AUTOCLEAR_DATA_FILE_RAW) && !(bs->flags & BDRV_O_NO_IO)) {
            blk_error(errp, "data-file-raw requires a data file");
            return -EINVAL;
        }
        return 0;
    }
    if (bs->flags & BDRV_O_NO_IO) {
        return 0; /* info reads the metadata alone */
    }
    /* One the user named is used as given. */
    const char *name = bs->data_file ? bs->data_file : s->data_file_name;
    if (!name) {
        blk_error(errp, "'data-file' is required for this image");
        return -EINVAL;
    }
    const char *why = bs->data_file ? NULL : untrusted_name(bs->filename, name);
    if (why) {
        blk_error(errp, "Refusing to open the data file '%s' the image names: %s (name it "
                  "with data-file.filename= to use it)", name, why);
        return -EPERM;
    }
    /* qemu-img 7.2 takes the name as it stands: relative to the current
     * directory, not to the image (unlike a backing file name). */
    return bfile_open(&s->data_file, name, !bs->read_only, bs->cache,
                      (bs->flags & BDRV_O_SHARE) != 0, errp);
}

void qcow2_datafile_close(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->data_file) {
        bfile_close(s->data_file);
        s->data_file = NULL;
    }
    free(s->data_file_name);
    s->data_file_name = NULL;
}

int qcow2_datafile_check_opts(const BlockCreateOpts *o, int version, char **errp)
{
    if (o->data_file_raw && !o->data_file) {
        blk_error(errp, "data-file-raw requires data-file");
        return -EINVAL;
    }
    if (o->data_file && version < 3) {
        blk_error(errp, "External data files are only supported with compatibility level "
                  "1.1 and above (use version=v3 or greater)");
        return -EINVAL;
    }
    if (o->data_file && strlen(o->data_file) > QCOW2_MAX_BACKING_NAME) {
        blk_error(errp, "Data file name too long");
        return -EINVAL;
    }
    if (o->data_file_raw && o->backing_file) {
        blk_error(errp, "Backing file and data-file-raw cannot be used at the same time");
        return -EINVAL;
    }
    return 0;
}

/* As qemu-img: the data file is created empty, then sized to the disk (its
 * name, like at open, relative to the current directory). */
int qcow2_datafile_create(const char *image, const BlockCreateOpts *o, char **errp)
{
    (void)image;
    const char *path = o->data_file;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), r = 0;
    if (fd < 0 || ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)o->size) < 0) {
        r = -errno;
        blk_error(errp, "Could not create '%s': %s", path, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return r;
}

/* amend -o data_file=NAME renames the data file of an image that has one;
 * data_file_raw can be dropped, never taken up. */
int qcow2_datafile_amend(BlockDriverState *bs, const BlockCreateOpts *o, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (o->data_file && !qcow2_has_data_file(s)) {
        blk_error(errp, "data-file can only be set for images that use an external data file");
        return -EINVAL;
    }
    if (o->data_file_raw_set && o->data_file_raw && !qcow2_data_file_raw(s)) {
        blk_error(errp, "data-file-raw cannot be set on existing images");
        return -EINVAL;
    }
    if (o->data_file) {
        free(s->data_file_name);
        s->data_file_name = xstrdup(o->data_file);
    }
    if (o->data_file_raw_set && !o->data_file_raw) {
        s->autoclear &= ~QCOW2_AUTOCLEAR_DATA_FILE_RAW;
    }
    return o->data_file || o->data_file_raw_set ? qcow2_write_header(bs) : 0;
}
