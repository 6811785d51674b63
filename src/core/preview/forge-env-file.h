/* forge-env-file.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FORGE_ENV_FILE_ERROR (forge_env_file_error_quark ())

typedef enum
{
  FORGE_ENV_FILE_ERROR_FAILED,
  FORGE_ENV_FILE_ERROR_INVALID,     /* "KEY=VALUE" expected */
  FORGE_ENV_FILE_ERROR_TOO_LARGE,
} ForgeEnvFileError;

/* An environment file (dotenv) is small: more is not one. */
#define FORGE_ENV_FILE_MAX_SIZE    ((gsize) 256 * 1024)
#define FORGE_ENV_FILE_MAX_ENTRIES 1024

GQuark    forge_env_file_error_quark         (void);

/* The entries of a dotenv text, in order, as "KEY=VALUE" (a later one
 * for the same key replaces the earlier one in place). Read loosely, as
 * dotenv tools do: blank lines and "#" comments skipped, "export "
 * dropped, a value in single quotes taken as it is, one in double quotes
 * with \n, \t, \" and \\ understood, an unquoted one trimmed and cut at
 * " #"; a line without a valid name and "=" is skipped. Never fails:
 * FORGE_ENV_FILE_MAX_ENTRIES at most. */
char    **forge_env_file_parse               (const char   *text,
                                              gsize         length);

/* A file the user named (headless --env-file): read, bounded by
 * FORGE_ENV_FILE_MAX_SIZE, and parsed as above. Errors are one line
 * naming the file. */
char    **forge_env_file_load                (const char   *path,
                                              GError      **error);

/* "KEY=VALUE" from the command line: NULL with FORGE_ENV_FILE_ERROR_INVALID
 * when there is no "=" or the name is not a valid one. @name and @value
 * are set on success. */
gboolean  forge_env_entry_split              (const char   *entry,
                                              char        **name,
                                              char        **value,
                                              GError      **error);

/* The names a repository's .env.example (else .env.sample) proposes,
 * in order, each once; empty when it has neither. The work tree is
 * hostile: read below @repo_dir with no symlink followed and bounded
 * (forge_read_repo_file()). Blocking. */
char    **forge_env_file_read_proposed_names (const char   *repo_dir,
                                              GError      **error);

G_END_DECLS
