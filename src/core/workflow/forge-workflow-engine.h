/* forge-workflow-engine.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "forge-run-info.h"
#include "forge-run-status.h"
#include "forge-step-context.h"
#include "forge-step-state.h"
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

/* A durable, in-process engine with Inngest semantics.
 *
 * Sending an event starts a run of every function registered for its name.
 * A run invokes the function body on a worker thread; each
 * forge_step_run() is journaled (see forge-run-journal.h for the format)
 * under <state dir>/runs/<run id>.json before the next step starts. A
 * failing step is retried with exponential backoff by invoking the body
 * again from the top: completed steps return their stored output. Runs
 * left unfinished by a previous process continue from their last completed
 * step after forge_workflow_engine_resume().
 *
 * Concurrency: at most `concurrency` invocations of a function execute at
 * once; as a body runs its steps one after the other, this bounds the
 * steps executing at once. A run waiting for its backoff holds no slot and
 * no thread; queued runs start in order as slots free.
 *
 * Signals, all emitted on the main context the engine was created on:
 *   run-started   (run_id, function_id, JsonNode *event_data)
 *                 once per run and process: on its first invocation here
 *   step          (run_id, step_id, ForgeStepState state, attempt,
 *                 duration_ms, error_message); attempt is 1-based; the
 *                 message is one line (the log tail behind it is in the
 *                 run's ForgeRunInfo)
 *   progress      (run_id, step_id, fraction, text)
 *   log           (run_id, stream, line)
 *   run-status    (run_id, ForgeRunStatus status): every journaled status
 *                 change
 *   run-finished  (run_id, ForgeRunStatus status, JsonNode *output,
 *                 error_message): once per run end; status is
 *                 FORGE_RUN_STATUS_COMPLETED, _FAILED or _CANCELLED; the
 *                 message is one line, the log tail behind it is
 *                 forge_run_info_get_error_log_tail() of
 *                 forge_workflow_engine_dup_run_info()
 *   journal-error (path, error_message): a journal file that cannot be
 *                 read (truncated, corrupt); it is skipped */

/* Journals go to forge_state_dir()/runs, read now. Runs whose journal was
 * last updated more than 30 days ago are deleted here. */
ForgeWorkflowEngine *forge_workflow_engine_new        (void);
/* Same with journals in directory (tests). */
ForgeWorkflowEngine *forge_workflow_engine_new_for_directory (const char *directory);
void                 forge_workflow_engine_register   (ForgeWorkflowEngine *self,
                                                       const char          *function_id,
                                                       const char          *event_name,
                                                       ForgeWorkflowFunc    func,
                                                       gpointer             user_data,
                                                       GDestroyNotify       destroy);
/* retries: attempts after the first one for each step (default 4, at most
 * 20); concurrency: invocations executing at once (default 5, at least 1). */
void                 forge_workflow_engine_set_function_options (ForgeWorkflowEngine *self,
                                                                 const char          *function_id,
                                                                 guint                retries,
                                                                 guint                concurrency);
/* Sending event_name with data[data_key] equal to an unfinished run's
 * event data[data_key] cancels that run (before the event starts runs of
 * its own). */
void                 forge_workflow_engine_add_cancel_on (ForgeWorkflowEngine *self,
                                                          const char          *function_id,
                                                          const char          *event_name,
                                                          const char          *data_key);
/* The delay before retry n is base_ms * 2^(n-1), capped at max_ms, plus a
 * jitter below base_ms / 2. Defaults: 1000 ms, 60000 ms. */
void                 forge_workflow_engine_set_backoff (ForgeWorkflowEngine *self,
                                                        guint                base_ms,
                                                        guint                max_ms);
/* Starts a run of every function registered for event_name (the event
 * gets an id and a timestamp in each run's journal). Returns the id of the
 * first run started, or NULL when none is registered. */
char                *forge_workflow_engine_send       (ForgeWorkflowEngine *self,
                                                       const char          *event_name,
                                                       JsonNode            *data);
/* Cancels a queued, running or backing-off run: its cancellable is
 * cancelled, later steps do not run, its journal says "cancelled". */
gboolean             forge_workflow_engine_cancel_run (ForgeWorkflowEngine *self,
                                                       const char          *run_id);
void                 forge_workflow_engine_cancel_all (ForgeWorkflowEngine *self);
/* Runs queued, running or waiting for a retry in this process. */
guint                forge_workflow_engine_get_n_active (ForgeWorkflowEngine *self);

/* Call once the functions are registered: queues every journaled run left
 * "queued" or "running" by an earlier process whose function is
 * registered. Returns their ids (NULL-terminated, oldest first); each
 * also gets run-started when it starts. */
char               **forge_workflow_engine_resume     (ForgeWorkflowEngine *self);
/* The id of a run of function_id, active here or left unfinished on disk,
 * whose event data has data_key == value (a string); NULL if none. */
char                *forge_workflow_engine_find_unfinished_run (ForgeWorkflowEngine *self,
                                                                const char          *function_id,
                                                                const char          *data_key,
                                                                const char          *value);
/* Queues an unfinished journaled run again; TRUE if it is active now. */
gboolean             forge_workflow_engine_resume_run (ForgeWorkflowEngine *self,
                                                       const char          *run_id,
                                                       GError             **error);
/* Starts a new attempt of a failed or cancelled run: completed steps stay
 * memoized, the failed step runs again with fresh attempts. */
gboolean             forge_workflow_engine_retry_run  (ForgeWorkflowEngine *self,
                                                       const char          *run_id,
                                                       GError             **error);
/* The runs (ForgeRunInfo) whose event data has data_key == value (a
 * string), or all when data_key is NULL; newest first. Read from the
 * journals now (unreadable ones are skipped and reported), then kept up to
 * date on the engine's context for as long as the list lives: a run sent
 * here joins it, and a run's item is replaced by a newer snapshot as its
 * status changes and its steps finish. */
GListModel          *forge_workflow_engine_list_runs  (ForgeWorkflowEngine *self,
                                                       const char          *data_key,
                                                       const char          *value);
/* A snapshot of one run, active here or journaled; NULL when there is no
 * such run (or its journal is unreadable). */
ForgeRunInfo        *forge_workflow_engine_dup_run_info (ForgeWorkflowEngine *self,
                                                         const char          *run_id);

G_END_DECLS
