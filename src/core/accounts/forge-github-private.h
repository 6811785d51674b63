/* forge-github-private.h
 *
 * What the GitHub client and the device flow share: one bounded HTTP
 * exchange, defensive JSON reading, and the errors every endpoint can
 * give. Not installed, not for the UI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "forge-github-branch.h"
#include "forge-github-error.h"
#include "forge-github-repository.h"
#include "forge-github-user.h"

G_BEGIN_DECLS

/* A page of 100 repositories is about 600 KiB; anything much larger is
 * not GitHub. */
#define FORGE_GITHUB_MAX_BODY_BYTES (4 * 1024 * 1024)

typedef struct
{
  guint     status;
  GBytes   *body;                 /* at most FORGE_GITHUB_MAX_BODY_BYTES */
  gboolean  too_large;
  char     *link;                 /* the headers read, or NULL */
  char     *location;
  char     *ratelimit_remaining;
  char     *ratelimit_reset;
  char     *retry_after;
} ForgeGithubResponse;

void          _forge_github_response_clear     (ForgeGithubResponse  *response);

/* A session configured once, on the calling thread, before any request:
 * libsoup's condition for sending from several threads. Redirects are
 * the callers' business (messages are sent with NO_REDIRECT). */
SoupSession  *_forge_github_session_new        (void);

/* Sends and reads the answer, whatever its status. FALSE only when there
 * was no answer: then a NETWORK error naming host_label, or the
 * cancellation. Logs method, path and status only. */
gboolean      _forge_github_send               (SoupSession          *session,
                                                SoupMessage          *message,
                                                const char           *host_label,
                                                ForgeGithubResponse  *response,
                                                GCancellable         *cancellable,
                                                GError              **error);

/* RATE_LIMITED for a 403/429 that says the limit is spent (or asks to
 * retry later), with the reset time as local HH:MM; else NULL. */
GError       *_forge_github_rate_limit_error   (const ForgeGithubResponse *response);

void          _forge_github_set_protocol_error (GError              **error,
                                                const char           *detail);
/* Parses a body bounded in size and nesting; PROTOCOL errors. */
JsonNode     *_forge_github_parse_json         (GBytes               *body,
                                                GError              **error);

/* Typed member access that never trusts the server: NULL / FALSE for a
 * missing member, a null, or a member of another type. */
const char   *_forge_github_member_string      (JsonObject           *object,
                                                const char           *name);
JsonObject   *_forge_github_member_object      (JsonObject           *object,
                                                const char           *name);
gboolean      _forge_github_member_boolean     (JsonObject           *object,
                                                const char           *name,
                                                gboolean             *value);
gboolean      _forge_github_member_int         (JsonObject           *object,
                                                const char           *name,
                                                gint64               *value);
/* TRUE for a member that is absent or null. */
gboolean      _forge_github_member_is_null     (JsonObject           *object,
                                                const char           *name);

/* 127.0.0.0/8, ::1 and "localhost" (any case), with or without brackets. */
gboolean      _forge_github_is_loopback_host   (const char           *host);
/* An https URL, or http to a loopback host: what may be shown as a link
 * or opened in a browser. */
gboolean      _forge_github_is_web_url         (const char           *url);
/* Scheme, host (any case) and port, default ports made explicit. */
gboolean      _forge_github_same_origin        (GUri                 *a,
                                                GUri                 *b);

/* A server's text fit for one line of an error: control characters and
 * runs of space become one space, at most 200 characters. NULL for NULL
 * or nothing left. */
char         *_forge_github_clean_message      (const char           *message);

/* Zeroes the bytes before freeing them when this is the last reference:
 * for answers that carry a token. */
void          _forge_github_bytes_wipe_unref   (GBytes               *bytes);

/* The objects out of GitHub's JSON, every member checked: PROTOCOL
 * errors for anything missing or of the wrong type. */
ForgeGithubUser       *_forge_github_user_new_from_json       (JsonNode   *node,
                                                               GError    **error);
ForgeGithubRepository *_forge_github_repository_new_from_json (JsonNode   *node,
                                                               GError    **error);
ForgeGithubBranch     *_forge_github_branch_new_from_json     (JsonNode   *node,
                                                               GError    **error);

G_END_DECLS
