/* forge-run-journal.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "forge-run-info.h"
#include "forge-run-status.h"

G_BEGIN_DECLS

#define FORGE_TYPE_RUN_JOURNAL (forge_run_journal_get_type ())

G_DECLARE_FINAL_TYPE (ForgeRunJournal, forge_run_journal, FORGE, RUN_JOURNAL, GObject)

/* The durable record of one workflow run, one JSON file per run:
 *
 *   { "version": 1, "run_id", "function_id",
 *     "event": { "name", "id", "ts" (ms since epoch), "data" },
 *     "status": "queued" | "running" | "completed" | "failed" | "cancelled"
 *               (forge_run_status_to_string()),
 *     "attempts": invocations of the function body so far,
 *     "stack": [ completed step ids, in completion order ],
 *     "steps": { step id: { "status": "completed" | "retrying" | "failed",
 *                           "attempt", "started_at", "ended_at", "duration_ms",
 *                           "output" | "error": { "domain", "code", "message",
 *                                                  "log_tail" (optional) } } },
 *     "output", "error" (the run's, once finished; a string),
 *     "error_log_tail" (optional, beside "error"),
 *     "created_at", "updated_at" (ms since epoch) }
 *
 * Error messages are one line; the output that explains them is the
 * "log_tail" beside them. Journals from before that kept both in the
 * message, "summary\ntail": they are split as they are loaded.
 *
 * All methods are thread safe: a run's worker thread records steps while
 * the main context records status changes. */

ForgeRunJournal *forge_run_journal_new               (const char        *path,
                                                      const char        *run_id,
                                                      const char        *function_id,
                                                      const char        *event_name,
                                                      JsonNode          *event_data);
/* Fails with G_FILE_ERROR or JSON_PARSER_ERROR / G_IO_ERROR_INVALID_DATA
 * when the file is missing, truncated or not a run journal. */
ForgeRunJournal *forge_run_journal_load              (const char        *path,
                                                      GError           **error);
/* Writes the file atomically. */
gboolean         forge_run_journal_save              (ForgeRunJournal   *self,
                                                      GError           **error);

const char      *forge_run_journal_get_path          (ForgeRunJournal   *self);
const char      *forge_run_journal_get_run_id        (ForgeRunJournal   *self);
const char      *forge_run_journal_get_function_id   (ForgeRunJournal   *self);
JsonNode        *forge_run_journal_dup_event_data    (ForgeRunJournal   *self);
ForgeRunStatus   forge_run_journal_get_status        (ForgeRunJournal   *self);
void             forge_run_journal_set_status        (ForgeRunJournal   *self,
                                                      ForgeRunStatus     status);
gint64           forge_run_journal_get_created_at    (ForgeRunJournal   *self);
gint64           forge_run_journal_get_updated_at    (ForgeRunJournal   *self);
guint            forge_run_journal_get_attempts      (ForgeRunJournal   *self);
/* Counts one more invocation of the function body; returns the new count. */
guint            forge_run_journal_add_attempt       (ForgeRunJournal   *self);

/* TRUE when step_id has finished for good: then either *output holds its
 * stored output, or *output is NULL and error holds its stored final error
 * and *log_tail (if not NULL) its log tail or NULL. attempt and
 * duration_ms receive the stored values. */
gboolean         forge_run_journal_lookup_step       (ForgeRunJournal   *self,
                                                      const char        *step_id,
                                                      JsonNode         **output,
                                                      GError           **error,
                                                      char             **log_tail,
                                                      guint             *attempt,
                                                      gint64            *duration_ms);
/* Failed attempts recorded so far for a step not yet finished. */
guint            forge_run_journal_get_step_failures (ForgeRunJournal   *self,
                                                      const char        *step_id);
void             forge_run_journal_complete_step     (ForgeRunJournal   *self,
                                                      const char        *step_id,
                                                      guint              attempt,
                                                      gint64             started_at,
                                                      gint64             duration_ms,
                                                      JsonNode          *output);
/* final: the step will not be tried again (non-retriable or no attempts
 * left); otherwise it is recorded as "retrying". error's message is one
 * line; log_tail (may be NULL) is what explains it. */
void             forge_run_journal_fail_step         (ForgeRunJournal   *self,
                                                      const char        *step_id,
                                                      guint              attempt,
                                                      gint64             started_at,
                                                      gint64             duration_ms,
                                                      const GError      *error,
                                                      const char        *log_tail,
                                                      gboolean           final);
/* Forgets the steps that failed for good and the run's result, so that a
 * new attempt runs them again; completed steps stay memoized. Returns the
 * number of steps forgotten. */
guint            forge_run_journal_clear_failures    (ForgeRunJournal   *self);
void             forge_run_journal_set_result        (ForgeRunJournal   *self,
                                                      JsonNode          *output,
                                                      const char        *error_message,
                                                      const char        *error_log_tail);
/* A snapshot of the record, typed. */
ForgeRunInfo    *forge_run_journal_dup_info          (ForgeRunJournal   *self);

/* json_node_copy() shares objects and arrays; this does not. */
JsonNode        *forge_json_node_deep_copy           (JsonNode          *node);

/* Splits an error message into its first line (*summary) and the lines
 * after it, joined with log_tail if that is not NULL (*tail, NULL when
 * there is nothing). A message is one line wherever it is shown or
 * stored; what a command printed goes beside it. */
void             forge_workflow_split_message        (const char        *message,
                                                      const char        *log_tail,
                                                      char             **summary,
                                                      char             **tail);

G_END_DECLS
