/* ISA DMA: the machine's link between DMA users and the controller. */
#include "hw/core/isa-dma.h"
#include "hw/core/machine.h"

void isa_dma_set_controller(Machine *m, const IsaDmaOps *ops, void *ctl)
{
    m->isa_dma = ops;
    m->isa_dma_ctl = ctl;
}

static bool valid(const Machine *m, int chan)
{
    return m->isa_dma && chan >= 0 && chan < ISA_DMA_CHANNELS;
}

int isa_dma_register(Machine *m, int chan, IsaDmaHandler *fn, void *opaque)
{
    if (!valid(m, chan))
        return -1;
    m->isa_dma->register_channel(m->isa_dma_ctl, chan, fn, opaque);
    return 0;
}

void isa_dma_hold(Machine *m, int chan)
{
    if (valid(m, chan))
        m->isa_dma->hold_dreq(m->isa_dma_ctl, chan);
}

void isa_dma_release(Machine *m, int chan)
{
    if (valid(m, chan))
        m->isa_dma->release_dreq(m->isa_dma_ctl, chan);
}

int isa_dma_read(Machine *m, int chan, void *buf, int pos, int len)
{
    if (!valid(m, chan) || len <= 0)
        return 0;
    return m->isa_dma->read_memory(m->isa_dma_ctl, chan, buf, pos, len);
}

int isa_dma_write(Machine *m, int chan, const void *buf, int pos, int len)
{
    if (!valid(m, chan) || len <= 0)
        return 0;
    return m->isa_dma->write_memory(m->isa_dma_ctl, chan, buf, pos, len);
}
