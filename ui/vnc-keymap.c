/* VNC clients send X keysyms; the guest wants keys.  Built in: the US
 * layout (en-us).  `-k LAYOUT` reads QEMU's keymap file of that name
 * (lines "KEYSYM-NAME 0xKEY [modifiers]", "include NAME"), from
 * $KEMU_KEYMAP_DIR, /usr/share/kemu/keymaps or QEMU's own directory, so a
 * client typing 'z' on a German layout reaches the guest's German 'z'. */
#include "ui/vnc-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/keycodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct KeysymKey {
    uint32_t keysym;
    uint8_t key;
} KeysymKey;

static const KeysymKey function_keys[] = {
    { 0xff08, 0x0e }, { 0xff09, 0x0f }, { 0xfe20, 0x0f }, { 0xff0d, 0x1c }, { 0xff1b, 0x01 },
    { 0xffff, 0xd3 }, { 0xff50, 0xc7 }, { 0xff51, 0xcb }, { 0xff52, 0xc8 }, { 0xff53, 0xcd },
    { 0xff54, 0xd0 }, { 0xff55, 0xc9 }, { 0xff56, 0xd1 }, { 0xff57, 0xcf }, { 0xff63, 0xd2 },
    { 0xff61, 0xb7 }, { 0xff13, KEY_PAUSE }, { 0xff14, 0x46 }, { 0xff15, 0x54 },
    { 0xff67, 0xdd }, { 0xff7f, 0x45 }, { 0xff8d, 0x9c }, { 0xff95, 0x47 }, { 0xff96, 0x4b },
    { 0xff97, 0x48 }, { 0xff98, 0x4d }, { 0xff99, 0x50 }, { 0xff9a, 0x49 }, { 0xff9b, 0x51 },
    { 0xff9c, 0x4f }, { 0xff9d, 0x4c }, { 0xff9e, 0x52 }, { 0xff9f, 0x53 }, { 0xffaa, 0x37 },
    { 0xffab, 0x4e }, { 0xffac, 0x53 }, { 0xffad, 0x4a }, { 0xffae, 0x53 }, { 0xffaf, 0xb5 },
    { 0xffb0, 0x52 }, { 0xffb1, 0x4f }, { 0xffb2, 0x50 }, { 0xffb3, 0x51 }, { 0xffb4, 0x4b },
    { 0xffb5, 0x4c }, { 0xffb6, 0x4d }, { 0xffb7, 0x47 }, { 0xffb8, 0x48 }, { 0xffb9, 0x49 },
    { 0xffbe, 0x3b }, { 0xffbf, 0x3c }, { 0xffc0, 0x3d }, { 0xffc1, 0x3e }, { 0xffc2, 0x3f },
    { 0xffc3, 0x40 }, { 0xffc4, 0x41 }, { 0xffc5, 0x42 }, { 0xffc6, 0x43 }, { 0xffc7, 0x44 },
    { 0xffc8, 0x57 }, { 0xffc9, 0x58 }, { 0xffe1, 0x2a }, { 0xffe2, 0x36 }, { 0xffe3, 0x1d },
    { 0xffe4, 0x9d }, { 0xffe5, 0x3a }, { 0xffe7, 0xdb }, { 0xffe8, 0xdc }, { 0xffe9, 0x38 },
    { 0xffea, 0xb8 }, { 0xffeb, 0xdb }, { 0xffec, 0xdc }, { 0xfe03, 0xb8 }, { 0xff7e, 0xb8 },
};

