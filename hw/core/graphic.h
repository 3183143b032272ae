/* The machine's graphic source: the display adapter registers how to read
 * its picture, and the displays (ui/console.c and the screendump) read it
 * only through here, so no display knows which card runs and no card knows
 * which display shows it. */
#ifndef KEMU_GRAPHIC_H
#define KEMU_GRAPHIC_H

#include <stdbool.h>
#include <stdint.h>

/* An alphanumeric screen: cells[row * cols + col] = char | attribute << 8. */
typedef struct GraphicText {
    int cols, rows;
    uint16_t *cells;            /* caller frees */
    int cursor_x, cursor_y;
    bool cursor_on;
} GraphicText;

typedef struct GraphicHwOps {
    /* The visible picture as 0x00RRGGBB pixels, w x h (caller frees *px);
     * -1 while the screen is blank. */
    int (*render)(void *opaque, uint32_t **px, int *w, int *h);
    /* The text screen; 1 in a graphics mode (nothing filled), -1 blank. */
    int (*text)(void *opaque, GraphicText *t);
    /* A count that changes whenever the picture may have (NULL, or 0
     * returned: unknown, render every time).  An idle screen then costs
     * the displays nothing. */
    uint64_t (*generation)(void *opaque);
    /* Which of the h lines of the picture may differ from the picture of
     * the previous call (lines[y] non-zero), asked after generation: false
     * (or NULL) when the source cannot tell, and any line may. */
    bool (*changed_lines)(void *opaque, uint8_t *lines, int h);
    /* Redraw the lines flagged in px, the w x h picture of the last
     * render: 0, or -1 (or NULL) when it cannot (render whole then). */
    int (*render_lines)(void *opaque, uint32_t *px, int w, int h, const uint8_t *lines);
} GraphicHwOps;

/* One source per machine: the first card registered is the console. */
void graphic_hw_register(const GraphicHwOps *ops, void *opaque);
void graphic_hw_unregister(void *opaque);
bool graphic_hw_present(void);
int graphic_hw_render(uint32_t **px, int *w, int *h);
int graphic_hw_text(GraphicText *t);
uint64_t graphic_hw_generation(void);
bool graphic_hw_changed_lines(uint8_t *lines, int h);
int graphic_hw_render_lines(uint32_t *px, int w, int h, const uint8_t *lines);

#endif
