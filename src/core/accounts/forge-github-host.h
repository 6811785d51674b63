/* forge-github-host.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "forge-github-error.h"

G_BEGIN_DECLS

#define FORGE_GITHUB_DEFAULT_HOST "github.com"

#define FORGE_TYPE_GITHUB_HOST (forge_github_host_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubHost, forge_github_host, FORGE, GITHUB_HOST, GObject)

/* Which GitHub, and where its REST API, web pages and OAuth device flow
 * are. Immutable, so it may be shared between threads.
 *
 *   github.com          API https://api.github.com, web https://github.com
 *   HOST (Enterprise    API https://HOST/api/v3,    web https://HOST
 *         Server)
 *   SUB.ghe.com         API https://api.SUB.ghe.com, web https://SUB.ghe.com
 *   an explicit API URL replaces the API base; when it is on this
 *   computer (a stand-in), the web pages and device flow are on its
 *   origin too.
 *
 * Plain http is allowed only to loopback hosts (127.0.0.0/8, ::1,
 * localhost); anything else must be https. The name (host[:port], lower
 * case) is the key the token is stored under: forge_secrets_*_token(). */

/* name: a host name such as "github.com" or "ghe.example.com[:port]"
 * (an "https://" prefix and trailing slash are tolerated); NULL or ""
 * for the one api_url points at, else github.com. api_url: the REST
 * API's base, or NULL for the host's usual one. INVALID_HOST when either
 * is unusable. */
ForgeGithubHost *forge_github_host_new                  (const char          *name,
                                                         const char          *api_url,
                                                         GError             **error);
/* github.com. */
ForgeGithubHost *forge_github_host_new_default          (void);
/* As the gh CLI reads it: GH_HOST picks the host, GITHUB_API_URL
 * overrides the API base (and, alone, says which host it is: the host of
 * https://HOST/api/v3, github.com for api.github.com). Empty variables
 * count as unset. envp as from g_get_environ(), or NULL for none. */
ForgeGithubHost *forge_github_host_new_from_environment (const char * const *envp,
                                                         GError             **error);

/* Whether GH_HOST or GITHUB_API_URL in @envp say which GitHub. */
gboolean         forge_github_host_set_by_environment   (const char * const *envp);
/* The GitHub to use: the environment's when it says (as gh reads it),
 * else @configured (a host name, as Preferences keeps it; NULL or empty
 * for github.com). */
ForgeGithubHost *forge_github_host_new_configured       (const char * const *envp,
                                                         const char         *configured,
                                                         GError            **error);
/* When @url is a repository's address on this GitHub's web origin
 * (https://HOST/OWNER/REPO, ".git" or not), its owner and name. */
gboolean         forge_github_host_parse_repository_url (ForgeGithubHost    *self,
                                                         const char         *url,
                                                         char              **owner,
                                                         char              **repo);

/* host[:port], lower case: the keyring key. */
const char      *forge_github_host_get_name             (ForgeGithubHost    *self);
/* The REST API's base, without a trailing slash. */
const char      *forge_github_host_get_api_url          (ForgeGithubHost    *self);
/* Where people see repositories: https://github.com or https://HOST. */
const char      *forge_github_host_get_web_url          (ForgeGithubHost    *self);
/* The device flow's endpoints: WEB/login/device/code and
 * WEB/login/oauth/access_token. */
const char      *forge_github_host_get_device_code_url  (ForgeGithubHost    *self);
const char      *forge_github_host_get_access_token_url (ForgeGithubHost    *self);
gboolean         forge_github_host_is_github_com        (ForgeGithubHost    *self);

/* TRUE when url is on the API's origin (scheme, host, port) and under
 * its base path: the only URLs a token may be sent to. */
gboolean         forge_github_host_owns_api_url         (ForgeGithubHost    *self,
                                                         const char         *url);

G_END_DECLS
