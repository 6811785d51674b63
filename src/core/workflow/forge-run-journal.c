/* forge-run-journal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include <string.h>

#include "forge-run-info-private.h"
#include "forge-run-journal.h"
#include "forge-util.h"

#define JOURNAL_VERSION 1

struct _ForgeRunJournal
{
  GObject     parent_instance;

  GMutex      mutex;
  char       *path;
  char       *run_id;
  char       *function_id;
  JsonObject *root;
};

G_DEFINE_FINAL_TYPE (ForgeRunJournal, forge_run_journal, G_TYPE_OBJECT)

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
forge_run_journal_finalize (GObject *object)
{
  ForgeRunJournal *self = FORGE_RUN_JOURNAL (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->function_id, g_free);
  g_clear_pointer (&self->root, json_object_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_run_journal_parent_class)->finalize (object);
}

static void
forge_run_journal_class_init (ForgeRunJournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_run_journal_finalize;
}

static void
forge_run_journal_init (ForgeRunJournal *self)
{
  g_mutex_init (&self->mutex);
}

/* json_node_copy() shares objects and arrays; copies handed to other
 * threads or callers must not alias the journal's tree. */
JsonNode *
forge_json_node_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObject *object_copy = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, object);
        while (json_object_iter_next (&iter, &name, &member))
          json_object_set_member (object_copy, name, forge_json_node_deep_copy (member));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, object_copy);
        return copy;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        JsonArray *array_copy = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (array_copy, forge_json_node_deep_copy (json_array_get_element (array, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, array_copy);
        return copy;
      }

    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

void
forge_workflow_split_message (const char  *message,
                              const char  *log_tail,
                              char       **summary,
                              char       **tail)
{
  const char *newline = message ? strchr (message, '\n') : NULL;
  g_autoptr(GString) rest = NULL;

  g_return_if_fail (summary != NULL);
  g_return_if_fail (tail != NULL);

  if (newline == NULL)
    {
      *summary = g_strdup (message);
      *tail = log_tail != NULL && *log_tail != '\0' ? g_strdup (log_tail) : NULL;
      return;
    }

  *summary = g_strndup (message, newline - message);
  rest = g_string_new (newline + 1);
  if (log_tail != NULL && *log_tail != '\0')
    {
      if (rest->len > 0)
        g_string_append_c (rest, '\n');
      g_string_append (rest, log_tail);
    }

  *tail = rest->len > 0 ? g_string_free (g_steal_pointer (&rest), FALSE) : NULL;
}

ForgeRunJournal *
forge_run_journal_new (const char *path,
                       const char *run_id,
                       const char *function_id,
                       const char *event_name,
                       JsonNode   *event_data)
{
  ForgeRunJournal *self;
  g_autofree char *event_id = g_uuid_string_random ();
  JsonObject *event;
  gint64 now = now_ms ();

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (run_id != NULL, NULL);
  g_return_val_if_fail (function_id != NULL, NULL);

  self = g_object_new (FORGE_TYPE_RUN_JOURNAL, NULL);
  self->path = g_strdup (path);
  self->run_id = g_strdup (run_id);
  self->function_id = g_strdup (function_id);

  event = json_object_new ();
  json_object_set_string_member (event, "name", event_name);
  json_object_set_string_member (event, "id", event_id);
  json_object_set_int_member (event, "ts", now);
  json_object_set_member (event, "data", event_data ? forge_json_node_deep_copy (event_data) : json_node_new (JSON_NODE_NULL));

  self->root = json_object_new ();
  json_object_set_int_member (self->root, "version", JOURNAL_VERSION);
  json_object_set_string_member (self->root, "run_id", run_id);
  json_object_set_string_member (self->root, "function_id", function_id);
  json_object_set_object_member (self->root, "event", event);
  json_object_set_string_member (self->root, "status", forge_run_status_to_string (FORGE_RUN_STATUS_QUEUED));
  json_object_set_int_member (self->root, "attempts", 0);
  json_object_set_array_member (self->root, "stack", json_array_new ());
  json_object_set_object_member (self->root, "steps", json_object_new ());
  json_object_set_int_member (self->root, "created_at", now);
  json_object_set_int_member (self->root, "updated_at", now);

  return self;
}

static gboolean
has_member_of_type (JsonObject *object,
                    const char *name,
                    JsonNodeType type)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_TYPE (node) == type;
}

