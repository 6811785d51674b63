/* forge-e2b-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FORGE_E2B_ERROR (forge_e2b_error_quark ())

/* What went wrong talking to E2B, in the terms a caller acts on. The
 * messages are one line, translated, and say what to do; they never carry
 * the API key or an access token. */
typedef enum
{
  /* No API key was given and E2B_API_KEY is not set. */
  FORGE_E2B_ERROR_NO_API_KEY,
  /* 401/403: the key is wrong, revoked or not allowed to do this. */
  FORGE_E2B_ERROR_UNAUTHORIZED,
  /* 404 on a sandbox: it is gone (expired, killed). Restore it. */
  FORGE_E2B_ERROR_NOT_FOUND,
  /* 404 on create: no such template. */
  FORGE_E2B_ERROR_TEMPLATE_NOT_FOUND,
  /* 429 after the retries ran out. */
  FORGE_E2B_ERROR_RATE_LIMITED,
  /* 5xx after the retries ran out. */
  FORGE_E2B_ERROR_SERVER,
  /* 400 (or another 4xx) that is none of the others. */
  FORGE_E2B_ERROR_BAD_REQUEST,
  /* 400 on a lifetime above what the plan allows (1 h Hobby, 24 h Pro). */
  FORGE_E2B_ERROR_TIMEOUT_TOO_LONG,
  /* 409: e.g. pausing a sandbox that is already paused, or a plan that
   * cannot pause. */
  FORGE_E2B_ERROR_CONFLICT,
  /* No HTTP answer: DNS, TLS, connection refused, I/O timeout. */
  FORGE_E2B_ERROR_NETWORK,
  /* An answer that is not what the API answers: not JSON, too large,
   * missing fields, an unexpected status. */
  FORGE_E2B_ERROR_PROTOCOL,
  /* E2B_API_URL (or another configured address) is not an http(s) URL. */
  FORGE_E2B_ERROR_CONFIG,
} ForgeE2bErrorCode;

GQuark    forge_e2b_error_quark        (void);

/* The NO_API_KEY error, with where to make a key. */
GError   *forge_e2b_error_new_no_api_key (void);

/* One line of a server's message fit to show: control characters become
 * spaces, runs of white space one space, at most 200 characters (cut on a
 * character boundary), and every occurrence of each string in secrets
 * (NULL-terminated, may be NULL; empty strings are ignored) replaced by
 * "[redacted]", so a server echoing a key cannot put it in an error.
 * Returns NULL for NULL or a message that is empty after cleaning. */
char     *forge_e2b_error_clean_message (const char         *message,
                                         gssize              length,
                                         const char * const *secrets);

/* TRUE for the errors a later attempt may not get: RATE_LIMITED, SERVER,
 * NETWORK. */
gboolean  forge_e2b_error_is_transient (const GError       *error);

G_END_DECLS
