/* forge-run-info.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "forge-run-status.h"
#include "forge-step-info.h"

G_BEGIN_DECLS

#define FORGE_TYPE_RUN_INFO (forge_run_info_get_type ())

G_DECLARE_FINAL_TYPE (ForgeRunInfo, forge_run_info, FORGE, RUN_INFO, GObject)

/* A workflow run as its journal records it, at one moment: a snapshot
 * whose properties never change. The engine's run lists
 * (forge_workflow_engine_list_runs()) replace a run's snapshot with a newer
 * one as the run goes on; forge_workflow_engine_dup_run_info() takes one. */
const char     *forge_run_info_get_run_id         (ForgeRunInfo *self);
const char     *forge_run_info_get_function_id    (ForgeRunInfo *self);
ForgeRunStatus  forge_run_info_get_status         (ForgeRunInfo *self);
/* The event that started the run: its data, not to be modified. */
JsonNode       *forge_run_info_get_event_data     (ForgeRunInfo *self);
/* Milliseconds since the epoch; finished_at is 0 until the run finished. */
gint64          forge_run_info_get_created_at     (ForgeRunInfo *self);
gint64          forge_run_info_get_finished_at    (ForgeRunInfo *self);
/* Invocations of the function body so far. */
guint           forge_run_info_get_attempts       (ForgeRunInfo *self);
/* Why a failed or cancelled run ended: one line, without a newline. */
const char     *forge_run_info_get_error_message  (ForgeRunInfo *self);
/* The output behind that error (the last lines a failing command printed),
 * or NULL. */
const char     *forge_run_info_get_error_log_tail (ForgeRunInfo *self);
/* ForgeStepInfo items, in the order the run first reached them. */
GListModel     *forge_run_info_get_steps          (ForgeRunInfo *self);
/* The step with that id (as the step signal names it), or NULL. */
ForgeStepInfo  *forge_run_info_lookup_step        (ForgeRunInfo *self,
                                                   const char   *step_id);

G_END_DECLS