static gboolean
has_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
has_int_member (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

/* Other versions may add members or leave some out: only what validate()
 * checked is taken for granted. json-glib's own getters are critical
 * about a member of another type, which a damaged file can hold. */
static const char *
optional_string (JsonObject *object,
                 const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
optional_int (JsonObject *object,
              const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

/* A journal is read back after crashes and by other versions; anything the
 * engine relies on is checked here so the rest of the code can trust it. */
static gboolean
validate (JsonNode  *root,
          GError   **error)
{
  JsonObject *object;
  JsonObject *event;
  JsonObject *steps;
  JsonArray *stack;
  ForgeRunStatus status;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;

  object = json_node_get_object (root);
  if (!has_string_member (object, "run_id") ||
      !g_uuid_string_is_valid (json_object_get_string_member (object, "run_id")) ||
      !has_string_member (object, "function_id") ||
      !has_string_member (object, "status") ||
      !forge_run_status_from_string (json_object_get_string_member (object, "status"), &status) ||
      !has_int_member (object, "attempts") ||
      !has_int_member (object, "created_at") ||
      !has_int_member (object, "updated_at") ||
      !has_member_of_type (object, "event", JSON_NODE_OBJECT) ||
      !has_member_of_type (object, "stack", JSON_NODE_ARRAY) ||
      !has_member_of_type (object, "steps", JSON_NODE_OBJECT))
    goto invalid;

  event = json_object_get_object_member (object, "event");
  if (!has_string_member (event, "name") || !json_object_has_member (event, "data"))
    goto invalid;

  stack = json_object_get_array_member (object, "stack");
  steps = json_object_get_object_member (object, "steps");
  for (guint i = 0; i < json_array_get_length (stack); i++)
    {
      JsonNode *id = json_array_get_element (stack, i);
      JsonNode *step;

      if (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_STRING)
        goto invalid;
      step = json_object_get_member (steps, json_node_get_string (id));
      if (step == NULL || !JSON_NODE_HOLDS_OBJECT (step))
        goto invalid;
    }

  {
    g_autoptr(GList) values = json_object_get_values (steps);

    for (GList *l = values; l != NULL; l = l->next)
      {
        JsonObject *step;

        if (!JSON_NODE_HOLDS_OBJECT (l->data))
          goto invalid;
        step = json_node_get_object (l->data);
        if (!has_string_member (step, "status") || !has_int_member (step, "attempt"))
          goto invalid;
      }
  }

  return TRUE;

invalid:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a workflow run journal");
  return FALSE;
}

/* Journals written before errors kept their log tail beside the message
 * had both in it, "summary\ntail": split them, so that every reader sees
 * one-line messages. */
static void
split_old_messages (JsonObject *root)
{
  JsonObject *steps = json_object_get_object_member (root, "steps");
  g_autoptr(GList) values = json_object_get_values (steps);
  JsonNode *run_error = json_object_get_member (root, "error");

  if (run_error != NULL && JSON_NODE_HOLDS_VALUE (run_error) &&
      json_node_get_value_type (run_error) == G_TYPE_STRING &&
      strchr (json_node_get_string (run_error), '\n') != NULL)
    {
      g_autofree char *summary = NULL;
      g_autofree char *tail = NULL;

      forge_workflow_split_message (json_node_get_string (run_error),
                                    optional_string (root, "error_log_tail"),
                                    &summary, &tail);
      json_object_set_string_member (root, "error", summary);
      if (tail != NULL)
        json_object_set_string_member (root, "error_log_tail", tail);
    }

  for (GList *l = values; l != NULL; l = l->next)
    {
      JsonObject *step = json_node_get_object (l->data);
      JsonNode *error_node = json_object_get_member (step, "error");
      JsonObject *error_object;
      const char *message;
      g_autofree char *summary = NULL;
      g_autofree char *tail = NULL;

      if (error_node == NULL || !JSON_NODE_HOLDS_OBJECT (error_node))
        continue;

      error_object = json_node_get_object (error_node);
      message = optional_string (error_object, "message");
      if (message == NULL || strchr (message, '\n') == NULL)
        continue;

      forge_workflow_split_message (message,
                                    optional_string (error_object, "log_tail"),
                                    &summary, &tail);
      json_object_set_string_member (error_object, "message", summary);
      if (tail != NULL)
        json_object_set_string_member (error_object, "log_tail", tail);
    }
}

ForgeRunJournal *
forge_run_journal_load (const char  *path,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  ForgeRunJournal *self;
  JsonObject *root;

  g_return_val_if_fail (path != NULL, NULL);

  if (!json_parser_load_from_file (parser, path, error))
    return NULL;

  if (!validate (json_parser_get_root (parser), error))
    return NULL;

  root = json_node_get_object (json_parser_get_root (parser));
  split_old_messages (root);

  self = g_object_new (FORGE_TYPE_RUN_JOURNAL, NULL);
  self->path = g_strdup (path);
  self->run_id = g_strdup (json_object_get_string_member (root, "run_id"));
  self->function_id = g_strdup (json_object_get_string_member (root, "function_id"));
  self->root = json_object_ref (root);

  return self;
}

gboolean
forge_run_journal_save (ForgeRunJournal  *self,
                        GError          **error)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  gboolean ret;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), FALSE);

  /* Serialising and writing under the lock keeps two threads' writes from
   * landing out of order. */
  g_mutex_lock (&self->mutex);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, self->root);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  contents = json_generator_to_data (generator, &length);
  ret = forge_write_file_atomic (self->path, contents, length, error);
  g_mutex_unlock (&self->mutex);

  return ret;
}

