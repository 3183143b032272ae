/* The registered graphic source (see graphic.h). */
#include "hw/core/graphic.h"

#include <stddef.h>

static const GraphicHwOps *source_ops;
static void *source_opaque;

void graphic_hw_register(const GraphicHwOps *ops, void *opaque)
{
    if (source_ops)
        return;
    source_ops = ops;
    source_opaque = opaque;
}

void graphic_hw_unregister(void *opaque)
{
    if (source_opaque == opaque) {
        source_ops = NULL;
        source_opaque = NULL;
    }
}

bool graphic_hw_present(void)
{
    return source_ops != NULL;
}

int graphic_hw_render(uint32_t **px, int *w, int *h)
{
    if (!source_ops || !source_ops->render)
        return -1;
    return source_ops->render(source_opaque, px, w, h);
}

int graphic_hw_text(GraphicText *t)
{
    if (!source_ops || !source_ops->text)
        return -1;
    return source_ops->text(source_opaque, t);
}

uint64_t graphic_hw_generation(void)
{
    if (!source_ops || !source_ops->generation)
        return 0;
    return source_ops->generation(source_opaque);
}

bool graphic_hw_changed_lines(uint8_t *lines, int h)
{
    if (!source_ops || !source_ops->changed_lines)
        return false;
    return source_ops->changed_lines(source_opaque, lines, h);
}

int graphic_hw_render_lines(uint32_t *px, int w, int h, const uint8_t *lines)
{
    if (!source_ops || !source_ops->render_lines)
        return -1;
    return source_ops->render_lines(source_opaque, px, w, h, lines);
}
