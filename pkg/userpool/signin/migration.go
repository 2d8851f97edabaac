package signin

import (
	"context"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/migration"
)

// UserMigration at sign-in (cognito-protocol.md §7.3): a password sign-in for a name that matches
// nobody asks the pool's UserMigration function, with the password typed, whether the user exists
// in a legacy directory. Its userAttributes create the user — with a real SRP verifier made from
// that password, so the next sign-in needs no function — and the sign-in goes on as for any user:
// finalUserStatus CONFIRMED signs in, the default RESET_REQUIRED answers
// PasswordResetRequiredException. Migration needs the password, so it runs for USER_PASSWORD_AUTH
// and ADMIN_USER_PASSWORD_AUTH only, as on Cognito.

// migrateOrUnknown is the password flows' answer to an unknown name: migrate the user when the
// pool has a UserMigration function, otherwise answer as for an unknown user.
func migrateOrUnknown(ctx context.Context, s *SignIn, c *signInCall) error {
	if !migration.Configured(c.pool) {
		return unknownUserPassword(ctx, s, c)
	}
	u, err := s.migrations.Migrate(ctx, c.pool, c.client, trigger.UserMigrationAuthentication, c.username, c.params["PASSWORD"], c.validation, nil)
	if err != nil {
		return err
	}
	c.user = u
	return nil
}