const char *
forge_run_journal_get_path (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), NULL);
  return self->path;
}

const char *
forge_run_journal_get_run_id (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), NULL);
  return self->run_id;
}

const char *
forge_run_journal_get_function_id (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), NULL);
  return self->function_id;
}

JsonNode *
forge_run_journal_dup_event_data (ForgeRunJournal *self)
{
  JsonNode *data;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), NULL);

  g_mutex_lock (&self->mutex);
  data = forge_json_node_deep_copy (json_object_get_member (json_object_get_object_member (self->root, "event"), "data"));
  g_mutex_unlock (&self->mutex);

  return data;
}

static void
touch_locked (ForgeRunJournal *self)
{
  json_object_set_int_member (self->root, "updated_at", now_ms ());
}

/* The file keeps the status as a string, so that journals written before
 * the enum existed, and by other versions, still load. */
ForgeRunStatus
forge_run_journal_get_status (ForgeRunJournal *self)
{
  ForgeRunStatus status;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), FORGE_RUN_STATUS_FAILED);

  g_mutex_lock (&self->mutex);
  /* validate() let only known statuses in. */
  forge_run_status_from_string (json_object_get_string_member (self->root, "status"), &status);
  g_mutex_unlock (&self->mutex);

  return status;
}

void
forge_run_journal_set_status (ForgeRunJournal *self,
                              ForgeRunStatus   status)
{
  g_return_if_fail (FORGE_IS_RUN_JOURNAL (self));

  g_mutex_lock (&self->mutex);
  json_object_set_string_member (self->root, "status", forge_run_status_to_string (status));
  touch_locked (self);
  g_mutex_unlock (&self->mutex);
}

