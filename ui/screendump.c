/* The monitor's `screendump FILE [-f ppm|png]`: the display adapter's
 * picture as a binary PPM (P6) or a PNG (RGB, 8 bits, deflate "stored"
 * blocks: valid for every reader, no compression library needed). */
#include "ui/monitor-int.h"
#include "hw/core/graphic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    if (!crc_table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
    }
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void png_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t hdr[8];
    put_be32(hdr, len);
    memcpy(hdr + 4, type, 4);
    fwrite(hdr, 1, 8, f);
    uint32_t crc = crc32_update(0, (const uint8_t *)type, 4);
    if (len) {                      /* IEND has no data (and NULL is no buffer for fwrite) */
        fwrite(data, 1, len, f);
        crc = crc32_update(crc, data, len);
    }
    put_be32(hdr, crc);
    fwrite(hdr, 1, 4, f);
}

/* The zlib stream of the filtered scanlines in stored blocks. */
static uint8_t *png_idat(const uint32_t *px, int w, int h, uint32_t *out_len)
{
    size_t raw_len = (size_t)h * (1 + 3 * (size_t)w);
    uint8_t *raw = malloc(raw_len);
    for (int y = 0; y < h; y++) {
        uint8_t *r = raw + (size_t)y * (1 + 3 * (size_t)w);
        *r++ = 0;                               /* filter: none */
        for (int x = 0; x < w; x++) {
            uint32_t c = px[(size_t)y * w + x];
            *r++ = (uint8_t)(c >> 16);
            *r++ = (uint8_t)(c >> 8);
            *r++ = (uint8_t)c;
        }
    }
    size_t blocks = raw_len / 65535 + 1;
    uint8_t *z = malloc(2 + raw_len + 5 * blocks + 4), *p = z;
    *p++ = 0x78;
    *p++ = 0x01;
    uint32_t a = 1, b = 0;
    for (size_t off = 0; off < raw_len || off == 0; ) {
        size_t n = raw_len - off < 65535 ? raw_len - off : 65535;
        *p++ = off + n >= raw_len;              /* BFINAL, BTYPE 00 */
        *p++ = (uint8_t)n;
        *p++ = (uint8_t)(n >> 8);
        *p++ = (uint8_t)~n;
        *p++ = (uint8_t)(~n >> 8);
        memcpy(p, raw + off, n);
        for (size_t i = 0; i < n; i++) {
            a = (a + raw[off + i]) % 65521;
            b = (b + a) % 65521;
        }
        p += n;
        off += n;
        if (!n)
            break;
    }
    put_be32(p, b << 16 | a);
    p += 4;
    free(raw);
    *out_len = (uint32_t)(p - z);
    return z;
}

static int write_png(FILE *f, const uint32_t *px, int w, int h)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uint8_t ihdr[13] = { 0 };
    put_be32(ihdr, (uint32_t)w);
    put_be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;                                /* bit depth */
    ihdr[9] = 2;                                /* RGB */
    fwrite(sig, 1, 8, f);
    png_chunk(f, "IHDR", ihdr, 13);
    uint32_t len;
    uint8_t *idat = png_idat(px, w, h, &len);
    png_chunk(f, "IDAT", idat, len);
    free(idat);
    png_chunk(f, "IEND", NULL, 0);
    return 0;
}

static int write_ppm(FILE *f, const uint32_t *px, int w, int h)
{
    fprintf(f, "P6\n%d %d\n255\n", w, h);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        uint8_t rgb[3] = { (uint8_t)(px[i] >> 16), (uint8_t)(px[i] >> 8), (uint8_t)px[i] };
        fwrite(rgb, 1, 3, f);
    }
    return 0;
}

void monitor_screendump(Monitor *mon, const char *args)
{
    char file[1024] = "", fmt[16] = "ppm", tok[1024];
    for (const char *p = args; sscanf(p, "%1023s", tok) == 1;) {
        p = strstr(p, tok) + strlen(tok);
        if (!strcmp(tok, "-f")) {
            if (sscanf(p, "%15s", fmt) != 1)
                break;
            p = strstr(p, fmt) + strlen(fmt);
        } else if (!*file) {
            snprintf(file, sizeof(file), "%s", tok);
        }
    }
    if (!*file) {
        monitor_printf(mon, "screendump: usage: screendump filename [-f ppm|png]\n");
        return;
    }
    if (strcmp(fmt, "ppm") && strcmp(fmt, "png")) {
        monitor_printf(mon, "Parameter 'format' does not accept value '%s'\n", fmt);
        return;
    }
    uint32_t *px;
    int w, h;
    if (!graphic_hw_present() || graphic_hw_render(&px, &w, &h)) {
        monitor_printf(mon, "There is no console to take a screendump from.\n");
        return;
    }
    FILE *f = fopen(file, "wb");
    if (!f) {
        monitor_printf(mon, "Could not open '%s': %s\n", file, strerror(errno));
        free(px);
        return;
    }
    if (!strcmp(fmt, "png"))
        write_png(f, px, w, h);
    else
        write_ppm(f, px, w, h);
    if (fclose(f))
        monitor_printf(mon, "Could not write '%s': %s\n", file, strerror(errno));
    free(px);
}
