/* forge-step-context.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define FORGE_TYPE_STEP_CONTEXT (forge_step_context_get_type ())

G_DECLARE_FINAL_TYPE (ForgeStepContext, forge_step_context, FORGE, STEP_CONTEXT, GObject)

/* A step returns its output (a JsonNode, owned by the caller) or NULL with
 * error set. It runs on a worker thread. */
typedef JsonNode *(*ForgeStepFunc) (ForgeStepContext  *ctx,
                                    gpointer           user_data,
                                    GError           **error);

/* Runs one step of a workflow run, Inngest style. A step that completed in
 * an earlier invocation of the run (a retry, or a resume after a crash) is
 * not run again: its stored output is returned and a "memoized" step event
 * is emitted. Otherwise the step runs, emitting "start" and then
 * "complete" or "error" (see ForgeStepState) with its 1-based attempt number, and its output or
 * error is written to the run's journal before this returns.
 *
 * When the step fails with a retriable error and attempts are left, the
 * error is returned and forge_step_context_will_retry() becomes TRUE: the
 * function body should return the error at once; the engine invokes it
 * again from the top after a backoff. Later forge_step_run() calls in the
 * same invocation fail without running their step.
 *
 * Returns a new reference to the output (a deep copy for memoized steps). */
JsonNode     *forge_step_run                      (ForgeStepContext  *ctx,
                                                   const char        *step_id,
                                                   ForgeStepFunc      func,
                                                   gpointer           user_data,
                                                   GError           **error);

const char   *forge_step_context_get_run_id       (ForgeStepContext  *ctx);
const char   *forge_step_context_get_function_id  (ForgeStepContext  *ctx);
JsonNode     *forge_step_context_get_event_data   (ForgeStepContext  *ctx);
/* Cancelled when the run is cancelled; pass it to every blocking call. */
GCancellable *forge_step_context_get_cancellable  (ForgeStepContext  *ctx);
/* stream: "install", "server", "git" … Delivered on the main context. */
void          forge_step_context_log              (ForgeStepContext  *ctx,
                                                   const char        *stream,
                                                   const char        *line);
/* TRUE once a step of this invocation failed and the run will be retried:
 * the body may skip cleanup that only makes sense when the run fails. */
gboolean      forge_step_context_will_retry       (ForgeStepContext  *ctx);
/* For a step failing because of something it ran: sets error from domain,
 * code and format (one line) like g_set_error(), and keeps log_tail (what
 * the command printed last; may be NULL) beside that message, in the
 * journal and the run's ForgeRunInfo, rather than in it. Call it from the
 * step function, then return NULL. A step's error message is cut to its
 * first line in any case: the lines after it go to the log tail. */
void          forge_step_context_fail_with_log    (ForgeStepContext  *ctx,
                                                   GError           **error,
                                                   const char        *log_tail,
                                                   GQuark             domain,
                                                   int                code,
                                                   const char        *format,
                                                   ...) G_GNUC_PRINTF (6, 7);
/* fraction in [0,1], or < 0 when unknown. */
void          forge_step_context_progress         (ForgeStepContext  *ctx,
                                                   double             fraction,
                                                   const char        *text);
/* The same for reports that can come in a flood (a line of a command's
 * output each): at most ~10 a second reach the main context, and the
 * latest one always does, by a timer or at the latest just before the
 * step's own end event. Reports after the step returned are dropped. Any
 * thread. */
void          forge_step_context_progress_latest  (ForgeStepContext  *ctx,
                                                   double             fraction,
                                                   const char        *text);

G_END_DECLS
