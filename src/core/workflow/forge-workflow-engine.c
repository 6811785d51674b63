/* forge-workflow-engine.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "forge-run-journal.h"
#include "forge-step-context-private.h"
#include "forge-util.h"
#include "forge-workflow-engine-private.h"

G_DEFINE_QUARK (forge-workflow-error-quark, forge_workflow_error)

#define DEFAULT_RETRIES      4
#define MAX_RETRIES          20
#define DEFAULT_CONCURRENCY  5
#define DEFAULT_BACKOFF_BASE 1000
#define DEFAULT_BACKOFF_MAX  60000
#define PRUNE_AGE_MS         ((gint64) 30 * 24 * 60 * 60 * 1000)

typedef struct
{
  char *event_name;
  char *data_key;
} CancelOn;

typedef struct
{
  char              *id;
  char              *event_name;
  ForgeWorkflowFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;
  guint              retries;
  guint              concurrency;
  guint              active;      /* invocations executing */
  GQueue             pending;     /* Run *, waiting for a slot, in order */
  GPtrArray         *cancel_on;   /* CancelOn * */
} Function;

typedef enum
{
  RUN_QUEUED,
  RUN_RUNNING,
  RUN_BACKING_OFF,
} RunState;

typedef struct
{
  ForgeWorkflowEngine *engine;    /* unowned: runs die with the engine */
  char                *id;
  Function            *function;
  JsonNode            *event_data;
  GCancellable        *cancellable;
  ForgeRunJournal     *journal;
  RunState             state;
  GSource             *backoff;
  guint                body_failures;
  int                  lock_fd;
  gboolean             announced;
  gboolean             finished;
} Run;

typedef struct
{
  Run              *run;
  ForgeStepContext *ctx;
} Invocation;

/* A list handed out by forge_workflow_engine_list_runs(): the engine keeps
 * it up to date for as long as someone holds it. */
typedef struct
{
  GWeakRef  store;                /* GListStore of ForgeRunInfo, newest first */
  char     *data_key;             /* NULL: every run */
  JsonNode *value;
} RunList;

struct _ForgeWorkflowEngine
{
  GObject       parent_instance;
  GMainContext *context;
  char         *directory;
  GPtrArray    *functions;
  GHashTable   *runs;             /* run id → Run *: queued, running or backing off */
  GHashTable   *reported;         /* paths of unreadable journals already reported */
  ForgeBatcher *events;           /* Emission *, from worker threads */
  GPtrArray    *run_lists;        /* RunList * */
  guint         backoff_base_ms;
  guint         backoff_max_ms;
};

enum {
  PROP_0,
  PROP_DIRECTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  RUN_STARTED,
  STEP,
  PROGRESS,
  LOG,
  RUN_STATUS,
  RUN_FINISHED,
  JOURNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeWorkflowEngine, forge_workflow_engine, G_TYPE_OBJECT)

static void
cancel_on_free (CancelOn *cancel_on)
{
  g_free (cancel_on->event_name);
  g_free (cancel_on->data_key);
  g_free (cancel_on);
}

static void
function_free (Function *function)
{
  if (function->destroy != NULL)
    function->destroy (function->user_data);
  g_queue_clear (&function->pending);
  g_ptr_array_unref (function->cancel_on);
  g_free (function->id);
  g_free (function->event_name);
  g_free (function);
}

static char *
lock_path (ForgeWorkflowEngine *self,
           const char          *run_id)
{
  g_autofree char *name = g_strconcat (run_id, ".lock", NULL);

  return g_build_filename (self->directory, name, NULL);
}

/* A run executing in a live process holds an flock on <run id>.lock; the
 * kernel drops it when that process dies, however it dies, so a run locked
 * by someone else is running, not abandoned. Returns -1 when it is. */
static int
lock_run (ForgeWorkflowEngine *self,
          const char          *run_id)
{
  g_autofree char *path = lock_path (self, run_id);
  int fd;

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    return -1;

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return -1;
    }

  return fd;
}

static gboolean
run_is_locked_elsewhere (ForgeWorkflowEngine *self,
                         const char          *run_id)
{
  int fd = lock_run (self, run_id);

  if (fd < 0)
    return TRUE;
  close (fd);
  return FALSE;
}

static void
run_free (Run *run)
{
  if (run->lock_fd >= 0)
    {
      /* Only a finished run's lock can go: nobody waits to resume it. */
      if (run->finished)
        {
          g_autofree char *path = lock_path (run->engine, run->id);

          g_unlink (path);
        }
      close (run->lock_fd);
    }

  if (run->backoff != NULL)
    {
      g_source_destroy (run->backoff);
      g_clear_pointer (&run->backoff, g_source_unref);
    }
  g_free (run->id);
  g_clear_pointer (&run->event_data, json_node_unref);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->journal);
  g_free (run);
}

static Function *
find_function (ForgeWorkflowEngine *self,
               const char          *function_id)
{
  for (guint i = 0; i < self->functions->len; i++)
    {
      Function *function = g_ptr_array_index (self->functions, i);

      if (g_str_equal (function->id, function_id))
        return function;
    }

  return NULL;
}

