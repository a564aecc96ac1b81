#ifndef PROOF_CCURL_SHIM_H
#define PROOF_CCURL_SHIM_H
#include <curl/curl.h>
#endif
