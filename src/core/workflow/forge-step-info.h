/* forge-step-info.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "forge-step-state.h"

G_BEGIN_DECLS

#define FORGE_TYPE_STEP_INFO (forge_step_info_get_type ())

G_DECLARE_FINAL_TYPE (ForgeStepInfo, forge_step_info, FORGE, STEP_INFO, GObject)

/* One step of a workflow run as its journal records it, at one moment: a
 * snapshot whose properties never change (a newer snapshot replaces it).
 *
 * state is FORGE_STEP_STATE_COMPLETE for a step that finished, or
 * FORGE_STEP_STATE_ERROR for one whose last attempt failed (for good, or
 * to be tried again: see get_will_retry()). */
const char     *forge_step_info_get_step_id        (ForgeStepInfo *self);
ForgeStepState  forge_step_info_get_state          (ForgeStepInfo *self);
/* 1-based: the attempt that completed, or that failed last. */
guint           forge_step_info_get_attempt        (ForgeStepInfo *self);
/* Milliseconds since the epoch; 0 when the journal does not say. */
gint64          forge_step_info_get_started_at     (ForgeStepInfo *self);
gint64          forge_step_info_get_duration_ms    (ForgeStepInfo *self);
/* TRUE for a failed attempt that the engine will try again. */
gboolean        forge_step_info_get_will_retry     (ForgeStepInfo *self);
/* One line, without a newline; NULL unless the state is an error. */
const char     *forge_step_info_get_error_message  (ForgeStepInfo *self);
/* The last lines of output behind the error (a command's), or NULL. */
const char     *forge_step_info_get_error_log_tail (ForgeStepInfo *self);

G_END_DECLS
