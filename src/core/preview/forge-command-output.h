/* forge-command-output.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-run-env.h"
#include "forge-sandbox-manager.h"
#include "forge-step-context.h"

G_BEGIN_DECLS

/* What one command printed: its last lines (for error messages), the URL a
 * dev server announced, and where its lines go. Shared with the sandbox's
 * reader threads, which can outlive the run: a dev server keeps printing
 * after the run has handed it to the sandbox manager, and then its lines
 * go to the manager instead of the finished run. Thread-safe. */
typedef struct _ForgeCommandOutput ForgeCommandOutput;

/* @stream: "install" or "server" (a static string), the log its lines go
 * to; a "server" stream also looks for the URL the server prints. */
ForgeCommandOutput *forge_command_output_new             (ForgeStepContext    *ctx,
                                                          const char          *stream);
/* Masks @env's secret values (forge_run_env_mask()) in every line from
 * now on, before it is kept, looked at or passed on: a tool that prints
 * one shows "••••" in the log, the events, the journal's error tails and
 * headless output. Call it before the command starts. */
void                forge_command_output_set_env         (ForgeCommandOutput  *self,
                                                          ForgeRunEnv         *env);
ForgeCommandOutput *forge_command_output_ref             (ForgeCommandOutput  *self);
void                forge_command_output_unref           (ForgeCommandOutput  *self);
/* A ForgeSandboxLineFunc: @user_data is the ForgeCommandOutput. Called
 * from the sandbox's reader threads. Until the hand-over, a line that
 * says something (see forge_progress_line_summarize()) also becomes the
 * running step's progress. */
void                forge_command_output_line_cb         (ForgeSandboxStream   stream,
                                                          const char          *line,
                                                          gpointer             user_data);
/* From now on lines go to @manager's log for @project_id, not the run. */
void                forge_command_output_hand_over       (ForgeCommandOutput  *self,
                                                          ForgeSandboxManager *manager,
                                                          const char          *project_id);
/* The last lines, joined by newlines. */
char               *forge_command_output_dup_tail        (ForgeCommandOutput  *self);
/* The last line that is not empty, or NULL. */
char               *forge_command_output_dup_last_line   (ForgeCommandOutput  *self);
/* The first local URL a server printed, or NULL. */
char               *forge_command_output_dup_printed_url (ForgeCommandOutput  *self);
/* Sleeps up to @timeout_ms, or less when a line arrives: a server saying
 * where it listens is probed at once. */
void                forge_command_output_wait_line       (ForgeCommandOutput  *self,
                                                          guint                timeout_ms);
/* Whether one of the last lines holds @needle. */
gboolean            forge_command_output_contains        (ForgeCommandOutput  *self,
                                                          const char          *needle);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeCommandOutput, forge_command_output_unref)

G_END_DECLS
