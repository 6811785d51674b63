/* forge-flatpak.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a sandbox's commands run when the app itself is a Flatpak. */
typedef enum
{
  FORGE_FLATPAK_NONE,        /* not in Flatpak: bwrap on this computer */
  FORGE_FLATPAK_SUBSANDBOX,  /* the portal's sub-sandbox (flatpak-spawn --sandbox) */
  FORGE_FLATPAK_HOST,        /* bwrap on the host (flatpak-spawn --host) */
} ForgeFlatpakMode;

/* The fd flatpak-spawn reads the sub-sandbox's variables from (--env-fd),
 * the same number bwrap reads its --args from. */
#define FORGE_FLATPAK_ENV_FD 9

/* Whether this process runs inside Flatpak (/.flatpak-info exists;
 * tests point FORGE_TEST_FLATPAK_INFO at a file of their own instead).
 * @app_path_out, when not NULL, gets the host path of the app's /app
 * ([Instance] app-path), or NULL when the file does not say. */
gboolean     forge_flatpak_detect        (char       **app_path_out);

/* $XDG_RUNTIME_DIR/app/$FLATPAK_ID: Flatpak bind-mounts the host's
 * folder of that path into the app's sandbox at the same path, so a
 * socket there is reachable from both sides by one name. NULL when
 * the app ID is not known. Not created here. */
char        *forge_flatpak_dup_shared_runtime_dir (void);

/* The flatpak-spawn to run: FORGE_TEST_FLATPAK_SPAWN (a test's stand-in)
 * when set, else "flatpak-spawn" from the runtime. */
const char  *forge_flatpak_spawn_program (void);

/* What a sub-sandbox's commands are run with; host paths, absolute. */
typedef struct
{
  const char *spawn;            /* the flatpak-spawn program */
  const char *repo_dir;         /* read-write, for FORGE_SANDBOX_REPO_DIR */
  const char *home_dir;         /* read-write, for FORGE_SANDBOX_HOME_DIR */
  const char *helper_dir;       /* for /opt/forge/bin; NULL for none */
  guint       max_open_files;   /* RLIMIT_NOFILE inside; 0 for the portal's */
} ForgeFlatpakSandboxConfig;

/* The command line that runs @argv in the portal's sub-sandbox of
 * @config, in @cwd (NULL for the repository). The sub-sandbox sees the
 * exposed folders at their own paths, not at /home/user/repo: paths
 * inside (argv words, @cwd) are translated with
 * forge_flatpak_translate_path(). Its variables are not on the line but
 * in forge_flatpak_env_data(), read from FORGE_FLATPAK_ENV_FD. No I/O.
 * Fails (FORGE_SANDBOX_ERROR_SPAWN_FAILED) on a path of @config that is
 * not absolute or holds a newline, or an @argv[0] that flatpak-spawn
 * would take for an option. */
char       **forge_flatpak_sandbox_args_build (const ForgeFlatpakSandboxConfig  *config,
                                               const char * const               *argv,
                                               const char                       *cwd,
                                               GError                          **error);

/* @argv run through /bin/sh with RLIMIT_NOFILE set to @max_open_files
 * first: a command the portal or the host starts for us is not our
 * child, and inherits none of our rlimits. */
char       **forge_flatpak_wrap_open_files (const char * const *argv,
                                            guint               max_open_files);

/* What flatpak-spawn --env-fd reads (env -0: "KEY=value\0"…): HOME,
 * PATH (the helpers, then /app/bin for the bundled Node) and the like,
 * then @env ("KEY=value"; malformed entries skipped) with paths inside
 * translated. Never on a command line: values can be secrets. */
GBytes      *forge_flatpak_env_data      (const ForgeFlatpakSandboxConfig  *config,
                                          const char * const               *env);

/* @value with each path inside (/home/user/repo, /home/user,
 * /opt/forge/bin), at its start or after a ':' (a PATH), replaced by
 * the host path the sub-sandbox sees. */
char        *forge_flatpak_translate_path (const ForgeFlatpakSandboxConfig *config,
                                           const char                      *value);

G_END_DECLS
