/* forge-step-context-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-run-journal.h"
#include "forge-step-context.h"
#include "forge-step-state.h"

G_BEGIN_DECLS

typedef struct _ForgeWorkflowEngine ForgeWorkflowEngine;

/* journal may be NULL (nothing is memoized then); max_attempts is the
 * function's retries + 1. */
ForgeStepContext *_forge_step_context_new (ForgeWorkflowEngine *engine,
                                           const char          *run_id,
                                           const char          *function_id,
                                           JsonNode            *event_data,
                                           GCancellable        *cancellable,
                                           ForgeRunJournal     *journal,
                                           guint                max_attempts);
/* Called by the engine when the invocation is over (the engine may go
 * after that): later log lines and progress are dropped. Any thread may
 * still hold a reference. */
void     _forge_step_context_close        (ForgeStepContext    *ctx);
/* After the function body returned: TRUE when a step failed and asked to
 * be tried again; *failures receives how often that step has failed. */
gboolean _forge_step_context_get_retry    (ForgeStepContext    *ctx,
                                           guint               *failures);
/* After the function body returned: TRUE when a step failed for good. */
gboolean _forge_step_context_step_failed  (ForgeStepContext    *ctx);
/* After the function body returned: the log tail of the step that failed
 * for good, or NULL. */
char    *_forge_step_context_dup_error_log_tail (ForgeStepContext *ctx);

/* Implemented by the engine: events leave the worker thread here. */
GMainContext *_forge_workflow_engine_get_context (ForgeWorkflowEngine *engine);
void _forge_workflow_engine_emit_step     (ForgeWorkflowEngine *engine,
                                           const char          *run_id,
                                           const char          *step_id,
                                           ForgeStepState       state,
                                           guint                attempt,
                                           gint64               duration_ms,
                                           const char          *error_message);
void _forge_workflow_engine_emit_log      (ForgeWorkflowEngine *engine,
                                           const char          *run_id,
                                           const char          *stream,
                                           const char          *line);
void _forge_workflow_engine_emit_progress (ForgeWorkflowEngine *engine,
                                           const char          *run_id,
                                           const char          *step_id,
                                           double               fraction,
                                           const char          *text);

G_END_DECLS
