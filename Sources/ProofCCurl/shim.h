// Typed wrappers over libcurl's variadic calls: Swift cannot call `curl_easy_setopt` or
// `curl_easy_getinfo` directly, so each argument type gets its own `static inline` function.
#ifndef PROOF_CCURL_SHIM_H
#define PROOF_CCURL_SHIM_H
#include <curl/curl.h>
#include <stddef.h>

/// Body and header callback: `(data, size, count, context) -> bytes consumed`.
typedef size_t (*proof_curl_data_callback)(char *data, size_t size, size_t count, void *context);
/// Progress callback: returning non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
typedef int (*proof_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                            curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode proof_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode proof_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode proof_curl_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode proof_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode proof_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets a `*_BLOB` option; curl copies the bytes (CURL_BLOB_COPY), so the caller's buffer may go away.
static inline CURLcode proof_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode proof_curl_setopt_write_callback(CURL *handle, proof_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode proof_curl_setopt_header_callback(CURL *handle, proof_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode proof_curl_setopt_xferinfo(CURL *handle, proof_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode proof_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode proof_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode proof_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// The value curl's write callback returns to pause a transfer (a macro Swift does not import).
static inline size_t proof_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }

#endif
