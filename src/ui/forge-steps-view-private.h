/* forge-steps-view-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-steps-view.h"

G_BEGIN_DECLS

/* For tests: what a reached step's row shows. */

/* The latest line under a running step, or NULL while its progress is
 * hidden. */
const char     *forge_steps_view_get_progress_line (ForgeStepsView *self,
                                                    const char     *step_id);
/* "0:42" while the step runs, else NULL. */
const char     *forge_steps_view_get_elapsed       (ForgeStepsView *self,
                                                    const char     *step_id);
GtkProgressBar *forge_steps_view_get_progress_bar  (ForgeStepsView *self,
                                                    const char     *step_id);
/* How often the bar pulsed since the step started: it moves while no
 * fraction is known. */
guint           forge_steps_view_get_n_pulses      (ForgeStepsView *self,
                                                    const char     *step_id);

G_END_DECLS
