/* forge-project-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "forge-log-view.h"
#include "forge-preview-session.h"
#include "forge-preview.h"
#include "forge-runs-view.h"
#include "forge-project.h"
#include "forge-steps-view.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PROJECT_VIEW (forge_project_view_get_type ())

G_DECLARE_FINAL_TYPE (ForgeProjectView, forge_project_view, FORGE, PROJECT_VIEW, GtkWidget)

/* One project's page: its workflow steps while it starts, then its live
 * preview, with the log below and a banner when something failed. With
 * a session it shows what the session reports.
 * Emits "retry" when the person asks to run the workflow again, and
 * "restart-sandbox" / "stop-sandbox" for the sandbox.restart and
 * sandbox.stop actions of its preview's menu. */
GtkWidget      *forge_project_view_new            (ForgeProject     *project);
GtkWidget      *forge_project_view_new_for_session (ForgePreviewSession *session);
ForgeProject   *forge_project_view_get_project    (ForgeProjectView *self);
/* NULL for a view made for a bare project. */
ForgePreviewSession *forge_project_view_get_session (ForgeProjectView *self);
ForgePreview   *forge_project_view_get_preview    (ForgeProjectView *self);
ForgeStepsView *forge_project_view_get_steps_view (ForgeProjectView *self);
ForgeLogView   *forge_project_view_get_log_view   (ForgeProjectView *self);
void            forge_project_view_begin_run      (ForgeProjectView *self);
void            forge_project_view_show_preview   (ForgeProjectView *self,
                                                   const char       *url);
/* message: one line. log_tail: the output behind it (the run info's), or
 * NULL; it goes to the banner's tooltip. */
void            forge_project_view_show_error     (ForgeProjectView *self,
                                                   const char       *message);
void            forge_project_view_show_error_with_log (ForgeProjectView *self,
                                                        const char       *message,
                                                        const char       *log_tail);
/* Automatic restarts stopped: the banner offers a restart by hand. */
void            forge_project_view_show_gave_up   (ForgeProjectView *self,
                                                   const char       *message);
void            forge_project_view_hide_banner    (ForgeProjectView *self);
gboolean        forge_project_view_get_banner_visible (ForgeProjectView *self);
ForgeRunsView  *forge_project_view_get_runs_view  (ForgeProjectView *self);
gboolean        forge_project_view_get_show_runs  (ForgeProjectView *self);
void            forge_project_view_set_show_runs  (ForgeProjectView *self,
                                                   gboolean          show_runs);
gboolean        forge_project_view_get_show_log   (ForgeProjectView *self);
void            forge_project_view_set_show_log   (ForgeProjectView *self,
                                                   gboolean          show_log);

G_END_DECLS
