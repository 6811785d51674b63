/* forge-step-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include "forge-run-info-private.h"

struct _ForgeStepInfo
{
  GObject         parent_instance;

  char           *step_id;
  ForgeStepState  state;
  guint           attempt;
  gint64          started_at;
  gint64          duration_ms;
  gboolean        will_retry;
  char           *error_message;
  char           *error_log_tail;
};

enum {
  PROP_0,
  PROP_STEP_ID,
  PROP_STATE,
  PROP_ATTEMPT,
  PROP_STARTED_AT,
  PROP_DURATION_MS,
  PROP_WILL_RETRY,
  PROP_ERROR_MESSAGE,
  PROP_ERROR_LOG_TAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeStepInfo, forge_step_info, G_TYPE_OBJECT)

static void
forge_step_info_finalize (GObject *object)
{
  ForgeStepInfo *self = FORGE_STEP_INFO (object);

  g_clear_pointer (&self->step_id, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->error_log_tail, g_free);

  G_OBJECT_CLASS (forge_step_info_parent_class)->finalize (object);
}

static void
forge_step_info_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ForgeStepInfo *self = FORGE_STEP_INFO (object);

  switch (prop_id)
    {
    case PROP_STEP_ID:
      g_value_set_string (value, self->step_id);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;

    case PROP_STARTED_AT:
      g_value_set_int64 (value, self->started_at);
      break;

    case PROP_DURATION_MS:
      g_value_set_int64 (value, self->duration_ms);
      break;

    case PROP_WILL_RETRY:
      g_value_set_boolean (value, self->will_retry);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_ERROR_LOG_TAIL:
      g_value_set_string (value, self->error_log_tail);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_step_info_class_init (ForgeStepInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_step_info_finalize;
  object_class->get_property = forge_step_info_get_property;

  properties[PROP_STEP_ID] =
    g_param_spec_string ("step-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       FORGE_TYPE_STEP_STATE, FORGE_STEP_STATE_COMPLETE,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ATTEMPT] =
    g_param_spec_uint ("attempt", NULL, NULL,
                       0, G_MAXUINT, 1,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_STARTED_AT] =
    g_param_spec_int64 ("started-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_DURATION_MS] =
    g_param_spec_int64 ("duration-ms", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_WILL_RETRY] =
    g_param_spec_boolean ("will-retry", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR_LOG_TAIL] =
    g_param_spec_string ("error-log-tail", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_step_info_init (ForgeStepInfo *self)
{
  self->state = FORGE_STEP_STATE_COMPLETE;
  self->attempt = 1;
}

ForgeStepInfo *
_forge_step_info_new (const char     *step_id,
                      ForgeStepState  state,
                      guint           attempt,
                      gint64          started_at,
                      gint64          duration_ms,
                      gboolean        will_retry,
                      const char     *error_message,
                      const char     *error_log_tail)
{
  ForgeStepInfo *self;

  g_return_val_if_fail (step_id != NULL, NULL);

  self = g_object_new (FORGE_TYPE_STEP_INFO, NULL);
  self->step_id = g_strdup (step_id);
  self->state = state;
  self->attempt = attempt;
  self->started_at = MAX (started_at, 0);
  self->duration_ms = MAX (duration_ms, 0);
  self->will_retry = will_retry;
  self->error_message = g_strdup (error_message);
  self->error_log_tail = g_strdup (error_log_tail);

  return self;
}

const char *
forge_step_info_get_step_id (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), NULL);
  return self->step_id;
}

ForgeStepState
forge_step_info_get_state (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), FORGE_STEP_STATE_ERROR);
  return self->state;
}

guint
forge_step_info_get_attempt (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), 0);
  return self->attempt;
}

gint64
forge_step_info_get_started_at (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), 0);
  return self->started_at;
}

gint64
forge_step_info_get_duration_ms (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), 0);
  return self->duration_ms;
}

gboolean
forge_step_info_get_will_retry (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), FALSE);
  return self->will_retry;
}

const char *
forge_step_info_get_error_message (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), NULL);
  return self->error_message;
}

const char *
forge_step_info_get_error_log_tail (ForgeStepInfo *self)
{
  g_return_val_if_fail (FORGE_IS_STEP_INFO (self), NULL);
  return self->error_log_tail;
}
