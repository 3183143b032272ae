/* PC Screen Font (PSF 1 and 2) files, as the Linux console uses them:
 * 8-pixel-wide glyphs and their Unicode table. */
#ifndef KEMU_UI_PSF_H
#define KEMU_UI_PSF_H

#include <stddef.h>
#include <stdint.h>

typedef struct PsfFont {
    int height;                 /* width is 8 */
    int nglyphs;
    uint8_t *glyphs;            /* nglyphs * height bytes, one per row */
    uint16_t map[0x10000];      /* Unicode (BMP) to glyph + 1; 0 = none */
} PsfFont;

/* Parse a PSF file's bytes; 0, or -1 if it is not an 8-wide PSF font. */
int psf_parse(PsfFont *f, const uint8_t *data, size_t len);
/* The glyph's rows for a character (the '?' glyph, or blank, if none). */
const uint8_t *psf_glyph(const PsfFont *f, uint32_t unicode);
void psf_free(PsfFont *f);

#endif