static gint64
get_int (ForgeRunJournal *self,
         const char      *member)
{
  gint64 value;

  g_mutex_lock (&self->mutex);
  value = json_object_get_int_member (self->root, member);
  g_mutex_unlock (&self->mutex);

  return value;
}

gint64
forge_run_journal_get_created_at (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);
  return get_int (self, "created_at");
}

gint64
forge_run_journal_get_updated_at (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);
  return get_int (self, "updated_at");
}

guint
forge_run_journal_get_attempts (ForgeRunJournal *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);
  return (guint) get_int (self, "attempts");
}

guint
forge_run_journal_add_attempt (ForgeRunJournal *self)
{
  guint attempts;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);

  g_mutex_lock (&self->mutex);
  attempts = (guint) json_object_get_int_member (self->root, "attempts") + 1;
  json_object_set_int_member (self->root, "attempts", attempts);
  touch_locked (self);
  g_mutex_unlock (&self->mutex);

  return attempts;
}

static JsonObject *
lookup_step_locked (ForgeRunJournal *self,
                    const char      *step_id)
{
  JsonObject *steps = json_object_get_object_member (self->root, "steps");
  JsonNode *node = json_object_get_member (steps, step_id);

  return node != NULL ? json_node_get_object (node) : NULL;
}

static GError *
error_from_json (JsonObject *object)
{
  const char *domain = NULL;
  const char *message = NULL;
  gint64 code = 0;

  if (object != NULL)
    {
      domain = optional_string (object, "domain");
      message = optional_string (object, "message");
      code = optional_int (object, "code");
    }

  return g_error_new_literal (domain ? g_quark_from_string (domain) : G_IO_ERROR,
                              domain ? (int) code : G_IO_ERROR_FAILED,
                              message ? message : "The step failed");
}

gboolean
forge_run_journal_lookup_step (ForgeRunJournal  *self,
                               const char       *step_id,
                               JsonNode        **output,
                               GError          **error,
                               char            **log_tail,
                               guint            *attempt,
                               gint64           *duration_ms)
{
  JsonObject *step;
  const char *status;
  gboolean finished = FALSE;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), FALSE);
  g_return_val_if_fail (output != NULL, FALSE);

  *output = NULL;
  if (log_tail != NULL)
    *log_tail = NULL;

  g_mutex_lock (&self->mutex);
  step = lookup_step_locked (self, step_id);
  status = step ? json_object_get_string_member (step, "status") : NULL;
  if (g_strcmp0 (status, "completed") == 0)
    {
      JsonNode *stored = json_object_get_member (step, "output");

      *output = stored ? forge_json_node_deep_copy (stored) : json_node_new (JSON_NODE_NULL);
      finished = TRUE;
    }
  else if (g_strcmp0 (status, "failed") == 0)
    {
      JsonNode *stored = json_object_get_member (step, "error");
      JsonObject *stored_object = stored && JSON_NODE_HOLDS_OBJECT (stored) ? json_node_get_object (stored) : NULL;

      g_propagate_error (error, error_from_json (stored_object));
      if (log_tail != NULL && stored_object != NULL)
        *log_tail = g_strdup (optional_string (stored_object, "log_tail"));
      finished = TRUE;
    }

  if (finished)
    {
      if (attempt != NULL)
        *attempt = (guint) json_object_get_int_member (step, "attempt");
      if (duration_ms != NULL)
        *duration_ms = optional_int (step, "duration_ms");
    }
  g_mutex_unlock (&self->mutex);

  return finished;
}

guint
forge_run_journal_get_step_failures (ForgeRunJournal *self,
                                     const char      *step_id)
{
  JsonObject *step;
  guint failures = 0;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);

  g_mutex_lock (&self->mutex);
  step = lookup_step_locked (self, step_id);
  if (step != NULL && g_strcmp0 (json_object_get_string_member (step, "status"), "retrying") == 0)
    failures = (guint) json_object_get_int_member (step, "attempt");
  g_mutex_unlock (&self->mutex);

  return failures;
}

