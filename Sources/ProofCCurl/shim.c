#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// libcurl's entry points, filled once by `load` (under `pthread_once`) and only read after.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} api;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static char failure[512];
static const char *load_failure;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(failure, sizeof failure, "cannot load libcurl: %s", reason ? reason : "libcurl.so.4 not found");
        load_failure = failure;
        return;
    }
#define PROOF_CURL_SYMBOL(field, name)                                                        \
    *(void **)(&api.field) = dlsym(library, name);                                            \
    if (api.field == NULL) {                                                                  \
        snprintf(failure, sizeof failure, "cannot load libcurl: libcurl.so.4 has no %s", name); \
        load_failure = failure;                                                               \
        return;                                                                               \
    }
    PROOF_CURL_SYMBOL(global_init, "curl_global_init")
    PROOF_CURL_SYMBOL(easy_init, "curl_easy_init")
    PROOF_CURL_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    PROOF_CURL_SYMBOL(easy_reset, "curl_easy_reset")
    PROOF_CURL_SYMBOL(easy_perform, "curl_easy_perform")
    PROOF_CURL_SYMBOL(easy_strerror, "curl_easy_strerror")
    PROOF_CURL_SYMBOL(slist_append, "curl_slist_append")
    PROOF_CURL_SYMBOL(slist_free_all, "curl_slist_free_all")
    PROOF_CURL_SYMBOL(easy_setopt, "curl_easy_setopt")
    PROOF_CURL_SYMBOL(easy_getinfo, "curl_easy_getinfo")
#undef PROOF_CURL_SYMBOL
}

const char *proof_curl_load(void) {
    pthread_once(&loaded, load);
    return load_failure;
}

CURLcode proof_curl_global_init(long flags) { return api.global_init(flags); }
CURL *proof_curl_easy_init(void) { return api.easy_init(); }
void proof_curl_easy_cleanup(CURL *handle) { api.easy_cleanup(handle); }
void proof_curl_easy_reset(CURL *handle) { api.easy_reset(handle); }
CURLcode proof_curl_easy_perform(CURL *handle) { return api.easy_perform(handle); }
const char *proof_curl_easy_strerror(CURLcode code) { return api.easy_strerror(code); }
struct curl_slist *proof_curl_slist_append(struct curl_slist *list, const char *text) { return api.slist_append(list, text); }
void proof_curl_slist_free_all(struct curl_slist *list) { api.slist_free_all(list); }

CURLcode proof_curl_setopt_long(CURL *handle, CURLoption option, long value) { return api.easy_setopt(handle, option, value); }
CURLcode proof_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) { return api.easy_setopt(handle, option, value); }
CURLcode proof_curl_setopt_ptr(CURL *handle, CURLoption option, void *value) { return api.easy_setopt(handle, option, value); }
CURLcode proof_curl_setopt_string(CURL *handle, CURLoption option, const char *value) { return api.easy_setopt(handle, option, value); }
CURLcode proof_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) { return api.easy_setopt(handle, option, value); }

CURLcode proof_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return api.easy_setopt(handle, option, &blob);
}

CURLcode proof_curl_setopt_write_callback(CURL *handle, proof_curl_data_callback callback) {
    return api.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode proof_curl_setopt_header_callback(CURL *handle, proof_curl_data_callback callback) {
    return api.easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

CURLcode proof_curl_setopt_xferinfo(CURL *handle, proof_curl_xferinfo_callback callback) {
    return api.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

CURLcode proof_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return api.easy_getinfo(handle, info, value); }
CURLcode proof_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) { return api.easy_getinfo(handle, info, value); }
CURLcode proof_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) { return api.easy_getinfo(handle, info, value); }
