/* forge-repository-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-github-repository.h"

G_BEGIN_DECLS

#define FORGE_TYPE_REPOSITORY_ROW (forge_repository_row_get_type ())

G_DECLARE_FINAL_TYPE (ForgeRepositoryRow, forge_repository_row, FORGE, REPOSITORY_ROW, AdwActionRow)

/* A GitHub repository to pick in the Open dialog: its full name, then its
 * default branch and when it was last pushed to ("main · pushed 3 days
 * ago"), with a lock and "Private" for a private one. Screen readers hear
 * the full name, then "Private, default branch main, pushed 3 days ago".
 * now: what "ago" counts from, NULL for the current time. */
GtkWidget             *forge_repository_row_new            (ForgeGithubRepository *repository,
                                                            GDateTime             *now);
ForgeGithubRepository *forge_repository_row_get_repository (ForgeRepositoryRow    *self);
/* Whether the lock and "Private" show. */
gboolean               forge_repository_row_shows_private  (ForgeRepositoryRow    *self);

/* "pushed 3 days ago", "pushed just now", "pushed 2 years ago"; "never
 * pushed" when pushed_at is NULL. */
char                  *forge_format_pushed_ago             (GDateTime             *pushed_at,
                                                            GDateTime             *now);

G_END_DECLS
