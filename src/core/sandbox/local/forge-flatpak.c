/* forge-flatpak.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "forge-bwrap-args.h"
#include "forge-flatpak.h"
#include "forge-sandbox.h"
#include "forge-util.h"

/* Flatpak writes a few hundred bytes there. */
#define FLATPAK_INFO_MAX (64 * 1024)

static const char *
info_path (void)
{
  const char *test_path = g_getenv ("FORGE_TEST_FLATPAK_INFO");

  return test_path != NULL && test_path[0] != '\0' ? test_path : "/.flatpak-info";
}

/* What Flatpak wrote about this instance; NULL when unreadable. */
static GKeyFile *
load_info (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (info_path ());
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GKeyFile) info = g_key_file_new ();
  gboolean too_large = FALSE;

  if ((stream = g_file_read (file, NULL, NULL)) != NULL &&
      (bytes = forge_read_bounded (G_INPUT_STREAM (stream), FLATPAK_INFO_MAX, -1, &too_large, NULL, NULL)) != NULL &&
      g_key_file_load_from_bytes (info, bytes, G_KEY_FILE_NONE, NULL))
    return g_steal_pointer (&info);

  return NULL;
}

gboolean
forge_flatpak_detect (char **app_path_out)
{
  g_autoptr(GKeyFile) info = NULL;

  if (app_path_out != NULL)
    *app_path_out = NULL;

  if (!g_file_test (info_path (), G_FILE_TEST_EXISTS))
    return FALSE;

  if (app_path_out == NULL)
    return TRUE;

  if ((info = load_info ()) != NULL)
    {
      g_autofree char *app_path = g_key_file_get_string (info, "Instance", "app-path", NULL);

      if (app_path != NULL && g_path_is_absolute (app_path))
        *app_path_out = g_steal_pointer (&app_path);
    }

  return TRUE;
}

char *
forge_flatpak_dup_shared_runtime_dir (void)
{
  g_autoptr(GKeyFile) info = load_info ();
  g_autofree char *app_id = info != NULL ? g_key_file_get_string (info, "Application", "name", NULL) : NULL;

  /* An application ID is a D-Bus name: no '/', and never "." or "..". */
  if (app_id == NULL || app_id[0] == '\0' || app_id[0] == '.' ||
      strchr (app_id, '/') != NULL || strchr (app_id, '\n') != NULL)
    return NULL;

  return g_build_filename (g_get_user_runtime_dir (), "app", app_id, NULL);
}

const char *
forge_flatpak_spawn_program (void)
{
  const char *test_spawn = g_getenv ("FORGE_TEST_FLATPAK_SPAWN");

  return test_spawn != NULL && test_spawn[0] != '\0' ? test_spawn : "flatpak-spawn";
}

/* g_strv_builder_take() is GLib 2.80. */
static void
builder_take (GStrvBuilder *builder,
              char         *value)
{
  g_strv_builder_add (builder, value);
  g_free (value);
}

static gboolean
usable_path (const char *path)
{
  return path != NULL && g_path_is_absolute (path) && strchr (path, '\n') == NULL;
}

/* Whether @value starts with @prefix as whole path components. */
static gboolean
has_path_prefix (const char *value,
                 const char *prefix)
{
  gsize len = strlen (prefix);

  return strncmp (value, prefix, len) == 0 &&
         (value[len] == '\0' || value[len] == '/' || value[len] == ':');
}

