#ifndef WHOLESAIL_CASSETS_H
#define WHOLESAIL_CASSETS_H

/// One embedded file: its path under Resources/ and its bytes.
typedef struct {
    const char *name;
    const unsigned char *data;
    unsigned long length;
} wholesail_asset;

unsigned long wholesail_asset_count(void);
const wholesail_asset *wholesail_asset_at(unsigned long index);

/// glibc's mallopt(M_ARENA_MAX, arenas): 1 on success, 0 otherwise.
int wholesail_limit_malloc_arenas(int arenas);
int wholesail_lower_thread_priority(int nice);

#endif
