/* forge-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-application.h"
#include "forge-project-view.h"

G_BEGIN_DECLS

#define FORGE_TYPE_WINDOW (forge_window_get_type ())

G_DECLARE_FINAL_TYPE (ForgeWindow, forge_window, FORGE, WINDOW, AdwApplicationWindow)

ForgeWindow      *forge_window_new               (ForgeApplication *application);
void              forge_window_show_uri          (ForgeWindow      *self,
                                                  const char       *uri);
/* Starts clone-and-preview for repository_url and shows its project.
 * Returns FALSE (after telling the person why) for a malformed URL. */
gboolean          forge_window_open_repository   (ForgeWindow      *self,
                                                  const char       *repository_url);
/* The same, running the project in @backend (a ForgeSandboxProviders
 * name; NULL for its own, or the default for a new one). A project
 * already up is only shown: its backend changes with its next run. */
gboolean          forge_window_open_repository_on (ForgeWindow     *self,
                                                   const char      *repository_url,
                                                   const char      *backend);
/* A toast: one line that says what happened and what to do. */
void              forge_window_show_message      (ForgeWindow      *self,
                                                  const char       *message);
/* Stops the project, deletes its workspace (clone and packages) and
 * forgets it. The window asks for confirmation before calling this. */
void              forge_window_remove_project    (ForgeWindow      *self,
                                                  const char       *project_id);
/* The page of a project, or NULL when it has none yet. */
ForgeProjectView *forge_window_get_project_view  (ForgeWindow      *self,
                                                  const char       *project_id);
ForgeProjectView *forge_window_get_visible_project_view (ForgeWindow *self);

G_END_DECLS