/* Events cross from worker threads to the engine's context in order,
 * through one queue: a server printing thousands of lines makes a few
 * batches on the main loop, not thousands of idles. Step events are urgent
 * (they take what is queued before them along at once); log lines and
 * progress wait for the next batch. */
#define EVENT_BATCH_INTERVAL_MS 20

typedef struct
{
  guint                signal_id;
  char                *strings[3];
  ForgeStepState       step_state;
  guint                attempt;
  gint64               duration_ms;
  double               fraction;
  JsonNode            *node;
} Emission;

static void publish_run (ForgeWorkflowEngine *self,
                         Run                 *run);

static void
emission_free (gpointer data)
{
  Emission *emission = data;

  for (guint i = 0; i < G_N_ELEMENTS (emission->strings); i++)
    g_free (emission->strings[i]);
  g_clear_pointer (&emission->node, json_node_unref);
  g_free (emission);
}

/* One batch, on the engine's context. Signals stay one per event, so
 * the UI and the headless output (one JSON line per event) are as before. */
static void
emit_batch (gpointer   owner,
            GPtrArray *emissions)
{
  ForgeWorkflowEngine *self = owner;

  for (guint i = 0; i < emissions->len; i++)
    {
      Emission *emission = g_ptr_array_index (emissions, i);
      char **s = emission->strings;

      if (emission->signal_id == signals[STEP])
        {
          Run *run;

          /* The step's journal entry was written before its event left. */
          if ((emission->step_state == FORGE_STEP_STATE_COMPLETE || emission->step_state == FORGE_STEP_STATE_ERROR) &&
              (run = g_hash_table_lookup (self->runs, s[0])) != NULL)
            publish_run (self, run);
          g_signal_emit (self, signals[STEP], 0, s[0], s[1], emission->step_state, emission->attempt, emission->duration_ms, s[2]);
        }
      else if (emission->signal_id == signals[LOG])
        g_signal_emit (self, signals[LOG], 0, s[0], s[1], s[2]);
      else if (emission->signal_id == signals[PROGRESS])
        g_signal_emit (self, signals[PROGRESS], 0, s[0], s[1], emission->fraction, s[2]);
    }
}

static void
queue_emission (ForgeWorkflowEngine *self,
                Emission            *emission)
{
  forge_batcher_push (self->events, emission, emission->signal_id == signals[STEP]);
}

GMainContext *
_forge_workflow_engine_get_context (ForgeWorkflowEngine *engine)
{
  return engine->context;
}

guint
_forge_workflow_engine_get_n_event_batches (ForgeWorkflowEngine *self)
{
  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), 0);
  return forge_batcher_get_n_dispatches (self->events);
}

void
_forge_workflow_engine_emit_step (ForgeWorkflowEngine *engine,
                                  const char          *run_id,
                                  const char          *step_id,
                                  ForgeStepState       state,
                                  guint                attempt,
                                  gint64               duration_ms,
                                  const char          *error_message)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[STEP];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (step_id);
  emission->step_state = state;
  emission->strings[2] = g_strdup (error_message);
  emission->attempt = attempt;
  emission->duration_ms = duration_ms;
  queue_emission (engine, emission);
}

void
_forge_workflow_engine_emit_log (ForgeWorkflowEngine *engine,
                                 const char          *run_id,
                                 const char          *stream,
                                 const char          *line)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[LOG];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (stream);
  /* Cut here too, whatever the sandbox did: a 64 KiB line would cost
   * the log view and the journal-less UI dearly. */
  emission->strings[2] = forge_log_line_sanitize (line);
  queue_emission (engine, emission);
}

void
_forge_workflow_engine_emit_progress (ForgeWorkflowEngine *engine,
                                      const char          *run_id,
                                      const char          *step_id,
                                      double               fraction,
                                      const char          *text)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->signal_id = signals[PROGRESS];
  emission->strings[0] = g_strdup (run_id);
  emission->strings[1] = g_strdup (step_id);
  emission->strings[2] = g_strdup (text);
  emission->fraction = fraction;
  queue_emission (engine, emission);
}

/* Journals */

static char *
journal_path (ForgeWorkflowEngine *self,
              const char          *run_id)
{
  g_autofree char *name = g_strconcat (run_id, ".json", NULL);

  return g_build_filename (self->directory, name, NULL);
}

static void
save_journal (ForgeRunJournal *journal)
{
  g_autoptr(GError) error = NULL;

  /* The run goes on; it just would not survive a crash. */
  if (!forge_run_journal_save (journal, &error))
    g_message ("Could not write the run journal %s: %s",
               forge_run_journal_get_path (journal), error->message);
}

