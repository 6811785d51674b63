/* forge-github-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FORGE_GITHUB_ERROR (forge_github_error_quark ())

/* What went wrong talking to GitHub, in the terms a caller acts on. The
 * messages are one line, translated, say what to do, and never carry a
 * token or a device code. Cancellation is G_IO_ERROR_CANCELLED. */
typedef enum
{
  /* Anything not listed below: a 5xx, an unexpected status, a refused
   * redirect, an OAuth error without a meaning of its own. */
  FORGE_GITHUB_ERROR_FAILED,
  /* 401: the token is wrong or revoked, or there is none. */
  FORGE_GITHUB_ERROR_UNAUTHORIZED,
  /* 403 that is not a rate limit: the token lacks a scope or permission. */
  FORGE_GITHUB_ERROR_FORBIDDEN,
  /* 403/429 with the rate limit spent; the message says when it resets. */
  FORGE_GITHUB_ERROR_RATE_LIMITED,
  /* 404: no such repository, or the token cannot see it. */
  FORGE_GITHUB_ERROR_NOT_FOUND,
  /* No HTTP answer: DNS, TLS, connection refused, I/O timeout. */
  FORGE_GITHUB_ERROR_NETWORK,
  /* An answer that is not what GitHub answers: not JSON, wrong types,
   * too large. */
  FORGE_GITHUB_ERROR_PROTOCOL,
  /* Device flow: the code expired before the user entered it. */
  FORGE_GITHUB_ERROR_EXPIRED,
  /* Device flow: the user pressed Cancel on GitHub's page. */
  FORGE_GITHUB_ERROR_DENIED,
  /* Device flow: this build has no OAuth client id. */
  FORGE_GITHUB_ERROR_NO_CLIENT_ID,
  /* A host or API address that is not usable (e.g. http:// to anything
   * but this computer), or a next-page URL on another server. */
  FORGE_GITHUB_ERROR_INVALID_HOST,
} ForgeGithubErrorCode;

GQuark forge_github_error_quark (void);

G_END_DECLS
