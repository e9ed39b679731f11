#ifndef WHOLESAIL_CZLIB_SHIM_H
#define WHOLESAIL_CZLIB_SHIM_H
#include <zlib.h>
#endif