static ForgeRunJournal *
load_journal (ForgeWorkflowEngine *self,
              const char          *path)
{
  g_autoptr(GError) error = NULL;
  ForgeRunJournal *journal;

  journal = forge_run_journal_load (path, &error);
  if (journal != NULL)
    return journal;

  /* A file vanishing between listing and reading is a pruned or replaced
   * journal, not damage. */
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return NULL;

  if (!g_hash_table_contains (self->reported, path))
    {
      g_autofree char *aside = NULL;
      g_autofree char *message = NULL;

      /* Damage (a half-written file from a crash of an old version, a
       * disk error) is kept aside, where nothing reads it again. A file
       * that could not be read at all stays, and is reported once. */
      if (error->domain == JSON_PARSER_ERROR ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
        {
          g_autoptr(GError) aside_error = NULL;

          aside = forge_move_aside (path, &aside_error);
          if (aside == NULL)
            g_message ("%s", aside_error->message);
        }

      g_hash_table_add (self->reported, g_strdup (path));
      if (aside != NULL)
        message = g_strdup_printf ("%s; kept as %s", error->message, aside);
      else
        message = g_strdup (error->message);
      g_message ("Skipping the unreadable run journal %s: %s", path, message);
      g_signal_emit (self, signals[JOURNAL_ERROR], 0, path, message);
    }

  return NULL;
}

/* The paths of the journal files, sorted by name. */
static GPtrArray *
list_journal_paths (ForgeWorkflowEngine *self)
{
  g_autoptr(GDir) dir = NULL;
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (self->directory, 0, NULL);
  if (dir == NULL)
    return paths;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (paths, g_build_filename (self->directory, name, NULL));

  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  return paths;
}

/* Damaged journals set aside go the way of old ones. */
static void
prune_corrupt_journals (ForgeWorkflowEngine *self,
                        gint64               now_ms)
{
  g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (strstr (name, ".json.corrupt-") == NULL)
        continue;
      path = g_build_filename (self->directory, name, NULL);
      if (g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) &&
          now_ms - (gint64) st.st_mtime * 1000 > PRUNE_AGE_MS)
        g_unlink (path);
    }
}

static void
prune_journals (ForgeWorkflowEngine *self)
{
  g_autoptr(GPtrArray) paths = list_journal_paths (self);
  gint64 now = g_get_real_time () / 1000;

  /* A save killed half-way leaves its temp file, never a half journal. */
  forge_remove_stale_temp_files (self->directory, NULL, 60);
  prune_corrupt_journals (self, now);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(ForgeRunJournal) journal = forge_run_journal_load (path, NULL);
      gint64 updated;

      if (journal != NULL)
        updated = forge_run_journal_get_updated_at (journal);
      else
        {
          GStatBuf st;

          /* Unreadable journals are kept for a look, but not forever. */
          if (g_stat (path, &st) != 0)
            continue;
          updated = (gint64) st.st_mtime * 1000;
        }

      if (now - updated > PRUNE_AGE_MS)
        {
          g_autofree char *stem = g_strndup (path, strlen (path) - strlen (".json"));
          g_autofree char *lock = g_strconcat (stem, ".lock", NULL);

          if (g_unlink (path) != 0)
            g_message ("Could not remove the old run journal %s: %s", path, g_strerror (errno));
          g_unlink (lock);
        }
    }
}

static gboolean
event_data_matches (JsonNode   *data,
                    const char *key,
                    JsonNode   *value)
{
  JsonNode *member;

  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data) || value == NULL)
    return FALSE;

  member = json_object_get_member (json_node_get_object (data), key);
  return member != NULL && json_node_equal (member, value);
}

static gboolean
event_data_matches_string (JsonNode   *data,
                           const char *key,
                           const char *value)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  return event_data_matches (data, key, node);
}

/* Run lists */

static void
run_list_free (RunList *list)
{
  g_weak_ref_clear (&list->store);
  g_free (list->data_key);
  g_clear_pointer (&list->value, json_node_unref);
  g_free (list);
}

static gboolean
run_list_wants (RunList      *list,
                ForgeRunInfo *info)
{
  return list->data_key == NULL ||
         event_data_matches (forge_run_info_get_event_data (info), list->data_key, list->value);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  gint64 ca = forge_run_info_get_created_at ((ForgeRunInfo *) a);
  gint64 cb = forge_run_info_get_created_at ((ForgeRunInfo *) b);

  return (cb > ca) - (cb < ca);
}

/* A run new to the list goes before those created in the same
 * millisecond: it was sent after them. */
static guint
newest_first_position (GListModel   *model,
                       ForgeRunInfo *info)
{
  guint n = g_list_model_get_n_items (model);
  guint i;

  for (i = 0; i < n; i++)
    {
      g_autoptr(ForgeRunInfo) other = g_list_model_get_item (model, i);

      if (compare_newest_first (info, other, NULL) <= 0)
        break;
    }

  return i;
}

static int
compare_newest_first_indirect (gconstpointer a,
                               gconstpointer b,
                               gpointer      user_data)
{
  return compare_newest_first (*(ForgeRunInfo **) a, *(ForgeRunInfo **) b, user_data);
}

