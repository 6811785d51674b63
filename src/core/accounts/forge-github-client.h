/* forge-github-client.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-github-branch.h"
#include "forge-github-error.h"
#include "forge-github-host.h"
#include "forge-github-repository.h"
#include "forge-github-user.h"

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_CLIENT (forge_github_client_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubClient, forge_github_client, FORGE, GITHUB_CLIENT, GObject)

/* GitHub's REST API on one host, as one account (or none).
 *
 * Every call runs its request on a worker thread and answers on the
 * caller's thread-default main context; calls may overlap. The client is
 * immutable: to change account, make another.
 *
 * Secrets: the token goes only into the Authorization header, and only
 * to the host's API origin (redirects and next-page links elsewhere are
 * not followed); it is in no URL, log line, property or error message.
 * The debug log (G_MESSAGES_DEBUG=forge-github) shows method, path and
 * status only.
 *
 * Answers are read up to 4 MiB and every JSON member is type-checked:
 * anything else is a FORGE_GITHUB_ERROR_PROTOCOL error. Other errors:
 * UNAUTHORIZED (401, or no token for a call that needs one), FORBIDDEN,
 * RATE_LIMITED (says when it resets), NOT_FOUND, NETWORK, FAILED;
 * G_IO_ERROR_CANCELLED. */

/* token: as stored by forge_secrets_store_token (host's name), or NULL
 * for anonymous calls. Copied; wiped when the client goes. */
ForgeGithubClient *forge_github_client_new      (ForgeGithubHost    *host,
                                                 const char         *token);
ForgeGithubHost   *forge_github_client_get_host (ForgeGithubClient  *self);
gboolean           forge_github_client_has_token (ForgeGithubClient *self);

/* GET /user: who the token belongs to, which is how a token is checked
 * before it is stored. */
void               forge_github_client_get_user_async             (ForgeGithubClient    *self,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
ForgeGithubUser   *forge_github_client_get_user_finish            (ForgeGithubClient    *self,
                                                                   GAsyncResult         *result,
                                                                   GError              **error);

/* One page of GET /user/repos?sort=pushed (most recently pushed first).
 * page_url: NULL for the first page, else the next_page_url a previous
 * call gave (it must be on the host's API, else INVALID_HOST). per_page:
 * 1–100, 0 for GitHub's default of 30; ignored with a page_url, which
 * carries its own. */
void               forge_github_client_list_repositories_async    (ForgeGithubClient    *self,
                                                                   const char           *page_url,
                                                                   guint                 per_page,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
/* Returns the page's ForgeGithubRepository objects, and in next_page_url
 * (may be NULL) the Link header's rel="next" URL, or NULL on the last
 * page or when that link points away from the host's API. */
GPtrArray         *forge_github_client_list_repositories_finish   (ForgeGithubClient    *self,
                                                                   GAsyncResult         *result,
                                                                   char                **next_page_url,
                                                                   GError              **error);

/* One page of GET /repos/{owner}/{repo}/branches, paginated the same
 * way; owner and repo are ignored with a page_url. NOT_FOUND when the
 * repository does not exist or the token cannot see it. */
void               forge_github_client_list_branches_async        (ForgeGithubClient    *self,
                                                                   const char           *owner,
                                                                   const char           *repo,
                                                                   const char           *page_url,
                                                                   guint                 per_page,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
/* ForgeGithubBranch objects. */
GPtrArray         *forge_github_client_list_branches_finish       (ForgeGithubClient    *self,
                                                                   GAsyncResult         *result,
                                                                   char                **next_page_url,
                                                                   GError              **error);

/* GET /repos/{owner}/{repo}. NOT_FOUND as for branches. */
void               forge_github_client_get_repository_async       (ForgeGithubClient    *self,
                                                                   const char           *owner,
                                                                   const char           *repo,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
ForgeGithubRepository *forge_github_client_get_repository_finish  (ForgeGithubClient    *self,
                                                                   GAsyncResult         *result,
                                                                   GError              **error);

G_END_DECLS
