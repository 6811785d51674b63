/* forge-secret-rows.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Where one kind of secret lives: the keyring calls, per scope (a Git
 * host, an E2B domain), with forge-secrets.h's signatures. */
typedef struct
{
  void      (*lookup_async)  (const char           *scope,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  char     *(*lookup_finish) (GAsyncResult         *result,
                              GError              **error);
  void      (*store_async)   (const char           *scope,
                              const char           *secret,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  gboolean  (*store_finish)  (GAsyncResult         *result,
                              GError              **error);
  void      (*clear_async)   (const char           *scope,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  gboolean  (*clear_finish)  (GAsyncResult         *result,
                              GError              **error);
} ForgeSecretKind;

extern const ForgeSecretKind forge_secret_kind_git_token;
extern const ForgeSecretKind forge_secret_kind_e2b_key;

#define FORGE_TYPE_SECRET_ROWS (forge_secret_rows_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSecretRows, forge_secret_rows, FORGE, SECRET_ROWS, GObject)

/* What the Preferences' secret groups share, driving rows a template
 * made: an entry row whose apply saves what is typed (refusing nothing
 * but spaces, with @empty_message under the status row) and then lets
 * go of it, and a status row whose title says whether a secret is saved,
 * with a Forget button. Keyring answers that arrive after
 * forge_secret_rows_cancel() (the window closed) are dropped. */
ForgeSecretRows *forge_secret_rows_new       (const ForgeSecretKind *kind,
                                              AdwEntryRow           *entry_row,
                                              AdwActionRow          *status_row,
                                              GtkWidget             *forget_button,
                                              const char            *empty_message);
/* Which secret the rows are about, and how the status row says whether
 * it is saved; looks it up. A scope of only spaces does nothing. */
void             forge_secret_rows_set_scope (ForgeSecretRows       *self,
                                              const char            *scope,
                                              const char            *saved_title,
                                              const char            *unsaved_title);
/* The scope, stripped; NULL before the first. */
const char      *forge_secret_rows_get_scope (ForgeSecretRows       *self);
/* Whether the keyring last said a secret is saved ("saved" notifies). */
gboolean         forge_secret_rows_get_saved (ForgeSecretRows       *self);
/* Why the last secret typed was refused, or NULL. */
const char      *forge_secret_rows_get_problem (ForgeSecretRows     *self);
/* Cancels every keyring call; nothing answers any more. */
void             forge_secret_rows_cancel    (ForgeSecretRows       *self);

G_END_DECLS