static gboolean
find_run_info (GListModel *model,
               const char *run_id,
               guint      *position)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ForgeRunInfo) info = g_list_model_get_item (model, i);

      if (g_str_equal (forge_run_info_get_run_id (info), run_id))
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* A run's snapshot replaces the one before it in every list that shows
 * the run, or joins the lists that should. Main context only. */
static void
publish_run (ForgeWorkflowEngine *self,
             Run                 *run)
{
  g_autoptr(ForgeRunInfo) info = NULL;

  if (self->run_lists->len == 0)
    return;

  info = forge_run_journal_dup_info (run->journal);

  for (guint i = self->run_lists->len; i > 0; i--)
    {
      RunList *list = g_ptr_array_index (self->run_lists, i - 1);
      g_autoptr(GListStore) store = g_weak_ref_get (&list->store);
      guint position;

      if (store == NULL)
        {
          g_ptr_array_remove_index (self->run_lists, i - 1);
          continue;
        }

      if (!run_list_wants (list, info))
        continue;

      if (find_run_info (G_LIST_MODEL (store), run->id, &position))
        g_list_store_splice (store, position, 1, (gpointer *) &info, 1);
      else
        g_list_store_insert (store, newest_first_position (G_LIST_MODEL (store), info), info);
    }
}

/* Runs */

static void
set_run_status (ForgeWorkflowEngine *self,
                Run                 *run,
                ForgeRunStatus       status)
{
  forge_run_journal_set_status (run->journal, status);
  save_journal (run->journal);
  publish_run (self, run);
  g_signal_emit (self, signals[RUN_STATUS], 0, run->id, status);
}

/* error_log_tail: what explains error_message (the failed step's), or
 * NULL. The message is cut to one line; the rest joins the tail. */
static void
finish_run (ForgeWorkflowEngine *self,
            Run                 *run,
            ForgeRunStatus       status,
            JsonNode            *output,
            const char          *error_message,
            const char          *error_log_tail)
{
  g_autofree char *run_id = g_strdup (run->id);
  g_autofree char *summary = NULL;
  g_autofree char *tail = NULL;

  forge_workflow_split_message (error_message, error_log_tail, &summary, &tail);
  forge_run_journal_set_result (run->journal, output, summary, tail);
  set_run_status (self, run, status);

  g_hash_table_steal (self->runs, run->id);
  run->finished = TRUE;
  run_free (run);

  g_signal_emit (self, signals[RUN_FINISHED], 0, run_id, status, output, summary);
}

static void start_invocation (ForgeWorkflowEngine *self, Run *run);

static void
pump (ForgeWorkflowEngine *self,
      Function            *function)
{
  while (function->active < function->concurrency && !g_queue_is_empty (&function->pending))
    start_invocation (self, g_queue_pop_head (&function->pending));
}

static void
enqueue_run (ForgeWorkflowEngine *self,
             Run                 *run)
{
  run->state = RUN_QUEUED;
  g_queue_push_tail (&run->function->pending, run);
  pump (self, run->function);
}

static guint
backoff_delay (ForgeWorkflowEngine *self,
               guint                failures)
{
  guint64 delay = self->backoff_base_ms;
  guint jitter_range = self->backoff_base_ms / 2;

  for (guint i = 1; i < failures && delay < self->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_max_ms);

  /* Jitter keeps runs that failed together from retrying in lockstep. */
  if (jitter_range > 0)
    delay += g_random_int_range (0, jitter_range);

  return (guint) MIN (delay, G_MAXUINT);
}

static gboolean
backoff_done_cb (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->backoff, g_source_unref);
  enqueue_run (run->engine, run);

  return G_SOURCE_REMOVE;
}

/* The run keeps its "running" status: a crash while it waits resumes it. */
static void
schedule_retry (ForgeWorkflowEngine *self,
                Run                 *run,
                guint                failures)
{
  run->state = RUN_BACKING_OFF;
  run->backoff = g_timeout_source_new (backoff_delay (self, failures));
  g_source_set_callback (run->backoff, backoff_done_cb, run, NULL);
  g_source_set_name (run->backoff, "[forge] workflow retry backoff");
  g_source_attach (run->backoff, self->context);
}

