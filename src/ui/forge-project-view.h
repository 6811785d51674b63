/* forge-project-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "forge-environment-page.h"
#include "forge-log-view.h"
#include "forge-preview-session.h"
#include "forge-preview.h"
#include "forge-runs-view.h"
#include "forge-project.h"
#include "forge-steps-view.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PROJECT_VIEW (forge_project_view_get_type ())

G_DECLARE_FINAL_TYPE (ForgeProjectView, forge_project_view, FORGE, PROJECT_VIEW, GtkWidget)

/* One project's page, one per state of its session, each with one
 * primary action that calls the session:
 *   "preparing"  a run under way: the current step, the last log line,
 *                the time so far and the steps; Cancel
 *   "failed"     the cause in one line and the output behind it; Try
 *                Again (and Show Log)
 *   "choose-app" a monorepo's apps, one row each (name, folder,
 *                framework), the project's own checked: after a run
 *                that failed for want of a choice, or project.choose-app;
 *                a row's project.use-app keeps it and runs it
 *   "stopped"    stopped by hand, or never started in this session of
 *                the app; Start
 *   "gave-up"    the sandbox manager stopped restarting it; Restart
 *   "preview"    the live preview (also while it is being restored)
 *   "runs"       the project's runs, while show-runs is set
 *   "environment" its variables and command overrides, while
 *                show-environment is set
 * The log sits below, in a pane of its own, while show-log is set.
 * Actions: project.cancel, project.retry, project.start,
 * project.restart, sandbox.restart, sandbox.stop, project.choose-app,
 * project.use-app (a folder), project.leave-apps, and the stateful
 * project.show-log, project.show-runs and project.show-environment. */
GtkWidget      *forge_project_view_new            (ForgeProject     *project);
GtkWidget      *forge_project_view_new_for_session (ForgePreviewSession *session);
ForgeProject   *forge_project_view_get_project    (ForgeProjectView *self);
/* NULL for a view made for a bare project: its actions do nothing. */
ForgePreviewSession *forge_project_view_get_session (ForgeProjectView *self);
ForgePreview   *forge_project_view_get_preview    (ForgeProjectView *self);
ForgeStepsView *forge_project_view_get_steps_view (ForgeProjectView *self);
ForgeLogView   *forge_project_view_get_log_view   (ForgeProjectView *self);
/* The page shown: one of the names above. */
const char     *forge_project_view_get_page       (ForgeProjectView *self);
/* The view follows its session on its own; these show a page by hand. */
void            forge_project_view_begin_run      (ForgeProjectView *self);
void            forge_project_view_show_preview   (ForgeProjectView *self,
                                                   const char       *url);
/* message: the cause, one line (NULL: a generic one). log_tail: the
 * output behind it (the run info's), or NULL. */
void            forge_project_view_show_failed    (ForgeProjectView *self,
                                                   const char       *message,
                                                   const char       *log_tail);
/* message: why, or NULL. */
void            forge_project_view_show_stopped   (ForgeProjectView *self,
                                                   const char       *message);
/* Automatic restarts stopped: the page offers a restart by hand. */
void            forge_project_view_show_gave_up   (ForgeProjectView *self,
                                                   const char       *message);
ForgeRunsView  *forge_project_view_get_runs_view  (ForgeProjectView *self);
gboolean        forge_project_view_get_show_runs  (ForgeProjectView *self);
void            forge_project_view_set_show_runs  (ForgeProjectView *self,
                                                   gboolean          show_runs);
gboolean        forge_project_view_get_show_environment (ForgeProjectView *self);
void            forge_project_view_set_show_environment (ForgeProjectView *self,
                                                         gboolean          show_environment);
ForgeEnvironmentPage *forge_project_view_get_environment_page (ForgeProjectView *self);
gboolean        forge_project_view_get_show_log   (ForgeProjectView *self);
/* Showing the log scrolls it to its newest line. */
void            forge_project_view_set_show_log   (ForgeProjectView *self,
                                                   gboolean          show_log);

G_END_DECLS