char *
forge_flatpak_translate_path (const ForgeFlatpakSandboxConfig *config,
                              const char                      *value)
{
  /* The longest first: /home/user/repo is below /home/user. */
  const char *inside[] = { FORGE_SANDBOX_REPO_DIR, FORGE_SANDBOX_HOME_DIR, FORGE_BWRAP_HELPER_DIR_INSIDE };
  const char *host[] = { config->repo_dir, config->home_dir, config->helper_dir };
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = value;

  g_return_val_if_fail (value != NULL, NULL);

  for (;;)
    {
      gboolean replaced = FALSE;
      const char *colon;

      for (guint i = 0; i < G_N_ELEMENTS (inside) && !replaced; i++)
        if (host[i] != NULL && has_path_prefix (p, inside[i]))
          {
            g_string_append (out, host[i]);
            p += strlen (inside[i]);
            replaced = TRUE;
          }

      colon = strchr (p, ':');
      if (colon == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, colon - p + 1);
      p = colon + 1;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char **
forge_flatpak_sandbox_args_build (const ForgeFlatpakSandboxConfig  *config,
                                  const char * const               *argv,
                                  const char                       *cwd,
                                  GError                          **error)
{
  g_autoptr(GStrvBuilder) args = g_strv_builder_new ();
  g_autofree char *directory = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config->spawn == NULL || strchr (config->spawn, '\n') != NULL ||
      !usable_path (config->repo_dir) || !usable_path (config->home_dir) ||
      (config->helper_dir != NULL && !usable_path (config->helper_dir)) ||
      (cwd != NULL && !usable_path (cwd)) ||
      argv[0][0] == '-' || argv[0][0] == '\0')
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                           _("Could not start the sandbox: a folder it needs has an unusable path."));
      return NULL;
    }

  directory = forge_flatpak_translate_path (config, cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR);

  /* --watch-bus: the portal kills the command when flatpak-spawn (our
   * child) goes, even by SIGKILL. --clear-env: nothing of the app's
   * environment gets in, only what --env-fd says. The sub-sandbox sees
   * the app's runtime and /app read-only, and of the rest only the two
   * folders exposed here, read-write. */
  g_strv_builder_add_many (args, config->spawn,
                           "--sandbox", "--watch-bus", "--clear-env",
                           NULL);
  builder_take (args, g_strconcat ("--sandbox-expose-path=", config->repo_dir, NULL));
  builder_take (args, g_strconcat ("--sandbox-expose-path=", config->home_dir, NULL));
  builder_take (args, g_strdup_printf ("--env-fd=%d", FORGE_FLATPAK_ENV_FD));
  builder_take (args, g_strconcat ("--directory=", directory, NULL));

  /* The portal's child is not ours: it does not inherit our rlimits, so
   * the one that can hold there is set inside, just before the command. */
  if (config->max_open_files > 0)
    {
      g_auto(GStrv) wrapped = forge_flatpak_wrap_open_files (argv, config->max_open_files);

      for (guint i = 0; wrapped[i] != NULL; i++)
        builder_take (args, forge_flatpak_translate_path (config, wrapped[i]));
    }
  else
    for (guint i = 0; argv[i] != NULL; i++)
      builder_take (args, forge_flatpak_translate_path (config, argv[i]));

  return g_strv_builder_end (args);
}

char **
forge_flatpak_wrap_open_files (const char * const *argv,
                               guint               max_open_files)
{
  g_autoptr(GStrvBuilder) wrapped = g_strv_builder_new ();

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  /* $0 is the limit, "$@" the command, untouched by the shell. */
  g_strv_builder_add_many (wrapped, "/bin/sh", "-c", "ulimit -n \"$0\" && exec \"$@\"", NULL);
  builder_take (wrapped, g_strdup_printf ("%u", max_open_files));
  g_strv_builder_addv (wrapped, (const char **) argv);

  return g_strv_builder_end (wrapped);
}

static void
add_variable (GByteArray *data,
              const char *name,
              const char *value)
{
  g_byte_array_append (data, (const guint8 *) name, strlen (name));
  g_byte_array_append (data, (const guint8 *) "=", 1);
  g_byte_array_append (data, (const guint8 *) value, strlen (value) + 1);
}

GBytes *
forge_flatpak_env_data (const ForgeFlatpakSandboxConfig *config,
                        const char * const              *env)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autofree char *path = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  /* Node comes from /app (the manifest installs the SDK extension's
   * there), the helpers from the app's libexec. */
  path = g_strconcat (config->helper_dir != NULL ? config->helper_dir : "",
                      config->helper_dir != NULL ? ":" : "",
                      "/app/bin:/usr/bin:/bin", NULL);

  add_variable (data, "HOME", config->home_dir);
  add_variable (data, "USER", "user");
  add_variable (data, "LOGNAME", "user");
  add_variable (data, "PATH", path);
  add_variable (data, "LANG", "C.UTF-8");
  add_variable (data, "TERM", "dumb");

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (eq == NULL || eq == env[i])
        {
          g_debug ("Ignoring malformed environment entry for the sandbox");
          continue;
        }

      name = g_strndup (env[i], eq - env[i]);
      value = forge_flatpak_translate_path (config, eq + 1);
      add_variable (data, name, value);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}