static void
invocation_free (Invocation *invocation)
{
  g_clear_object (&invocation->ctx);
  g_free (invocation);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Invocation *invocation = task_data;
  Run *run = invocation->run;
  g_autoptr(GError) error = NULL;
  JsonNode *output;

  output = run->function->func (invocation->ctx, run->event_data, run->function->user_data, &error);

  if (output == NULL && error == NULL)
    output = json_node_new (JSON_NODE_NULL);

  if (error != NULL)
    {
      g_clear_pointer (&output, json_node_unref);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    g_task_return_pointer (task, output, (GDestroyNotify) json_node_unref);
}

static void
invocation_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);
  Invocation *invocation = user_data;
  Run *run = invocation->run;
  Function *function = run->function;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) output = NULL;
  guint failures = 0;

  function->active--;

  /* What the step started may print on (a command being stopped), but
   * no longer as this invocation, and maybe after the engine is gone. */
  _forge_step_context_close (invocation->ctx);

  /* What the run printed comes before how it ended. */
  forge_batcher_flush (self->events);

  output = g_task_propagate_pointer (G_TASK (result), &error);
  if (error == NULL)
    finish_run (self, run, FORGE_RUN_STATUS_COMPLETED, output, NULL, NULL);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
           g_error_matches (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_CANCELLED) ||
           g_cancellable_is_cancelled (run->cancellable))
    finish_run (self, run, FORGE_RUN_STATUS_CANCELLED, NULL, error->message, NULL);
  else if (_forge_step_context_get_retry (invocation->ctx, &failures))
    schedule_retry (self, run, failures);
  else if (!_forge_step_context_step_failed (invocation->ctx) &&
           !g_error_matches (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE) &&
           ++run->body_failures <= function->retries)
    /* The body itself failed outside any step: retried like a step. */
    schedule_retry (self, run, run->body_failures);
  else
    {
      g_autofree char *log_tail = _forge_step_context_dup_error_log_tail (invocation->ctx);

      finish_run (self, run, FORGE_RUN_STATUS_FAILED, NULL, error->message, log_tail);
    }

  pump (self, function);
}

static void
start_invocation (ForgeWorkflowEngine *self,
                  Run                 *run)
{
  g_autoptr(GTask) task = NULL;
  Invocation *invocation;

  run->function->active++;
  run->state = RUN_RUNNING;

  forge_run_journal_add_attempt (run->journal);
  set_run_status (self, run, FORGE_RUN_STATUS_RUNNING);

  invocation = g_new0 (Invocation, 1);
  invocation->run = run;
  invocation->ctx = _forge_step_context_new (self, run->id, run->function->id, run->event_data,
                                             run->cancellable, run->journal, run->function->retries + 1);

  task = g_task_new (self, NULL, invocation_done_cb, invocation);
  g_task_set_source_tag (task, start_invocation);
  g_task_set_task_data (task, invocation, (GDestroyNotify) invocation_free);
  g_task_set_name (task, run->function->id);

  if (!run->announced)
    {
      run->announced = TRUE;
      g_signal_emit (self, signals[RUN_STARTED], 0, run->id, run->function->id, run->event_data);
    }

  g_task_run_in_thread (task, run_thread);
}

static Run *
run_new (ForgeWorkflowEngine *self,
         Function            *function,
         ForgeRunJournal     *journal,
         int                  lock_fd)
{
  Run *run = g_new0 (Run, 1);

  run->engine = self;
  run->lock_fd = lock_fd;
  run->id = g_strdup (forge_run_journal_get_run_id (journal));
  run->function = function;
  run->journal = g_object_ref (journal);
  run->event_data = forge_run_journal_dup_event_data (journal);
  run->cancellable = g_cancellable_new ();

  g_hash_table_insert (self->runs, run->id, run);
  return run;
}

/* GObject */

static void
forge_workflow_engine_constructed (GObject *object)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  G_OBJECT_CLASS (forge_workflow_engine_parent_class)->constructed (object);

  if (self->directory == NULL)
    {
      g_autofree char *state_dir = forge_state_dir ();

      self->directory = g_build_filename (state_dir, "runs", NULL);
    }

  prune_journals (self);
}

static void
forge_workflow_engine_dispose (GObject *object)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  /* Running invocations hold a reference, so only queued and backing-off
   * runs are left: their journals stay unfinished for a later resume. */
  for (guint i = 0; i < self->functions->len; i++)
    g_queue_clear (&((Function *) g_ptr_array_index (self->functions, i))->pending);
  g_hash_table_remove_all (self->runs);

  G_OBJECT_CLASS (forge_workflow_engine_parent_class)->dispose (object);
}

static void
forge_workflow_engine_finalize (GObject *object)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->functions, g_ptr_array_unref);
  g_clear_pointer (&self->reported, g_hash_table_unref);
  g_clear_pointer (&self->run_lists, g_ptr_array_unref);
  g_clear_pointer (&self->events, forge_batcher_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (forge_workflow_engine_parent_class)->finalize (object);
}

