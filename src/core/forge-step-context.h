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

/* Runs one step of a workflow run: emits its start and end events, records
 * its output. Returns a new reference to the output. */
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
/* The step currently executing, or NULL between steps. */
const char   *forge_step_context_get_current_step (ForgeStepContext  *ctx);
/* stream: "install", "server", "git" … Delivered on the main context. */
void          forge_step_context_log              (ForgeStepContext  *ctx,
                                                   const char        *stream,
                                                   const char        *line);
/* fraction in [0,1], or < 0 when unknown. */
void          forge_step_context_progress         (ForgeStepContext  *ctx,
                                                   double             fraction,
                                                   const char        *text);

G_END_DECLS
