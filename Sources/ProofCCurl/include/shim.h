// libcurl, loaded when first needed (`proof_curl_load`), through typed wrappers.
//
// The harness does not link libcurl: loading it and the thirty libraries it links (GnuTLS, Kerberos, LDAP,
// SSH…) took 3–5 ms at every start of `proof`, before `main`, whether the command talked HTTP or not. It is
// loaded with `dlopen` instead, on another core while a connecting command parses its arguments
// (`HTTPClient.warmUp`). Swift cannot call libcurl's variadic `curl_easy_setopt` or `curl_easy_getinfo`
// directly either, so each argument type gets its own wrapper. Only `curl/curl.h`'s types and constants are used
// from the headers.
#ifndef PROOF_CCURL_SHIM_H
#define PROOF_CCURL_SHIM_H
#include <curl/curl.h>
#include <stddef.h>

/// Body and header callback: `(data, size, count, context) -> bytes consumed`.
typedef size_t (*proof_curl_data_callback)(char *data, size_t size, size_t count, void *context);
/// Progress callback: returning non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
typedef int (*proof_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                            curl_off_t ultotal, curl_off_t ulnow);

/// Loads libcurl (`libcurl.so.4`) once, thread-safely; returns NULL when it is loaded, or why it could not be.
/// Every other function here needs it loaded.
const char *proof_curl_load(void);

CURLcode proof_curl_global_init(long flags);
CURL *proof_curl_easy_init(void);
void proof_curl_easy_cleanup(CURL *handle);
void proof_curl_easy_reset(CURL *handle);
CURLcode proof_curl_easy_perform(CURL *handle);
const char *proof_curl_easy_strerror(CURLcode code);
struct curl_slist *proof_curl_slist_append(struct curl_slist *list, const char *text);
void proof_curl_slist_free_all(struct curl_slist *list);

CURLcode proof_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode proof_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode proof_curl_setopt_ptr(CURL *handle, CURLoption option, void *value);
CURLcode proof_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode proof_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// Sets a `*_BLOB` option; curl copies the bytes (CURL_BLOB_COPY), so the caller's buffer may go away.
CURLcode proof_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode proof_curl_setopt_write_callback(CURL *handle, proof_curl_data_callback callback);
CURLcode proof_curl_setopt_header_callback(CURL *handle, proof_curl_data_callback callback);
CURLcode proof_curl_setopt_xferinfo(CURL *handle, proof_curl_xferinfo_callback callback);

CURLcode proof_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode proof_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode proof_curl_getinfo_string(CURL *handle, CURLINFO info, char **value);

/// The value curl's write callback returns to pause a transfer (a macro Swift does not import).
static inline size_t proof_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }

#endif