static JsonObject *
new_step_locked (ForgeRunJournal *self,
                 const char      *step_id,
                 const char      *status,
                 guint            attempt,
                 gint64           started_at,
                 gint64           duration_ms)
{
  JsonObject *step = json_object_new ();

  json_object_set_string_member (step, "status", status);
  json_object_set_int_member (step, "attempt", attempt);
  json_object_set_int_member (step, "started_at", started_at);
  json_object_set_int_member (step, "ended_at", now_ms ());
  json_object_set_int_member (step, "duration_ms", duration_ms);
  json_object_set_object_member (json_object_get_object_member (self->root, "steps"), step_id, step);
  touch_locked (self);

  return step;
}

void
forge_run_journal_complete_step (ForgeRunJournal *self,
                                 const char      *step_id,
                                 guint            attempt,
                                 gint64           started_at,
                                 gint64           duration_ms,
                                 JsonNode        *output)
{
  JsonObject *step;

  g_return_if_fail (FORGE_IS_RUN_JOURNAL (self));
  g_return_if_fail (step_id != NULL);

  g_mutex_lock (&self->mutex);
  step = new_step_locked (self, step_id, "completed", attempt, started_at, duration_ms);
  json_object_set_member (step, "output", output ? forge_json_node_deep_copy (output) : json_node_new (JSON_NODE_NULL));
  json_array_add_string_element (json_object_get_array_member (self->root, "stack"), step_id);
  g_mutex_unlock (&self->mutex);
}

void
forge_run_journal_fail_step (ForgeRunJournal *self,
                             const char      *step_id,
                             guint            attempt,
                             gint64           started_at,
                             gint64           duration_ms,
                             const GError    *error,
                             const char      *log_tail,
                             gboolean         final)
{
  JsonObject *step;
  JsonObject *error_object;

  g_return_if_fail (FORGE_IS_RUN_JOURNAL (self));
  g_return_if_fail (step_id != NULL);
  g_return_if_fail (error != NULL);

  error_object = json_object_new ();
  json_object_set_string_member (error_object, "domain", g_quark_to_string (error->domain));
  json_object_set_int_member (error_object, "code", error->code);
  json_object_set_string_member (error_object, "message", error->message);
  if (log_tail != NULL)
    json_object_set_string_member (error_object, "log_tail", log_tail);

  g_mutex_lock (&self->mutex);
  step = new_step_locked (self, step_id, final ? "failed" : "retrying", attempt, started_at, duration_ms);
  json_object_set_object_member (step, "error", error_object);
  g_mutex_unlock (&self->mutex);
}

guint
forge_run_journal_clear_failures (ForgeRunJournal *self)
{
  JsonObject *steps;
  GList *names;
  guint cleared = 0;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), 0);

  g_mutex_lock (&self->mutex);
  steps = json_object_get_object_member (self->root, "steps");
  names = json_object_get_members (steps);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *step = json_object_get_object_member (steps, l->data);

      if (g_strcmp0 (json_object_get_string_member (step, "status"), "completed") != 0)
        {
          json_object_remove_member (steps, l->data);
          cleared++;
        }
    }
  g_list_free (names);

  /* The stack names only steps the journal holds (validate() refuses
   * it otherwise): a step of another version's status, stacked there,
   * was just forgotten, and the saved journal would no longer load. */
  if (cleared > 0)
    {
      JsonArray *stack = json_object_get_array_member (self->root, "stack");
      JsonArray *kept = json_array_new ();

      for (guint i = 0; i < json_array_get_length (stack); i++)
        {
          const char *id = json_array_get_string_element (stack, i);

          if (json_object_has_member (steps, id))
            json_array_add_string_element (kept, id);
        }
      json_object_set_array_member (self->root, "stack", kept);
    }

  json_object_remove_member (self->root, "output");
  json_object_remove_member (self->root, "error");
  json_object_remove_member (self->root, "error_log_tail");
  touch_locked (self);
  g_mutex_unlock (&self->mutex);

  return cleared;
}

