#ifndef WHOLESAIL_COPENSSL_SHIM_H
#define WHOLESAIL_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#endif