/* X keysym names of ASCII and Latin-1 (their keysyms are their codes). */
static const char *const latin1_names[] = {
    "space", "exclam", "quotedbl", "numbersign", "dollar", "percent", "ampersand",
    "apostrophe", "parenleft", "parenright", "asterisk", "plus", "comma", "minus", "period",
    "slash", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "colon", "semicolon", "less",
    "equal", "greater", "question", "at", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J",
    "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z",
    "bracketleft", "backslash", "bracketright", "asciicircum", "underscore", "grave", "a",
    "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s",
    "t", "u", "v", "w", "x", "y", "z", "braceleft", "bar", "braceright", "asciitilde",
};
static const char *const latin1_high_names[] = {
    "nobreakspace", "exclamdown", "cent", "sterling", "currency", "yen", "brokenbar",
    "section", "diaeresis", "copyright", "ordfeminine", "guillemotleft", "notsign", "hyphen",
    "registered", "macron", "degree", "plusminus", "twosuperior", "threesuperior", "acute",
    "mu", "paragraph", "periodcentered", "cedilla", "onesuperior", "masculine",
    "guillemotright", "onequarter", "onehalf", "threequarters", "questiondown", "Agrave",
    "Aacute", "Acircumflex", "Atilde", "Adiaeresis", "Aring", "AE", "Ccedilla", "Egrave",
    "Eacute", "Ecircumflex", "Ediaeresis", "Igrave", "Iacute", "Icircumflex", "Idiaeresis",
    "ETH", "Ntilde", "Ograve", "Oacute", "Ocircumflex", "Otilde", "Odiaeresis", "multiply",
    "Oslash", "Ugrave", "Uacute", "Ucircumflex", "Udiaeresis", "Yacute", "THORN", "ssharp",
    "agrave", "aacute", "acircumflex", "atilde", "adiaeresis", "aring", "ae", "ccedilla",
    "egrave", "eacute", "ecircumflex", "ediaeresis", "igrave", "iacute", "icircumflex",
    "idiaeresis", "eth", "ntilde", "ograve", "oacute", "ocircumflex", "otilde", "odiaeresis",
    "division", "oslash", "ugrave", "uacute", "ucircumflex", "udiaeresis", "yacute", "thorn",
    "ydiaeresis",
};
static const struct {
    const char *name;
    uint32_t keysym;
} other_names[] = {
    { "BackSpace", 0xff08 }, { "Tab", 0xff09 }, { "ISO_Left_Tab", 0xfe20 },
    { "Return", 0xff0d }, { "Escape", 0xff1b }, { "Delete", 0xffff }, { "Home", 0xff50 },
    { "Left", 0xff51 }, { "Up", 0xff52 }, { "Right", 0xff53 }, { "Down", 0xff54 },
    { "Prior", 0xff55 }, { "Page_Up", 0xff55 }, { "Next", 0xff56 }, { "Page_Down", 0xff56 },
    { "End", 0xff57 }, { "Insert", 0xff63 }, { "Print", 0xff61 }, { "Pause", 0xff13 },
    { "Scroll_Lock", 0xff14 }, { "Sys_Req", 0xff15 }, { "Menu", 0xff67 },
    { "Num_Lock", 0xff7f }, { "KP_Enter", 0xff8d }, { "KP_Home", 0xff95 },
    { "KP_Left", 0xff96 }, { "KP_Up", 0xff97 }, { "KP_Right", 0xff98 }, { "KP_Down", 0xff99 },
    { "KP_Prior", 0xff9a }, { "KP_Next", 0xff9b }, { "KP_End", 0xff9c },
    { "KP_Begin", 0xff9d }, { "KP_Insert", 0xff9e }, { "KP_Delete", 0xff9f },
    { "KP_Multiply", 0xffaa }, { "KP_Add", 0xffab }, { "KP_Separator", 0xffac },
    { "KP_Subtract", 0xffad }, { "KP_Decimal", 0xffae }, { "KP_Divide", 0xffaf },
    { "KP_0", 0xffb0 }, { "KP_1", 0xffb1 }, { "KP_2", 0xffb2 }, { "KP_3", 0xffb3 },
    { "KP_4", 0xffb4 }, { "KP_5", 0xffb5 }, { "KP_6", 0xffb6 }, { "KP_7", 0xffb7 },
    { "KP_8", 0xffb8 }, { "KP_9", 0xffb9 }, { "Shift_L", 0xffe1 }, { "Shift_R", 0xffe2 },
    { "Control_L", 0xffe3 }, { "Control_R", 0xffe4 }, { "Caps_Lock", 0xffe5 },
    { "Meta_L", 0xffe7 }, { "Meta_R", 0xffe8 }, { "Alt_L", 0xffe9 }, { "Alt_R", 0xffea },
    { "Super_L", 0xffeb }, { "Super_R", 0xffec }, { "ISO_Level3_Shift", 0xfe03 },
    { "Mode_switch", 0xff7e }, { "EuroSign", 0x20ac }, { "dead_grave", 0xfe50 },
    { "dead_acute", 0xfe51 }, { "dead_circumflex", 0xfe52 }, { "dead_tilde", 0xfe53 },
    { "dead_macron", 0xfe54 }, { "dead_breve", 0xfe55 }, { "dead_abovedot", 0xfe56 },
    { "dead_diaeresis", 0xfe57 }, { "dead_abovering", 0xfe58 }, { "dead_doubleacute", 0xfe59 },
    { "dead_caron", 0xfe5a }, { "dead_cedilla", 0xfe5b }, { "dead_ogonek", 0xfe5c },
};

