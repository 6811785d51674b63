/* forge-github-standin.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A stand-in for GitHub's REST API and OAuth device flow, for tests: a
 * SoupServer on 127.0.0.1 with a thread and GMainContext of its own, so
 * that tests may block or run their own main loop meanwhile. Every call
 * here is thread-safe.
 *
 * It serves, at its base and again under /api/v3 (for GH_HOST-style
 * Enterprise addresses):
 *   GET  /user                          the token's user, else 401
 *   GET  /user/repos?per_page&page      the token's user's repositories,
 *                                       most recently pushed first, with
 *                                       a Link header (next, last, …)
 *   GET  /repos/{owner}/{repo}          404 for private ones without the
 *                                       owner's token
 *   GET  /repos/{owner}/{repo}/branches paginated the same way
 *   POST /login/device/code             as GitHub, JSON
 *   POST /login/oauth/access_token      following the device script
 * Tokens come as "Authorization: Bearer T" (or "token T"). Answers carry
 * X-RateLimit-Remaining/-Reset; anything else is 404. */
typedef struct _ForgeGithubStandin ForgeGithubStandin;

typedef enum
{
  FORGE_GITHUB_STANDIN_GRANT,     /* hands out the script's token */
  FORGE_GITHUB_STANDIN_EXPIRE,    /* expired_token */
  FORGE_GITHUB_STANDIN_DENY,      /* access_denied */
} ForgeGithubStandinDeviceEnd;

/* What the access_token endpoint answers, poll by poll: `pending` times
 * authorization_pending, then (if slow_down) one slow_down (naming
 * slow_down_interval when it is not 0), then the end. */
typedef struct
{
  const char                  *client_id;   /* the one accepted; NULL for any */
  guint                        interval;    /* seconds, in device/code's answer */
  guint                        expires_in;  /* idem */
  guint                        pending;
  gboolean                     slow_down;
  guint                        slow_down_interval;
  ForgeGithubStandinDeviceEnd  end;
  const char                  *token;       /* GRANT's token: a user's */
} ForgeGithubStandinDeviceScript;

/* The user code the stand-in hands out. */
#define FORGE_GITHUB_STANDIN_USER_CODE "WDJB-MJHT"

ForgeGithubStandin *forge_github_standin_new                 (void);
void                forge_github_standin_free                (ForgeGithubStandin *self);
/* "http://127.0.0.1:PORT", no trailing slash. */
const char         *forge_github_standin_get_base            (ForgeGithubStandin *self);

/* A user who signs in with token. */
void                forge_github_standin_add_user            (ForgeGithubStandin *self,
                                                              const char         *login,
                                                              const char         *name,
                                                              const char         *token);
/* A repository of owner (a user's login), pushed at pushed_at (unix
 * seconds), with a "main" branch. description may be NULL. */
void                forge_github_standin_add_repository      (ForgeGithubStandin *self,
                                                              const char         *owner,
                                                              const char         *name,
                                                              gboolean            is_private,
                                                              const char         *description,
                                                              gint64              pushed_at);
/* Another branch of owner/name, at a commit made up from its name. */
void                forge_github_standin_add_branch          (ForgeGithubStandin *self,
                                                              const char         *owner,
                                                              const char         *name,
                                                              const char         *branch);

/* Copied. The default: interval 1, expires_in 900, GRANT at once with
 * no token (so set one). */
void                forge_github_standin_set_device_script   (ForgeGithubStandin *self,
                                                              const ForgeGithubStandinDeviceScript *script);

/* From now on every API request (not the device flow) answers 403 with
 * X-RateLimit-Remaining: 0 and X-RateLimit-Reset: reset (unix seconds);
 * 0 turns it off. */
void                forge_github_standin_set_rate_limited    (ForgeGithubStandin *self,
                                                              gint64              reset);
/* Next links of the listings point at other_base (another origin)
 * instead of the stand-in; NULL for its own. */
void                forge_github_standin_set_next_base       (ForgeGithubStandin *self,
                                                              const char         *other_base);
/* path (without /api/v3, without query) answers status with body
 * (JSON, or any bytes) instead, until cleared with body NULL. */
void                forge_github_standin_override            (ForgeGithubStandin *self,
                                                              const char         *path,
                                                              guint               status,
                                                              GBytes             *body);

/* Requests to path (as above; NULL for all) so far. */
guint               forge_github_standin_count_requests      (ForgeGithubStandin *self,
                                                              const char         *path);
/* Requests that carried token (NULL: any Authorization header). */
guint               forge_github_standin_count_authorization (ForgeGithubStandin *self,
                                                              const char         *token);
/* Requests whose Authorization was not a configured user's token, or
 * that sent one to the device flow (which never needs one). */
guint               forge_github_standin_count_foreign_authorization (ForgeGithubStandin *self);
/* Milliseconds between consecutive access_token polls so far, and
 * between device/code and the first. */
GArray             *forge_github_standin_dup_poll_gaps_ms    (ForgeGithubStandin *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeGithubStandin, forge_github_standin_free)

G_END_DECLS
