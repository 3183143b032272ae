/* kemu-img: the -o option lists.  qemu-img checks each -o argument on its
 * own before joining them, treats any "help" or "?" key as a request for
 * the option list, and prints that list from a table per format (merged
 * with the host file's options once a target file name is known). */
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct OptHelp {
    const char *name, *text;
} OptHelp;

/* The format's own options, sorted by name as qemu-img prints them. */
static const OptHelp qcow2_opts[] = {
    { "backing_file", "<str>     - File name of a base image" },
    { "backing_fmt", "<str>      - Image format of the base image" },
    { "cluster_size", "<size>    - qcow2 cluster size" },
    { "compat", "<str>           - Compatibility level (v2 [0.10] or v3 [1.1])" },
    { "compression_type", "<str> - Compression method used for image cluster compression" },
    { "data_file", "<str>        - File name of an external data file" },
    { "data_file_raw", "<bool (on/off)> - The external data file must stay valid as a raw "
                       "image" },
    { "encrypt.cipher-alg", "<str> - Name of encryption cipher algorithm" },
    { "encrypt.cipher-mode", "<str> - Name of encryption cipher mode" },
    { "encrypt.format", "<str>   - Encrypt the image, format choices: 'aes', 'luks'" },
    { "encrypt.hash-alg", "<str> - Name of encryption hash algorithm" },
    { "encrypt.iter-time", "<num> - Time to spend in PBKDF in milliseconds" },
    { "encrypt.ivgen-alg", "<str> - Name of IV generator algorithm" },
    { "encrypt.ivgen-hash-alg", "<str> - Name of IV generator hash algorithm" },
    { "encrypt.key-secret", "<str> - ID of secret providing qcow AES key or LUKS passphrase" },
    { "encryption", "<bool (on/off)> - Encrypt the image with format 'aes'. (Deprecated in "
                    "favor of encrypt.format=aes)" },
    { "extended_l2", "<bool (on/off)> - Extended L2 tables" },
    { "lazy_refcounts", "<bool (on/off)> - Postpone refcount updates" },
    { "preallocation", "<str>    - Preallocation mode (allowed values: off, metadata, falloc, "
                       "full)" },
    { "refcount_bits", "<num>    - Width of a reference count entry in bits" },
    { "size", "<size>            - Virtual disk size" },
    { NULL, NULL },
};

static const OptHelp luks_opts[] = {
    { "cipher-alg", "<str>       - Name of encryption cipher algorithm" },
    { "cipher-mode", "<str>      - Name of encryption cipher mode" },
    { "hash-alg", "<str>         - Name of encryption hash algorithm" },
    { "iter-time", "<num>        - Time to spend in PBKDF in milliseconds" },
    { "ivgen-alg", "<str>        - Name of IV generator algorithm" },
    { "ivgen-hash-alg", "<str>   - Name of IV generator hash algorithm" },
    { "key-secret", "<str>       - ID of the secret that provides the keyslot passphrase" },
    { "size", "<size>            - Virtual disk size" },
    { NULL, NULL },
};

static const OptHelp raw_opts[] = {
    { "size", "<size>            - Virtual disk size" },
    { NULL, NULL },
};

/* The host file's own creation options (the protocol level). */
static const OptHelp file_opts[] = {
    { "extent_size_hint", "<size> - Extent size hint for the image file, 0 to disable" },
    { "nocow", "<bool (on/off)>  - Turn off copy-on-write (valid only on btrfs)" },
    { "preallocation", "<str>    - Preallocation mode (allowed values: off, falloc, full)" },
    { "size", "<size>            - Virtual disk size" },
    { NULL, NULL },
};

static const OptHelp qcow2_amend_opts[] = {
    { "backing_file", "<str>     - File name of a base image" },
    { "backing_fmt", "<str>      - Image format of the base image" },
    { "compat", "<str>           - Compatibility level (v2 [0.10] or v3 [1.1])" },
    { "data_file", "<str>        - File name of an external data file" },
    { "data_file_raw", "<bool (on/off)> - The external data file must stay valid as a raw "
                       "image" },
    { "encrypt.iter-time", "<num> - Time to spend in PBKDF in milliseconds" },
    { "encrypt.keyslot", "<num>  - Select a single keyslot to modify explicitly" },
    { "encrypt.new-secret", "<str> - New secret to set in the matching keyslots. Empty string "
                            "to erase" },
    { "encrypt.old-secret", "<str> - Select all keyslots that match this password" },
    { "encrypt.state", "<str>    - Select new state of affected keyslots (active/inactive)" },
    { "lazy_refcounts", "<bool (on/off)> - Postpone refcount updates" },
    { "refcount_bits", "<num>    - Width of a reference count entry in bits" },
    { "size", "<size>            - Virtual disk size" },
    { NULL, NULL },
};

