/* forge-open-dialog-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-open-dialog.h"

G_BEGIN_DECLS

/* For tests: what the person types into, the shown error, the recent
 * rows, and what the folder chooser calls with the folder it got (a
 * native chooser cannot be driven from a test). */
GtkEditable *forge_open_dialog_get_url_editable  (ForgeOpenDialog *self);
GtkLabel    *forge_open_dialog_get_error_label   (ForgeOpenDialog *self);
GtkListBox  *forge_open_dialog_get_recent_list   (ForgeOpenDialog *self);
void         forge_open_dialog_folder_chosen     (ForgeOpenDialog *self,
                                                  GFile           *folder);
/* The "Run In" row of a backend (its check button is its activatable
 * widget), or NULL. */
GtkWidget   *forge_open_dialog_get_backend_row   (ForgeOpenDialog *self,
                                                  const char      *backend);

/* Your Repositories: pages of this many (default 30); call before the
 * first page is asked for (right after forge_open_dialog_new()). */
void               forge_open_dialog_set_page_size            (ForgeOpenDialog *self,
                                                               guint            per_page);
/* The ForgeGithubRepository objects loaded so far, all of them. */
GListModel        *forge_open_dialog_get_repositories         (ForgeOpenDialog *self);
/* The rows shown (those the search leaves), ForgeRepositoryRow each. */
GtkListBox        *forge_open_dialog_get_repository_list      (ForgeOpenDialog *self);
GtkEditable       *forge_open_dialog_get_search_editable      (ForgeOpenDialog *self);
GtkScrolledWindow *forge_open_dialog_get_repository_scroller  (ForgeOpenDialog *self);
/* "list", "hint" (no token), or NULL while the keyring is asked. */
const char        *forge_open_dialog_get_repository_section   (ForgeOpenDialog *self);
/* The line under the rows: loading, an error, no match; NULL if none. */
const char        *forge_open_dialog_get_repository_status    (ForgeOpenDialog *self);
/* Whether the keyring or GitHub is being asked. */
gboolean           forge_open_dialog_get_repositories_loading (ForgeOpenDialog *self);
GtkWidget         *forge_open_dialog_get_try_again_button     (ForgeOpenDialog *self);

G_END_DECLS
