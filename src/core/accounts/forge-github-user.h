/* forge-github-user.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_USER (forge_github_user_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubUser, forge_github_user, FORGE, GITHUB_USER, GObject)

/* The account a token belongs to (GET /user). Immutable; the properties
 * are read-only and named as below. URLs are https (http only on this
 * computer), safe to open. */

/* "login"; never NULL. */
const char *forge_github_user_get_login      (ForgeGithubUser *self);
/* "name": the display name, or NULL when the account has none. */
const char *forge_github_user_get_name       (ForgeGithubUser *self);
/* "avatar-url", or NULL. */
const char *forge_github_user_get_avatar_url (ForgeGithubUser *self);
/* "html-url", or NULL. */
const char *forge_github_user_get_html_url   (ForgeGithubUser *self);

G_END_DECLS
