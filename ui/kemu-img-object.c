/* kemu-img --object: QEMU's user-creatable objects on the command line.
 * The one kind an image tool needs is `secret` (the passphrase of an
 * encrypted image): secret,id=ID,data=STRING|file=PATH[,format=raw|base64]
 * [,keyid=SECRET,iv=BASE64] (data encrypted with AES-256-CBC under the
 * 32-byte secret keyid, base64-encoded).
 * Objects are taken out of the arguments before the command parses them,
 * with qemu-img's messages for what is wrong. */
#include "hw/block/crypto.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/kemu-img.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct SecretSpec {
    char *type, *id, *data, *file, *format, *keyid, *iv, *bad;
} SecretSpec;

static void spec_free(SecretSpec *s)
{
    free(s->type);
    free(s->id);
    free(s->data);
    free(s->file);
    free(s->format);
    free(s->keyid);
    free(s->iv);
    free(s->bad);
}

static int take_key(const char *k, const char *v, void *opaque)
{
    SecretSpec *s = opaque;
    char **slot = !strcmp(k, "qom-type") ? &s->type : !strcmp(k, "id") ? &s->id
                  : !strcmp(k, "data") ? &s->data : !strcmp(k, "file") ? &s->file
                  : !strcmp(k, "format") ? &s->format : !strcmp(k, "keyid") ? &s->keyid
                  : !strcmp(k, "iv") ? &s->iv : NULL;
    if (!slot) {
        s->bad = s->bad ? s->bad : xstrdup(k);
        return 0;
    }
    free(*slot);
    *slot = xstrdup(v);
    return 0;
}

static int b64_value(char c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(a, c) : NULL;
    return p ? (int)(p - a) : -1;
}

/* Standard base64 (padding optional); -1 on a character outside it. */
static ssize_t base64_decode(const char *in, uint8_t *out)
{
    size_t n = 0;
    unsigned acc = 0, bits = 0;
    for (; *in && *in != '='; in++) {
        int v = b64_value(*in);
        if (v < 0) {
            return -1;
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (ssize_t)n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_report("Unable to read %s: Failed to open file \u201c%s\u201d: %s", path, path,
                     strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (size_t got = 1; got;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Decrypt an encrypted secret in place (*len shrinks by the padding); 0 or
 * -1 after a message. */
static int decrypt_secret(const SecretSpec *s, uint8_t *data, size_t *len)
{
    char *err = NULL;
    size_t keylen;
    uint8_t iv[48];
    const uint8_t *key = crypto_secret_get(s->keyid, &keylen, &err);
    ssize_t ivlen = s->iv && strlen(s->iv) < 64 ? base64_decode(s->iv, iv) : -1;
    if (!key) {
        img_error(err);
    } else if (keylen != 32) {
        error_report("Key should be 32 bytes in length");
    } else if (!s->iv) {
        error_report("IV is required to decrypt secret");
    } else if (ivlen != 16) {
        error_report("IV should be 16 bytes in length not %zd", ivlen < 0 ? 0 : ivlen);
    } else if (*len % 16 || !*len) {
        error_report("Encrypted secret is not a whole number of AES blocks");
    } else if (crypto_aes256_cbc_decrypt(key, iv, data, *len) < 0) {
        error_report("This build has no encryption support (nettle)");
    } else if (data[*len - 1] > *len) {
        error_report("Incorrect number of padding bytes (%d) found on decrypted data",
                     data[*len - 1]);
    } else {
        *len -= data[*len - 1];
        return 0;
    }
    return -1;
}

/* The secret's bytes, decoded as its format says (base64 always when it is
 * encrypted); 0 or -1 after a message. */
static int add_secret(const SecretSpec *s)
{
    size_t len = 0;
    char *raw = s->file ? read_file(s->file, &len) : xstrdup(s->data);
    if (!raw) {
        return -1;
    }
    len = s->file ? len : strlen(raw);
    uint8_t *bin = xmalloc(len + 1);
    bool b64 = s->keyid || (s->format && !strcmp(s->format, "base64"));
    ssize_t n = b64 ? base64_decode(raw, bin) : (ssize_t)len;
    int r = -1;
    char *err = NULL;
    if (!b64) {
        memcpy(bin, raw, len);
    }
    if (n < 0) {
        error_report("Base64 data contains some invalid characters");
    } else {
        size_t blen = (size_t)n;
        r = s->keyid ? decrypt_secret(s, bin, &blen) : 0;
        r = r < 0 ? r : crypto_secret_add(s->id, bin, blen, &err);
    }
    explicit_bzero(bin, len + 1);
    explicit_bzero(raw, len);
    free(bin);
    free(raw);
    if (err) {
        img_error(err);
    }
    return r < 0 ? -1 : 0;
}

static bool object_help(const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        printf("List of user creatable objects:\n  secret\n");
        return true;
    }
    if (!strcmp(arg, "secret,help") || !strcmp(arg, "secret,?")) {
        printf("secret options:\n  data=<string>\n  file=<string>\n"
               "  format=<QCryptoSecretFormat>\n");
        return true;
    }
    return false;
}

/* Check an --object argument as qemu-img does, in its order of checks. */
static int create_object(const char *arg)
{
    SecretSpec s = { 0 };
    char *err = NULL;
    int r = -1;
    if (blk_opts_split(arg, "qom-type", take_key, &s, &err) < 0) {
        img_error(err);
        err = NULL;
    } else if (!s.type) {
        error_report("Parameter 'qom-type' is missing");
    } else if (strcmp(s.type, "secret")) {
        error_report("Parameter 'qom-type' does not accept value '%s'", s.type);
    } else if (!s.id) {
        error_report("Parameter 'id' is missing");
    } else if (s.bad) {
        error_report("Parameter '%s' is unexpected", s.bad);
    } else if (s.format && strcmp(s.format, "raw") && strcmp(s.format, "base64")) {
        error_report("Parameter 'format' does not accept value '%s'", s.format);
    } else if (s.data && s.file) {
        error_report("'file' and 'data' are mutually exclusive");
    } else if (!s.data && !s.file) {
        error_report("Either 'file' or 'data' must be provided");
    } else {
        r = add_secret(&s);
    }
    free(err);
    spec_free(&s);
    return r;
}

/* One --object, as a separate argument or "--object=..."; returns how many
 * arguments it took (0: not an --object), -1 after an error, -2 after help. */
static int one_object(int argc, char **argv, int i)
{
    const char *arg;
    int used = 1;
    if (!strncmp(argv[i], "--object=", 9)) {
        arg = argv[i] + 9;
    } else if (!strcmp(argv[i], "--object")) {
        if (i + 1 >= argc) {
            img_usage_error("option '--object' requires an argument");
            return -1;
        }
        arg = argv[i + 1];
        used = 2;
    } else {
        return 0;
    }
    if (object_help(arg)) {
        return -2;
    }
    return create_object(arg) < 0 ? -1 : used;
}

int img_take_objects(int argc, char **argv)
{
    int out = 2;
    bool done = false;
    for (int i = 2; i < argc;) {
        int n = done ? 0 : one_object(argc, argv, i);
        if (n < 0) {
            return n;
        }
        if (n > 0) {
            i += n;
            continue;
        }
        done |= !strcmp(argv[i], "--");
        argv[out++] = argv[i++];
    }
    argv[out] = NULL;
    return out;
}
