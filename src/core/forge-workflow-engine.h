/* forge-workflow-engine.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "forge-step-context.h"
#include "forge-workflow-error.h"

G_BEGIN_DECLS

#define FORGE_TYPE_WORKFLOW_ENGINE (forge_workflow_engine_get_type ())

G_DECLARE_FINAL_TYPE (ForgeWorkflowEngine, forge_workflow_engine, FORGE, WORKFLOW_ENGINE, GObject)

/* The body of a workflow function; runs on a worker thread and calls
 * forge_step_run() for each step. Returns the run's output. */
typedef JsonNode *(*ForgeWorkflowFunc) (ForgeStepContext  *ctx,
                                        JsonNode          *event_data,
                                        gpointer           user_data,
                                        GError           **error);

/* Signals, all emitted on the main context the engine was created on:
 *   run-started  (run_id, function_id, JsonNode *event_data)
 *   step         (run_id, step_id, state, attempt, duration_ms, error_message)
 *                state is "start", "complete", "error" or "memoized"
 *   progress     (run_id, step_id, fraction, text)
 *   log          (run_id, stream, line)
 *   run-finished (run_id, status, JsonNode *output, error_message)
 *                status is "completed", "failed" or "cancelled" */
ForgeWorkflowEngine *forge_workflow_engine_new        (void);
void                 forge_workflow_engine_register   (ForgeWorkflowEngine *self,
                                                       const char          *function_id,
                                                       const char          *event_name,
                                                       ForgeWorkflowFunc    func,
                                                       gpointer             user_data,
                                                       GDestroyNotify       destroy);
/* Starts a run of every function registered for event_name. Returns the
 * id of the first run started, or NULL when none is registered. */
char                *forge_workflow_engine_send       (ForgeWorkflowEngine *self,
                                                       const char          *event_name,
                                                       JsonNode            *data);
gboolean             forge_workflow_engine_cancel_run (ForgeWorkflowEngine *self,
                                                       const char          *run_id);
void                 forge_workflow_engine_cancel_all (ForgeWorkflowEngine *self);
guint                forge_workflow_engine_get_n_active (ForgeWorkflowEngine *self);

G_END_DECLS
