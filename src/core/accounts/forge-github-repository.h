/* forge-github-repository.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_REPOSITORY (forge_github_repository_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubRepository, forge_github_repository, FORGE, GITHUB_REPOSITORY, GObject)

/* A repository as GitHub lists it. Immutable; a GObject so that a
 * GListStore can hold it. Read-only properties: "full-name", "owner",
 * "name", "private", "default-branch", "pushed-at", "clone-url",
 * "html-url", "description". */

/* "owner/name"; never NULL, nor are owner and name. */
const char *forge_github_repository_get_full_name      (ForgeGithubRepository *self);
const char *forge_github_repository_get_owner          (ForgeGithubRepository *self);
const char *forge_github_repository_get_name           (ForgeGithubRepository *self);
gboolean    forge_github_repository_get_private        (ForgeGithubRepository *self);
/* NULL for an empty repository. */
const char *forge_github_repository_get_default_branch (ForgeGithubRepository *self);
/* The last push, or NULL when GitHub has none. */
GDateTime  *forge_github_repository_get_pushed_at      (ForgeGithubRepository *self);
/* https (http only on this computer); never NULL. */
const char *forge_github_repository_get_clone_url      (ForgeGithubRepository *self);
/* Safe to open; never NULL. */
const char *forge_github_repository_get_html_url       (ForgeGithubRepository *self);
/* NULL when there is none. */
const char *forge_github_repository_get_description    (ForgeGithubRepository *self);

/* For filtering a loaded list as someone types: TRUE when query (NULL or
 * blank matches everything) is in the full name or the description,
 * ignoring case (Unicode case folding). */
gboolean    forge_github_repository_matches            (ForgeGithubRepository *self,
                                                        const char            *query);

G_END_DECLS