static void
forge_workflow_engine_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_workflow_engine_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ForgeWorkflowEngine *self = FORGE_WORKFLOW_ENGINE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_free (self->directory);
      self->directory = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_workflow_engine_class_init (ForgeWorkflowEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = forge_workflow_engine_constructed;
  object_class->dispose = forge_workflow_engine_dispose;
  object_class->finalize = forge_workflow_engine_finalize;
  object_class->get_property = forge_workflow_engine_get_property;
  object_class->set_property = forge_workflow_engine_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
  signals[STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 6,
                  G_TYPE_STRING, G_TYPE_STRING, FORGE_TYPE_STEP_STATE, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_STRING);
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[RUN_STATUS] =
    g_signal_new ("run-status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, FORGE_TYPE_RUN_STATUS);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, FORGE_TYPE_RUN_STATUS, JSON_TYPE_NODE, G_TYPE_STRING);
  signals[JOURNAL_ERROR] =
    g_signal_new ("journal-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);
}

static void
forge_workflow_engine_init (ForgeWorkflowEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->functions = g_ptr_array_new_with_free_func ((GDestroyNotify) function_free);
  self->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_free);
  self->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->run_lists = g_ptr_array_new_with_free_func ((GDestroyNotify) run_list_free);
  self->events = forge_batcher_new (self->context, G_OBJECT (self), EVENT_BATCH_INTERVAL_MS,
                                    emit_batch, emission_free);
  self->backoff_base_ms = DEFAULT_BACKOFF_BASE;
  self->backoff_max_ms = DEFAULT_BACKOFF_MAX;
}

/* API */

ForgeWorkflowEngine *
forge_workflow_engine_new (void)
{
  return g_object_new (FORGE_TYPE_WORKFLOW_ENGINE, NULL);
}

ForgeWorkflowEngine *
forge_workflow_engine_new_for_directory (const char *directory)
{
  g_return_val_if_fail (directory != NULL, NULL);

  return g_object_new (FORGE_TYPE_WORKFLOW_ENGINE, "directory", directory, NULL);
}


void
forge_workflow_engine_register (ForgeWorkflowEngine *self,
                                const char          *function_id,
                                const char          *event_name,
                                ForgeWorkflowFunc    func,
                                gpointer             user_data,
                                GDestroyNotify       destroy)
{
  Function *function;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));
  g_return_if_fail (function_id != NULL);
  g_return_if_fail (event_name != NULL);
  g_return_if_fail (func != NULL);
  g_return_if_fail (find_function (self, function_id) == NULL);

  function = g_new0 (Function, 1);
  function->id = g_strdup (function_id);
  function->event_name = g_strdup (event_name);
  function->func = func;
  function->user_data = user_data;
  function->destroy = destroy;
  function->retries = DEFAULT_RETRIES;
  function->concurrency = DEFAULT_CONCURRENCY;
  function->cancel_on = g_ptr_array_new_with_free_func ((GDestroyNotify) cancel_on_free);
  g_queue_init (&function->pending);

  g_ptr_array_add (self->functions, function);
}

void
forge_workflow_engine_set_function_options (ForgeWorkflowEngine *self,
                                            const char          *function_id,
                                            guint                retries,
                                            guint                concurrency)
{
  Function *function;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));
  g_return_if_fail (function_id != NULL);

  function = find_function (self, function_id);
  g_return_if_fail (function != NULL);

  function->retries = MIN (retries, MAX_RETRIES);
  function->concurrency = MAX (concurrency, 1);
  pump (self, function);
}

void
forge_workflow_engine_add_cancel_on (ForgeWorkflowEngine *self,
                                     const char          *function_id,
                                     const char          *event_name,
                                     const char          *data_key)
{
  Function *function;
  CancelOn *cancel_on;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));
  g_return_if_fail (function_id != NULL);
  g_return_if_fail (event_name != NULL);
  g_return_if_fail (data_key != NULL);

  function = find_function (self, function_id);
  g_return_if_fail (function != NULL);

  cancel_on = g_new0 (CancelOn, 1);
  cancel_on->event_name = g_strdup (event_name);
  cancel_on->data_key = g_strdup (data_key);
  g_ptr_array_add (function->cancel_on, cancel_on);
}

void
forge_workflow_engine_set_backoff (ForgeWorkflowEngine *self,
                                   guint                base_ms,
                                   guint                max_ms)
{
  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));

  self->backoff_base_ms = base_ms;
  self->backoff_max_ms = MAX (max_ms, base_ms);
}

static void
cancel_matching_runs (ForgeWorkflowEngine *self,
                      const char          *event_name,
                      JsonNode            *data)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Run *run;

  if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return;

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &run))
    {
      for (guint i = 0; i < run->function->cancel_on->len; i++)
        {
          CancelOn *cancel_on = g_ptr_array_index (run->function->cancel_on, i);
          JsonNode *value;

          if (!g_str_equal (cancel_on->event_name, event_name))
            continue;

          value = json_object_get_member (json_node_get_object (data), cancel_on->data_key);
          if (event_data_matches (run->event_data, cancel_on->data_key, value))
            {
              g_ptr_array_add (doomed, g_strdup (run->id));
              break;
            }
        }
    }

  for (guint i = 0; i < doomed->len; i++)
    forge_workflow_engine_cancel_run (self, g_ptr_array_index (doomed, i));
}