static KeysymKey *layout;
static size_t layout_len;

static int keysym_from_name(const char *name, uint32_t *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(latin1_names); i++) {
        if (!strcmp(latin1_names[i], name)) {
            *out = 0x20 + (uint32_t)i;
            return 0;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(latin1_high_names); i++) {
        if (!strcmp(latin1_high_names[i], name)) {
            *out = 0xa0 + (uint32_t)i;
            return 0;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(other_names); i++) {
        if (!strcmp(other_names[i].name, name)) {
            *out = other_names[i].keysym;
            return 0;
        }
    }
    return -1;
}

static int layout_lookup(uint32_t keysym)
{
    for (size_t i = 0; i < layout_len; i++) {
        if (layout[i].keysym == keysym)
            return layout[i].key;
    }
    return -1;
}

/* The first mapping of a keysym wins, as in the files' order of levels. */
static void layout_add(uint32_t keysym, int key)
{
    if (key <= 0 || key > 0xff || layout_lookup(keysym) >= 0)
        return;
    layout = xrealloc(layout, (layout_len + 1) * sizeof(*layout));
    layout[layout_len++] = (KeysymKey){ keysym, (uint8_t)key };
}

static FILE *open_keymap(const char *name)
{
    const char *dirs[] = { getenv("KEMU_KEYMAP_DIR"), "/usr/share/kemu/keymaps",
                           "/usr/share/qemu/keymaps" };
    if (strchr(name, '/') || !*name)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        if (!dirs[i])
            continue;
        char *path = xasprintf("%s/%s", dirs[i], name);
        FILE *f = fopen(path, "r");
        free(path);
        if (f)
            return f;
    }
    return NULL;
}

static int load_keymap(const char *name, int depth)
{
    FILE *f = depth < 4 ? open_keymap(name) : NULL;
    char line[256], sym[128], arg[64];
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        uint32_t keysym;
        if (line[0] == '#' || sscanf(line, "%127s %63s", sym, arg) != 2)
            continue;
        if (!strcmp(sym, "include"))
            load_keymap(arg, depth + 1);
        else if (strcmp(sym, "map") && !keysym_from_name(sym, &keysym))
            layout_add(keysym, (int)strtol(arg, NULL, 0));
    }
    fclose(f);
    return 0;
}

int vnc_set_keymap(const char *name)
{
    free(layout);
    layout = NULL;
    layout_len = 0;
    if (!strcmp(name, "en-us"))
        return 0;
    if (load_keymap(name, 0)) {
        error_report("-k %s: could not read keymap file: '%s'", name, name);
        return -1;
    }
    return 0;
}

int vnc_keysym_to_key(uint32_t keysym)
{
    int key = layout_lookup(keysym);
    if (key >= 0)
        return key;
    if (keysym >= 0x20 && keysym <= 0x7e)
        return keycode_from_ascii((int)keysym, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(function_keys); i++) {
        if (function_keys[i].keysym == keysym)
            return function_keys[i].key;
    }
    return -1;
}
