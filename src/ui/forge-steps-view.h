/* forge-steps-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "forge-step-state.h"

G_BEGIN_DECLS

#define FORGE_TYPE_STEPS_VIEW (forge_steps_view_get_type ())

G_DECLARE_FINAL_TYPE (ForgeStepsView, forge_steps_view, FORGE, STEPS_VIEW, GtkWidget)

/* One row per workflow step: a spinner while it runs, then its duration
 * (or "memoized") or its error; "Skipped" for steps a failed run never
 * reached. Rows take no focus: they only show progress.
 *
 * A running step shows the time so far ("0:42") beside its title, and,
 * once it reported progress or ran a second, its latest line (one line,
 * ellipsized, the whole of it in the tooltip) over a bar: determinate
 * when the last report had a fraction, else pulsing. The clock and the
 * pulse run only while the list is mapped. */
GtkWidget  *forge_steps_view_new          (void);
void        forge_steps_view_reset        (ForgeStepsView     *self,
                                           const char * const *step_ids);
void        forge_steps_view_update       (ForgeStepsView     *self,
                                           const char         *step_id,
                                           ForgeStepState      state,
                                           guint               attempt,
                                           gint64              duration_ms,
                                           const char         *error_message);
/* @fraction in [0,1], or < 0 when unknown; @text NULL keeps the line.
 * Ignored unless the step runs. */
void        forge_steps_view_set_progress (ForgeStepsView     *self,
                                           const char         *step_id,
                                           double              fraction,
                                           const char         *text);
/* FALSE when step_id has not been reached; *state is then left alone. */
gboolean    forge_steps_view_get_state    (ForgeStepsView     *self,
                                           const char         *step_id,
                                           ForgeStepState     *state);
/* The run ended: steps it never reached show as skipped, not pending. */
void        forge_steps_view_skip_unreached (ForgeStepsView   *self);
gboolean    forge_steps_view_get_skipped  (ForgeStepsView     *self,
                                           const char         *step_id);
/* The line under the step's title (a duration, an error, "Skipped"), or
 * NULL when there is none. */
const char *forge_steps_view_get_detail   (ForgeStepsView     *self,
                                           const char         *step_id);
/* Whether any step was reached since the last reset. */
gboolean    forge_steps_view_get_any_reached (ForgeStepsView  *self);

G_END_DECLS
