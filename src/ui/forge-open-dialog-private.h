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

G_END_DECLS
