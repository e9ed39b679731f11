// A C call Swift's Glibc module does not expose (malloc.h). Lives beside the embedded assets
// because this is the package's one C target.
#include <malloc.h>
#include "CWholesailAssets.h"

int wholesail_limit_malloc_arenas(int arenas) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}
