/* forge-run-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include "forge-run-info-private.h"

struct _ForgeRunInfo
{
  GObject         parent_instance;

  char           *run_id;
  char           *function_id;
  ForgeRunStatus  status;
  JsonNode       *event_data;
  gint64          created_at;
  gint64          finished_at;
  guint           attempts;
  char           *error_message;
  char           *error_log_tail;
  GListStore     *steps;
};

enum {
  PROP_0,
  PROP_RUN_ID,
  PROP_FUNCTION_ID,
  PROP_STATUS,
  PROP_EVENT_DATA,
  PROP_CREATED_AT,
  PROP_FINISHED_AT,
  PROP_ATTEMPTS,
  PROP_ERROR_MESSAGE,
  PROP_ERROR_LOG_TAIL,
  PROP_STEPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeRunInfo, forge_run_info, G_TYPE_OBJECT)

static void
forge_run_info_finalize (GObject *object)
{
  ForgeRunInfo *self = FORGE_RUN_INFO (object);

  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->function_id, g_free);
  g_clear_pointer (&self->event_data, json_node_unref);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->error_log_tail, g_free);
  g_clear_object (&self->steps);

  G_OBJECT_CLASS (forge_run_info_parent_class)->finalize (object);
}

static void
forge_run_info_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ForgeRunInfo *self = FORGE_RUN_INFO (object);

  switch (prop_id)
    {
    case PROP_RUN_ID:
      g_value_set_string (value, self->run_id);
      break;

    case PROP_FUNCTION_ID:
      g_value_set_string (value, self->function_id);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_EVENT_DATA:
      g_value_set_boxed (value, self->event_data);
      break;

    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;

    case PROP_FINISHED_AT:
      g_value_set_int64 (value, self->finished_at);
      break;

    case PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_ERROR_LOG_TAIL:
      g_value_set_string (value, self->error_log_tail);
      break;

    case PROP_STEPS:
      g_value_set_object (value, self->steps);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_run_info_class_init (ForgeRunInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_run_info_finalize;
  object_class->get_property = forge_run_info_get_property;

  properties[PROP_RUN_ID] =
    g_param_spec_string ("run-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_FUNCTION_ID] =
    g_param_spec_string ("function-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       FORGE_TYPE_RUN_STATUS, FORGE_RUN_STATUS_QUEUED,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_EVENT_DATA] =
    g_param_spec_boxed ("event-data", NULL, NULL,
                        JSON_TYPE_NODE,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_FINISHED_AT] =
    g_param_spec_int64 ("finished-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR_LOG_TAIL] =
    g_param_spec_string ("error-log-tail", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_STEPS] =
    g_param_spec_object ("steps", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_run_info_init (ForgeRunInfo *self)
{
  self->steps = g_list_store_new (FORGE_TYPE_STEP_INFO);
}

ForgeRunInfo *
_forge_run_info_new (const char     *run_id,
                     const char     *function_id,
                     ForgeRunStatus  status,
                     JsonNode       *event_data,
                     gint64          created_at,
                     gint64          finished_at,
                     guint           attempts,
                     const char     *error_message,
                     const char     *error_log_tail,
                     GPtrArray      *steps)
{
  ForgeRunInfo *self;

  g_return_val_if_fail (run_id != NULL, NULL);
  g_return_val_if_fail (function_id != NULL, NULL);

  self = g_object_new (FORGE_TYPE_RUN_INFO, NULL);
  self->run_id = g_strdup (run_id);
  self->function_id = g_strdup (function_id);
  self->status = status;
  self->event_data = event_data ? json_node_ref (event_data) : json_node_new (JSON_NODE_NULL);
  self->created_at = MAX (created_at, 0);
  self->finished_at = MAX (finished_at, 0);
  self->attempts = attempts;
  self->error_message = g_strdup (error_message);
  self->error_log_tail = g_strdup (error_log_tail);
  if (steps != NULL)
    g_list_store_splice (self->steps, 0, 0, steps->pdata, steps->len);

  return self;
}

const char *
forge_run_info_get_run_id (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return self->run_id;
}

const char *
forge_run_info_get_function_id (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return self->function_id;
}

ForgeRunStatus
forge_run_info_get_status (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), FORGE_RUN_STATUS_FAILED);
  return self->status;
}

JsonNode *
forge_run_info_get_event_data (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return self->event_data;
}

gint64
forge_run_info_get_created_at (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), 0);
  return self->created_at;
}

gint64
forge_run_info_get_finished_at (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), 0);
  return self->finished_at;
}

guint
forge_run_info_get_attempts (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), 0);
  return self->attempts;
}

const char *
forge_run_info_get_error_message (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return self->error_message;
}

const char *
forge_run_info_get_error_log_tail (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return self->error_log_tail;
}

GListModel *
forge_run_info_get_steps (ForgeRunInfo *self)
{
  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  return G_LIST_MODEL (self->steps);
}

ForgeStepInfo *
forge_run_info_lookup_step (ForgeRunInfo *self,
                            const char   *step_id)
{
  guint n;

  g_return_val_if_fail (FORGE_IS_RUN_INFO (self), NULL);
  g_return_val_if_fail (step_id != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->steps));
  for (guint i = 0; i < n; i++)
    {
      /* The store holds a reference for as long as self lives. */
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (G_LIST_MODEL (self->steps), i);

      if (g_str_equal (forge_step_info_get_step_id (step), step_id))
        return step;
    }

  return NULL;
}
