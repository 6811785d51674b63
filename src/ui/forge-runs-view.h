/* forge-runs-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FORGE_TYPE_RUNS_VIEW (forge_runs_view_get_type ())

G_DECLARE_FINAL_TYPE (ForgeRunsView, forge_runs_view, FORGE, RUNS_VIEW, GtkWidget)

/* A project's workflow runs: status, when (relative: "2 minutes ago"),
 * attempts, each step (titled as on the steps page, in the order the
 * steps ran) with its duration or error, and Try Again on a failed run
 * (the "retry" signal with the run id; memoized steps are reused). */
GtkWidget *forge_runs_view_new      (void);
/* runs: ForgeRunInfo, newest first (forge_workflow_engine_list_runs()); the
 * view follows its changes. */
void       forge_runs_view_set_runs (ForgeRunsView *self,
                                     GListModel    *runs);
guint      forge_runs_view_get_n_runs (ForgeRunsView *self);

G_END_DECLS