void
forge_run_journal_set_result (ForgeRunJournal *self,
                              JsonNode        *output,
                              const char      *error_message,
                              const char      *error_log_tail)
{
  g_return_if_fail (FORGE_IS_RUN_JOURNAL (self));

  g_mutex_lock (&self->mutex);
  json_object_remove_member (self->root, "output");
  json_object_remove_member (self->root, "error");
  json_object_remove_member (self->root, "error_log_tail");
  if (output != NULL)
    json_object_set_member (self->root, "output", forge_json_node_deep_copy (output));
  if (error_message != NULL)
    json_object_set_string_member (self->root, "error", error_message);
  if (error_message != NULL && error_log_tail != NULL)
    json_object_set_string_member (self->root, "error_log_tail", error_log_tail);
  touch_locked (self);
  g_mutex_unlock (&self->mutex);
}

static ForgeStepInfo *
step_info_locked (const char *step_id,
                  JsonObject *step)
{
  const char *status = json_object_get_string_member (step, "status");
  JsonNode *error_node = json_object_get_member (step, "error");
  JsonObject *error_object = error_node && JSON_NODE_HOLDS_OBJECT (error_node) ? json_node_get_object (error_node) : NULL;
  gboolean completed = g_str_equal (status, "completed");
  const char *message = NULL;

  /* A step that did not complete failed, whatever its status says: an
   * unknown status must not pass for success. */
  if (!completed)
    {
      message = optional_string (error_object, "message");
      if (message == NULL)
        message = "The step failed";
    }

  return _forge_step_info_new (step_id,
                               completed ? FORGE_STEP_STATE_COMPLETE : FORGE_STEP_STATE_ERROR,
                               (guint) CLAMP (json_object_get_int_member (step, "attempt"), 0, G_MAXUINT),
                               optional_int (step, "started_at"),
                               optional_int (step, "duration_ms"),
                               g_str_equal (status, "retrying"),
                               message,
                               completed ? NULL : optional_string (error_object, "log_tail"));
}

ForgeRunInfo *
forge_run_journal_dup_info (ForgeRunJournal *self)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonNode) event_data = NULL;
  JsonObject *steps_object;
  ForgeRunStatus status;
  const char *error_message;
  ForgeRunInfo *info;
  GList *names;

  g_return_val_if_fail (FORGE_IS_RUN_JOURNAL (self), NULL);

  g_mutex_lock (&self->mutex);

  forge_run_status_from_string (json_object_get_string_member (self->root, "status"), &status);
  event_data = forge_json_node_deep_copy (json_object_get_member (json_object_get_object_member (self->root, "event"), "data"));

  steps_object = json_object_get_object_member (self->root, "steps");
  names = json_object_get_members (steps_object);
  for (GList *l = names; l != NULL; l = l->next)
    g_ptr_array_add (steps, step_info_locked (l->data, json_object_get_object_member (steps_object, l->data)));
  g_list_free (names);

  error_message = forge_run_status_is_finished (status) ? optional_string (self->root, "error") : NULL;
  info = _forge_run_info_new (self->run_id,
                              self->function_id,
                              status,
                              event_data,
                              json_object_get_int_member (self->root, "created_at"),
                              /* Nothing touches a finished run's journal
                               * but a retry, which unfinishes it. */
                              forge_run_status_is_finished (status) ? json_object_get_int_member (self->root, "updated_at") : 0,
                              (guint) CLAMP (json_object_get_int_member (self->root, "attempts"), 0, G_MAXUINT),
                              error_message,
                              error_message ? optional_string (self->root, "error_log_tail") : NULL,
                              steps);

  g_mutex_unlock (&self->mutex);

  return info;
}
