/* forge-project-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "forge-preview-session.h"
#include "forge-project.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PROJECT_ROW (forge_project_row_get_type ())

G_DECLARE_FINAL_TYPE (ForgeProjectRow, forge_project_row, FORGE, PROJECT_ROW, GtkListBoxRow)

/* A project in the sidebar: its name, its address and its state, which
 * is its session's when it has one and "Stopped" before (a project saved
 * by an earlier run of the app has nothing running). Screen readers hear
 * "name, state". Its context menu (right click, long press, Menu or
 * Shift+F10) offers Start and Remove… through win.start-project and
 * win.remove-project. */
GtkWidget           *forge_project_row_new             (ForgeProject        *project);
ForgeProject        *forge_project_row_get_project     (ForgeProjectRow     *self);
const char          *forge_project_row_get_project_id  (ForgeProjectRow     *self);
ForgePreviewSession *forge_project_row_get_session     (ForgeProjectRow     *self);
void                 forge_project_row_set_session     (ForgeProjectRow     *self,
                                                        ForgePreviewSession *session);
/* What the row says of the project's state ("Stopped", "Running"…). */
const char          *forge_project_row_get_state_label (ForgeProjectRow     *self);
/* The context menu, at the row (what Menu and Shift+F10 do). */
void                 forge_project_row_popup_menu      (ForgeProjectRow     *self);
GtkPopover          *forge_project_row_get_menu        (ForgeProjectRow     *self);

G_END_DECLS