char *
forge_workflow_engine_send (ForgeWorkflowEngine *self,
                            const char          *event_name,
                            JsonNode            *data)
{
  g_autoptr(GPtrArray) started = g_ptr_array_new ();
  char *first_run_id = NULL;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);
  g_return_val_if_fail (event_name != NULL, NULL);

  cancel_matching_runs (self, event_name, data);

  for (guint i = 0; i < self->functions->len; i++)
    {
      Function *function = g_ptr_array_index (self->functions, i);
      g_autoptr(ForgeRunJournal) journal = NULL;
      g_autofree char *run_id = NULL;
      g_autofree char *path = NULL;
      Run *run;

      if (!g_str_equal (function->event_name, event_name))
        continue;

      run_id = g_uuid_string_random ();
      path = journal_path (self, run_id);
      journal = forge_run_journal_new (path, run_id, function->id, event_name, data);
      save_journal (journal);

      /* Best effort: a new run executes even if it cannot be locked. */
      run = run_new (self, function, journal, lock_run (self, run_id));
      g_ptr_array_add (started, run);

      if (first_run_id == NULL)
        first_run_id = g_strdup (run->id);
    }

  /* Queued only once all exist, so that a run-started handler sending
   * another event sees them. */
  for (guint i = 0; i < started->len; i++)
    {
      Run *run = g_ptr_array_index (started, i);

      publish_run (self, run);
      g_signal_emit (self, signals[RUN_STATUS], 0, run->id, FORGE_RUN_STATUS_QUEUED);
      enqueue_run (self, run);
    }

  return first_run_id;
}

gboolean
forge_workflow_engine_cancel_run (ForgeWorkflowEngine *self,
                                  const char          *run_id)
{
  Run *run;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);

  run = g_hash_table_lookup (self->runs, run_id);
  if (run == NULL)
    return FALSE;

  /* A running invocation ends when its step notices; it is marked
   * cancelled then, in invocation_done_cb(). */
  g_cancellable_cancel (run->cancellable);
  if (run->state == RUN_RUNNING)
    return TRUE;

  if (run->state == RUN_QUEUED)
    g_queue_remove (&run->function->pending, run);

  finish_run (self, run, FORGE_RUN_STATUS_CANCELLED, NULL, "The run was cancelled", NULL);
  return TRUE;
}

void
forge_workflow_engine_cancel_all (ForgeWorkflowEngine *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *id;

  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (self));

  /* Cancelling a queued run frees it: copy the ids first. */
  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_ptr_array_add (ids, g_strdup (id));

  for (guint i = 0; i < ids->len; i++)
    forge_workflow_engine_cancel_run (self, g_ptr_array_index (ids, i));
}

guint
forge_workflow_engine_get_n_active (ForgeWorkflowEngine *self)
{
  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), 0);
  return g_hash_table_size (self->runs);
}

static gboolean
is_unfinished (ForgeRunJournal *journal)
{
  return !forge_run_status_is_finished (forge_run_journal_get_status (journal));
}

static gint
compare_created_at (gconstpointer a,
                    gconstpointer b)
{
  gint64 ca = forge_run_journal_get_created_at (*(ForgeRunJournal **) a);
  gint64 cb = forge_run_journal_get_created_at (*(ForgeRunJournal **) b);

  return (ca > cb) - (ca < cb);
}

/* Journals of unfinished runs that this engine could run but does not. */
static GPtrArray *
find_resumable (ForgeWorkflowEngine *self)
{
  g_autoptr(GPtrArray) paths = list_journal_paths (self);
  GPtrArray *journals = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(ForgeRunJournal) journal = load_journal (self, g_ptr_array_index (paths, i));

      if (journal == NULL ||
          !is_unfinished (journal) ||
          g_hash_table_contains (self->runs, forge_run_journal_get_run_id (journal)) ||
          find_function (self, forge_run_journal_get_function_id (journal)) == NULL ||
          run_is_locked_elsewhere (self, forge_run_journal_get_run_id (journal)))
        continue;

      g_ptr_array_add (journals, g_steal_pointer (&journal));
    }

  g_ptr_array_sort (journals, compare_created_at);
  return journals;
}

static gboolean
resume_journal (ForgeWorkflowEngine  *self,
                ForgeRunJournal      *journal,
                GError              **error)
{
  const char *run_id = forge_run_journal_get_run_id (journal);
  int lock_fd = lock_run (self, run_id);
  Run *run;

  if (lock_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("This run is going on in another Forge Preview process; wait for it to finish there."));
      return FALSE;
    }

  run = run_new (self, find_function (self, forge_run_journal_get_function_id (journal)), journal, lock_fd);
  set_run_status (self, run, FORGE_RUN_STATUS_QUEUED);
  enqueue_run (self, run);
  return TRUE;
}

char **
forge_workflow_engine_resume (ForgeWorkflowEngine *self)
{
  g_autoptr(GPtrArray) journals = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);

  journals = find_resumable (self);
  for (guint i = 0; i < journals->len; i++)
    {
      ForgeRunJournal *journal = g_ptr_array_index (journals, i);

      if (resume_journal (self, journal, NULL))
        g_strv_builder_add (ids, forge_run_journal_get_run_id (journal));
    }

  return g_strv_builder_end (ids);
}

