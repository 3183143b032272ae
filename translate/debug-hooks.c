/* The debugger's hooks (translate/debug-hooks.h): off until one is set. */
#include "translate/debug-hooks.h"

atomic_bool tcg_debug_active;
const TcgDebugHooks *tcg_debug_hooks;