static const OptHelp luks_amend_opts[] = {
    { "iter-time", "<num>        - Time to spend in PBKDF in milliseconds" },
    { "keyslot", "<num>          - Select a single keyslot to modify explicitly" },
    { "new-secret", "<str>       - New secret to set in the matching keyslots. Empty string to "
                    "erase" },
    { "old-secret", "<str>       - Select all keyslots that match this password" },
    { "state", "<str>            - Select new state of affected keyslots (active/inactive)" },
    { NULL, NULL },
};

static void print_opt(const OptHelp *h)
{
    printf("  %s=%s\n", h->name, h->text);
}

/* Both lists are sorted: print their union, the format's entry winning. */
static void print_merged(const OptHelp *a, const OptHelp *b)
{
    while (a->name || b->name) {
        int c = !a->name ? 1 : !b->name ? -1 : strcmp(a->name, b->name);
        if (c <= 0) {
            print_opt(a++);
            b += c == 0;
        } else {
            print_opt(b++);
        }
    }
}

void img_print_create_help(const char *fmt, const char *filename)
{
    const OptHelp *own = !strcmp(fmt, "qcow2") ? qcow2_opts
                         : !strcmp(fmt, "file") ? file_opts
                         : !strcmp(fmt, "luks") ? luks_opts : raw_opts;
    if (filename) {
        printf("Supported options:\n");
        print_merged(own, file_opts);
        return;
    }
    printf("Supported %s options:\n", fmt);
    for (; own->name; own++) {
        print_opt(own);
    }
    printf("\nThe protocol level may support further options.\n"
           "Specify the target filename to include those options.\n");
}

int img_print_amend_help(const char *fmt)
{
    if (strcmp(fmt, "qcow2") && strcmp(fmt, "luks")) {
        error_report("Format driver '%s' does not support option amendment", fmt);
        return 1;
    }
    printf("Amend options for '%s':\n", fmt);
    for (const OptHelp *h = strcmp(fmt, "luks") ? qcow2_amend_opts : luks_amend_opts; h->name;
         h++) {
        print_opt(h);
    }
    return 0;
}

/* qemu-img's test of one -o argument: not empty, no leading comma, and no
 * unescaped trailing comma (an odd number of them). */
static bool valid_list(const char *s)
{
    size_t len = strlen(s), i = len;
    if (!len || s[0] == ',') {
        return false;
    }
    while (i > 0 && s[i - 1] == ',') {
        i--;
    }
    return (len - i) % 2 == 0;
}

int img_opts_append(char **acc, const char *arg)
{
    if (!valid_list(arg)) {
        error_report("Invalid option list: %s", arg);
        return -1;
    }
    char *n = *acc ? xasprintf("%s,%s", *acc, arg) : xstrdup(arg);
    free(*acc);
    *acc = n;
    return 0;
}

/* Next key and value of an option list into key/val (each strlen(p)+1
 * long); returns where the next one starts.  A key ends at '=' or ',' (a
 * key alone means "on"); in a value ",," stands for a comma. */
static const char *next_opt(const char *p, char *key, char *val, bool *has_val)
{
    size_t n = strcspn(p, "=,");
    memcpy(key, p, n);
    key[n] = 0;
    p += n;
    *has_val = *p == '=';
    if (!*has_val) {
        strcpy(val, "on");
        return *p ? p + 1 : p;
    }
    p++;
    n = 0;
    for (; *p; p++) {
        if (*p == ',' && p[1] == ',') {
            val[n++] = *p++;
        } else if (*p == ',') {
            p++;
            break;
        } else {
            val[n++] = *p;
        }
    }
    val[n] = 0;
    return p;
}

bool img_opts_has_help(const char *s)
{
    if (!s) {
        return false;
    }
    char *key = xmalloc(strlen(s) + 3), *val = xmalloc(strlen(s) + 3);
    bool help = false, has_val;
    while (*s && !help) {
        s = next_opt(s, key, val, &has_val);
        help = !has_val && (!strcmp(key, "help") || !strcmp(key, "?"));
    }
    free(key);
    free(val);
    return help;
}

int img_opts_each(const char *s, int (*fn)(const char *k, const char *v, void *o), void *o)
{
    char *key = xmalloc(strlen(s) + 3), *val = xmalloc(strlen(s) + 3);
    bool has_val;
    int r = 0;
    while (*s && r == 0) {
        s = next_opt(s, key, val, &has_val);
        r = fn(key, val, o);
    }
    free(key);
    free(val);
    return r;
}
