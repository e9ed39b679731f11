// C calls Swift's Glibc module does not expose (malloc.h, a thread's own id). They live beside
// the embedded assets because this is the package's one C target.
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CWholesailAssets.h"

int wholesail_limit_malloc_arenas(int arenas) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}

// Linux keeps a nice value per thread: lowers the calling thread's priority (raises its nice
// value to `nice`; never lowers it, which would need privileges). Returns 0 on success.
int wholesail_lower_thread_priority(int nice) {
#ifdef __linux__
    pid_t tid = (pid_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    if (current == -1 && errno != 0) return -1;
    if (current >= nice) return 0;
    return setpriority(PRIO_PROCESS, (id_t)tid, nice);
#else
    (void)nice;
    return 0;
#endif
}
