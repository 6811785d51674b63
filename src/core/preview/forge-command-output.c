/* forge-command-output.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <string.h>

#include "forge-command-output.h"
#include "forge-progress-line.h"
#include "forge-util.h"

#define LOG_TAIL_LINES 20

struct _ForgeCommandOutput
{
  gatomicrefcount   ref_count;
  GMutex            mutex;
  GCond             changed;       /* a line arrived */
  guint64           n_lines;       /* ever, not just those in the tail */
  const char       *stream;        /* "install" or "server" */
  GQueue            tail;
  char             *printed_url;
  /* What the step shows of it: how much the shown line said, and the
   * fraction the tool last stated. */
  ForgeProgressLineKind shown_kind;
  double            fraction;
  ForgeStepContext *ctx;           /* while the run lasts */
  GWeakRef          manager;       /* after the hand-over */
  char             *project_id;
  ForgeRunEnv      *env;           /* set before lines come, then read only */
};

ForgeCommandOutput *
forge_command_output_new (ForgeStepContext *ctx,
                          const char       *stream)
{
  ForgeCommandOutput *output = g_new0 (ForgeCommandOutput, 1);

  g_atomic_ref_count_init (&output->ref_count);
  g_mutex_init (&output->mutex);
  g_cond_init (&output->changed);
  g_queue_init (&output->tail);
  g_weak_ref_init (&output->manager, NULL);
  output->stream = stream;
  output->ctx = g_object_ref (ctx);
  output->fraction = -1.0;

  return output;
}

void
forge_command_output_set_env (ForgeCommandOutput *output,
                              ForgeRunEnv        *env)
{
  g_mutex_lock (&output->mutex);
  g_clear_pointer (&output->env, forge_run_env_unref);
  output->env = env != NULL ? forge_run_env_ref (env) : NULL;
  g_mutex_unlock (&output->mutex);
}

ForgeCommandOutput *
forge_command_output_ref (ForgeCommandOutput *output)
{
  g_atomic_ref_count_inc (&output->ref_count);
  return output;
}

void
forge_command_output_unref (ForgeCommandOutput *output)
{
  if (!g_atomic_ref_count_dec (&output->ref_count))
    return;

  g_queue_clear_full (&output->tail, g_free);
  g_free (output->printed_url);
  g_clear_object (&output->ctx);
  g_weak_ref_clear (&output->manager);
  g_free (output->project_id);
  g_clear_pointer (&output->env, forge_run_env_unref);
  g_cond_clear (&output->changed);
  g_mutex_clear (&output->mutex);
  g_free (output);
}

void
forge_command_output_line_cb (ForgeSandboxStream  stream,
                              const char         *line,
                              gpointer            user_data)
{
  ForgeCommandOutput *output = user_data;
  g_autofree char *stripped = forge_strip_ansi (line);
  g_autofree char *plain = NULL;
  g_autofree char *url = NULL;
  g_autoptr(ForgeStepContext) ctx = NULL;
  g_autoptr(ForgeSandboxManager) manager = NULL;
  g_autofree char *project_id = NULL;
  ForgeProgressLineKind kind = FORGE_PROGRESS_LINE_NOISE;
  double fraction = -1.0;
  /* From the line as printed: its "\r" redraws matter there. */
  g_autofree char *summary = forge_progress_line_summarize (line, &kind, &fraction);

  /* Before anything else sees it: a secret must not reach the tail (and
   * so an error's log tail) nor a printed URL either. */
  g_mutex_lock (&output->mutex);
  plain = forge_run_env_mask (output->env, stripped);
  g_mutex_unlock (&output->mutex);

  if (g_str_equal (output->stream, "server"))
    url = forge_find_local_url (plain);

  g_mutex_lock (&output->mutex);
  g_queue_push_tail (&output->tail, g_strdup (plain));
  while (output->tail.length > LOG_TAIL_LINES)
    g_free (g_queue_pop_head (&output->tail));
  if (url != NULL && output->printed_url == NULL)
    output->printed_url = g_steal_pointer (&url);
  output->n_lines++;
  g_cond_broadcast (&output->changed);
  if (output->ctx != NULL)
    {
      ctx = g_object_ref (output->ctx);
      /* A warning flood must not hide "added 1234 packages": chatter
       * shows only until something better did. A fraction holds until
       * another status says otherwise. */
      if (summary != NULL && (kind > FORGE_PROGRESS_LINE_CHATTER || output->shown_kind <= FORGE_PROGRESS_LINE_CHATTER))
        {
          output->shown_kind = kind;
          if (fraction >= 0 || kind == FORGE_PROGRESS_LINE_STATUS)
            output->fraction = fraction;
          fraction = output->fraction;
        }
      else
        g_clear_pointer (&summary, g_free);
    }
  else
    {
      manager = g_weak_ref_get (&output->manager);
      project_id = g_strdup (output->project_id);
    }
  g_mutex_unlock (&output->mutex);

  if (ctx != NULL)
    {
      forge_step_context_log (ctx, output->stream, plain);
      if (summary != NULL)
        forge_step_context_progress_latest (ctx, fraction, summary);
    }
  else if (manager != NULL)
    forge_sandbox_manager_log (manager, project_id, output->stream, plain);
}

void
forge_command_output_hand_over (ForgeCommandOutput  *output,
                                ForgeSandboxManager *manager,
                                const char          *project_id)
{
  g_mutex_lock (&output->mutex);
  g_clear_object (&output->ctx);
  g_weak_ref_set (&output->manager, manager);
  g_free (output->project_id);
  output->project_id = g_strdup (project_id);
  g_mutex_unlock (&output->mutex);
}

char *
forge_command_output_dup_tail (ForgeCommandOutput *output)
{
  GString *text = g_string_new (NULL);

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.head; l != NULL; l = l->next)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, l->data);
    }
  g_mutex_unlock (&output->mutex);

  return g_string_free (text, FALSE);
}

char *
forge_command_output_dup_last_line (ForgeCommandOutput *output)
{
  char *line = NULL;

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.tail; l != NULL && line == NULL; l = l->prev)
    if (*(const char *) l->data != '\0')
      line = g_strdup (l->data);
  g_mutex_unlock (&output->mutex);

  return line;
}

char *
forge_command_output_dup_printed_url (ForgeCommandOutput *output)
{
  char *url;

  g_mutex_lock (&output->mutex);
  url = g_strdup (output->printed_url);
  g_mutex_unlock (&output->mutex);

  return url;
}

void
forge_command_output_wait_line (ForgeCommandOutput *output,
                                guint               timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint64 seen;

  g_mutex_lock (&output->mutex);
  seen = output->n_lines;
  while (output->n_lines == seen)
    if (!g_cond_wait_until (&output->changed, &output->mutex, end))
      break;
  g_mutex_unlock (&output->mutex);
}

gboolean
forge_command_output_contains (ForgeCommandOutput *output,
                               const char         *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.head; l != NULL && !found; l = l->next)
    found = strstr (l->data, needle) != NULL;
  g_mutex_unlock (&output->mutex);

  return found;
}