char *
forge_workflow_engine_find_unfinished_run (ForgeWorkflowEngine *self,
                                           const char          *function_id,
                                           const char          *data_key,
                                           const char          *value)
{
  g_autoptr(GPtrArray) journals = NULL;
  GHashTableIter iter;
  Run *run;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);
  g_return_val_if_fail (function_id != NULL, NULL);
  g_return_val_if_fail (data_key != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &run))
    if (g_str_equal (run->function->id, function_id) &&
        event_data_matches_string (run->event_data, data_key, value))
      return g_strdup (run->id);

  journals = find_resumable (self);
  for (guint i = journals->len; i > 0; i--)
    {
      ForgeRunJournal *journal = g_ptr_array_index (journals, i - 1);
      g_autoptr(JsonNode) data = forge_run_journal_dup_event_data (journal);

      if (g_str_equal (forge_run_journal_get_function_id (journal), function_id) &&
          event_data_matches_string (data, data_key, value))
        return g_strdup (forge_run_journal_get_run_id (journal));
    }

  return NULL;
}

static ForgeRunJournal *
load_run_journal (ForgeWorkflowEngine  *self,
                  const char           *run_id,
                  GError              **error)
{
  g_autofree char *path = NULL;
  ForgeRunJournal *journal;

  if (!g_uuid_string_is_valid (run_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("That run no longer exists; start the project again."));
      return NULL;
    }

  path = journal_path (self, run_id);
  journal = forge_run_journal_load (path, error);
  if (journal == NULL)
    return NULL;

  if (find_function (self, forge_run_journal_get_function_id (journal)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("This run belongs to “%s”, which this version cannot run; start the project again."),
                   forge_run_journal_get_function_id (journal));
      g_clear_object (&journal);
    }

  return journal;
}

gboolean
forge_workflow_engine_resume_run (ForgeWorkflowEngine  *self,
                                  const char           *run_id,
                                  GError              **error)
{
  g_autoptr(ForgeRunJournal) journal = NULL;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);

  if (g_hash_table_contains (self->runs, run_id))
    return TRUE;

  if (!(journal = load_run_journal (self, run_id, error)))
    return FALSE;

  if (!is_unfinished (journal))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("This run has already finished; start the project again to run it anew."));
      return FALSE;
    }

  return resume_journal (self, journal, error);
}

gboolean
forge_workflow_engine_retry_run (ForgeWorkflowEngine  *self,
                                 const char           *run_id,
                                 GError              **error)
{
  g_autoptr(ForgeRunJournal) journal = NULL;
  ForgeRunStatus status;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);

  if (g_hash_table_contains (self->runs, run_id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("This run is still going on: wait for it to finish, then try again."));
      return FALSE;
    }

  if (!(journal = load_run_journal (self, run_id, error)))
    return FALSE;

  status = forge_run_journal_get_status (journal);
  if (status != FORGE_RUN_STATUS_FAILED && status != FORGE_RUN_STATUS_CANCELLED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Only failed or cancelled runs can be retried; this one is %s."),
                   forge_run_status_to_string (status));
      return FALSE;
    }

  forge_run_journal_clear_failures (journal);
  return resume_journal (self, journal, error);
}

GListModel *
forge_workflow_engine_list_runs (ForgeWorkflowEngine *self,
                                 const char          *data_key,
                                 const char          *value)
{
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  GListStore *store;
  RunList *list;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);
  g_return_val_if_fail (data_key == NULL || value != NULL, NULL);

  list = g_new0 (RunList, 1);
  if (data_key != NULL)
    {
      list->data_key = g_strdup (data_key);
      list->value = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (list->value, value);
    }

  infos = g_ptr_array_new_with_free_func (g_object_unref);
  paths = list_journal_paths (self);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(ForgeRunJournal) journal = load_journal (self, path);
      ForgeRunInfo *info;
      Run *run;

      if (journal == NULL)
        continue;

      /* An active run's journal in memory may be ahead of its file. */
      run = g_hash_table_lookup (self->runs, forge_run_journal_get_run_id (journal));
      info = forge_run_journal_dup_info (run != NULL ? run->journal : journal);
      if (run_list_wants (list, info))
        g_ptr_array_add (infos, info);
      else
        g_object_unref (info);
    }
  g_ptr_array_sort_with_data (infos, compare_newest_first_indirect, NULL);

  store = g_list_store_new (FORGE_TYPE_RUN_INFO);
  g_list_store_splice (store, 0, 0, infos->pdata, infos->len);

  g_weak_ref_init (&list->store, store);
  g_ptr_array_add (self->run_lists, list);

  return G_LIST_MODEL (store);
}

ForgeRunInfo *
forge_workflow_engine_dup_run_info (ForgeWorkflowEngine *self,
                                    const char          *run_id)
{
  g_autoptr(ForgeRunJournal) journal = NULL;
  g_autofree char *path = NULL;
  Run *run;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (self), NULL);
  g_return_val_if_fail (run_id != NULL, NULL);

  run = g_hash_table_lookup (self->runs, run_id);
  if (run != NULL)
    return forge_run_journal_dup_info (run->journal);

  /* The id names a file: only the form the engine makes is looked up. */
  if (!g_uuid_string_is_valid (run_id))
    return NULL;

  path = journal_path (self, run_id);
  journal = load_journal (self, path);
  return journal != NULL ? forge_run_journal_dup_info (journal) : NULL;
}
