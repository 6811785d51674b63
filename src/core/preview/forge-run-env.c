/* forge-run-env.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <string.h>

#include "forge-run-env.h"

typedef struct
{
  char     *name;
  char     *value;
  gboolean  secret;
} Variable;

struct _ForgeRunEnv
{
  gatomicrefcount  ref_count;
  GArray          *variables;   /* Variable, in order */
  char            *install_command;
  char            *dev_command;
  guint            dev_port;
};

static void
wipe (char *value)
{
  if (value != NULL)
    {
      memset (value, 0, strlen (value));
      g_free (value);
    }
}

static void
variable_clear (gpointer data)
{
  Variable *variable = data;

  g_free (variable->name);
  wipe (variable->value);
}

ForgeRunEnv *
forge_run_env_new (void)
{
  ForgeRunEnv *self = g_new0 (ForgeRunEnv, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->variables = g_array_new (FALSE, TRUE, sizeof (Variable));
  g_array_set_clear_func (self->variables, variable_clear);
  return self;
}

ForgeRunEnv *
forge_run_env_ref (ForgeRunEnv *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
forge_run_env_unref (ForgeRunEnv *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->variables);
  g_free (self->install_command);
  g_free (self->dev_command);
  g_free (self);
}

void
forge_run_env_set (ForgeRunEnv *self,
                   const char  *name,
                   const char  *value,
                   gboolean     secret)
{
  Variable variable = { 0 };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL && value != NULL);

  for (guint i = 0; i < self->variables->len; i++)
    {
      Variable *existing = &g_array_index (self->variables, Variable, i);

      if (g_str_equal (existing->name, name))
        {
          wipe (existing->value);
          existing->value = g_strdup (value);
          existing->secret = secret;
          return;
        }
    }

  variable.name = g_strdup (name);
  variable.value = g_strdup (value);
  variable.secret = secret;
  g_array_append_val (self->variables, variable);
}

static void
set_command (char       **field,
             const char  *command)
{
  g_free (*field);
  *field = command != NULL && *command != '\0' ? g_strdup (command) : NULL;
}

void
forge_run_env_set_install_command (ForgeRunEnv *self,
                                   const char  *command)
{
  g_return_if_fail (self != NULL);
  set_command (&self->install_command, command);
}

void
forge_run_env_set_dev_command (ForgeRunEnv *self,
                               const char  *command)
{
  g_return_if_fail (self != NULL);
  set_command (&self->dev_command, command);
}

void
forge_run_env_set_dev_port (ForgeRunEnv *self,
                            guint        port)
{
  g_return_if_fail (self != NULL);
  self->dev_port = port < 65536 ? port : 0;
}

void
forge_run_env_merge (ForgeRunEnv *self,
                     ForgeRunEnv *overrides)
{
  g_return_if_fail (self != NULL);

  if (overrides == NULL)
    return;

  for (guint i = 0; i < overrides->variables->len; i++)
    {
      Variable *variable = &g_array_index (overrides->variables, Variable, i);

      forge_run_env_set (self, variable->name, variable->value, variable->secret);
    }
  if (overrides->install_command != NULL)
    set_command (&self->install_command, overrides->install_command);
  if (overrides->dev_command != NULL)
    set_command (&self->dev_command, overrides->dev_command);
  if (overrides->dev_port != 0)
    self->dev_port = overrides->dev_port;
}

const char *
forge_run_env_get_install_command (ForgeRunEnv *self)
{
  return self != NULL ? self->install_command : NULL;
}

const char *
forge_run_env_get_dev_command (ForgeRunEnv *self)
{
  return self != NULL ? self->dev_command : NULL;
}

guint
forge_run_env_get_dev_port (ForgeRunEnv *self)
{
  return self != NULL ? self->dev_port : 0;
}

guint
forge_run_env_get_n_variables (ForgeRunEnv *self)
{
  return self != NULL ? self->variables->len : 0;
}

gboolean
forge_run_env_is_empty (ForgeRunEnv *self)
{
  return self == NULL ||
         (self->variables->len == 0 && self->install_command == NULL &&
          self->dev_command == NULL && self->dev_port == 0);
}

char **
forge_run_env_apply (ForgeRunEnv  *self,
                     char        **envp)
{
  for (guint i = 0; self != NULL && i < self->variables->len; i++)
    {
      Variable *variable = &g_array_index (self->variables, Variable, i);

      envp = g_environ_setenv (envp, variable->name, variable->value, TRUE);
    }

  return envp;
}

static int
longer_first (gconstpointer a,
              gconstpointer b)
{
  gsize la = strlen (*(const char * const *) a);
  gsize lb = strlen (*(const char * const *) b);

  return la < lb ? 1 : la > lb ? -1 : 0;
}

char *
forge_run_env_mask (ForgeRunEnv *self,
                    const char  *text)
{
  g_autoptr(GString) masked = NULL;
  g_autoptr(GPtrArray) secrets = NULL;

  if (text == NULL)
    return NULL;

  masked = g_string_new (text);
  if (self == NULL)
    return g_string_free (g_steal_pointer (&masked), FALSE);

  secrets = g_ptr_array_new ();
  for (guint i = 0; i < self->variables->len; i++)
    {
      Variable *variable = &g_array_index (self->variables, Variable, i);

      if (variable->secret && strlen (variable->value) >= FORGE_RUN_ENV_MASK_MIN_LENGTH)
        g_ptr_array_add (secrets, variable->value);
    }
  /* A secret that holds a shorter one is masked whole, not around it. */
  g_ptr_array_sort (secrets, longer_first);
  for (guint i = 0; i < secrets->len; i++)
    g_string_replace (masked, g_ptr_array_index (secrets, i), FORGE_RUN_ENV_MASK, 0);

  return g_string_free (g_steal_pointer (&masked), FALSE);
}

char *
forge_run_env_dup_digest (ForgeRunEnv *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; self != NULL && i < self->variables->len; i++)
    {
      Variable *variable = &g_array_index (self->variables, Variable, i);

      /* NUL-separated: no name or value can pass for another pair. */
      g_checksum_update (checksum, (const guchar *) variable->name, strlen (variable->name) + 1);
      if (variable->secret)
        g_checksum_update (checksum, (const guchar *) "\1secret", 8);
      else
        g_checksum_update (checksum, (const guchar *) variable->value, strlen (variable->value) + 1);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

char *
forge_run_env_dup_signature (ForgeRunEnv *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *port = g_strdup_printf ("%u", forge_run_env_get_dev_port (self));
  const char *commands[] = { forge_run_env_get_install_command (self), forge_run_env_get_dev_command (self), port };

  for (guint i = 0; self != NULL && i < self->variables->len; i++)
    {
      Variable *variable = &g_array_index (self->variables, Variable, i);

      g_checksum_update (checksum, (const guchar *) variable->name, strlen (variable->name) + 1);
      g_checksum_update (checksum, (const guchar *) variable->value, strlen (variable->value) + 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_checksum_update (checksum, (const guchar *) "\1", 1);
      if (commands[i] != NULL)
        g_checksum_update (checksum, (const guchar *) commands[i], strlen (commands[i]) + 1);
    }

  return g_strdup (g_checksum_get_string (checksum));
}
