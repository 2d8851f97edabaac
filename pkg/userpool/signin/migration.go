package signin

import (
	"context"
	"errors"
	"sort"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
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
	if _, ok := triggers.Function(c.pool, trigger.UserMigration); !ok {
		return unknownUserPassword(ctx, s, c)
	}
	u, err := s.migrate(ctx, c)
	if err != nil {
		return err
	}
	c.user = u
	return nil
}

// migrate runs UserMigration_Authentication for the typed name and creates the user it returns.
func (s *SignIn) migrate(ctx context.Context, c *signInCall) (*model.User, error) {
	p, cl := c.pool, c.client
	password := c.params["PASSWORD"]
	ev, err := s.triggers.Run(ctx, p, triggers.Call{Source: trigger.UserMigrationAuthentication, UserName: c.username, ClientID: cl.ID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsMigrateUser).CognitoEventUserPoolsMigrateUserRequest
		req.Password = password
		req.ValidationData = c.meta
		req.ClientMetadata = c.meta
	})
	if err != nil {
		return nil, err
	}
	resp := ev.(*events.CognitoEventUserPoolsMigrateUser).CognitoEventUserPoolsMigrateUserResponse
	if len(resp.UserAttributes) == 0 {
		// The legacy directory does not know the name either.
		if cl.HidesExistence() {
			return nil, msg.Incorrect()
		}
		return nil, cognito.UserNotFound("Exception migrating user in app client %s", cl.ID)
	}
	names := make([]string, 0, len(resp.UserAttributes))
	for k := range resp.UserAttributes {
		names = append(names, k)
	}
	sort.Strings(names)
	list := make([]model.AttributeType, 0, len(names))
	for _, k := range names {
		v := resp.UserAttributes[k]
		list = append(list, model.AttributeType{Name: k, Value: &v})
	}
	attrs, err := model.CheckAttributes(p, list, true, nil)
	if err != nil {
		return nil, cognito.As(msg.InvalidLambdaResponse(cognito.As(err).Message)).WithCause(err)
	}
	sub, err := s.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	username, err := model.UsernameFor(p, c.username, sub, attrs)
	if err != nil {
		return nil, err
	}
	status := model.StatusResetRequired
	if resp.FinalUserStatus == model.StatusConfirmed {
		status = model.StatusConfirmed
	}
	pw, err := s.passwords.New(ctx, p, username, sub, password, false)
	if err != nil {
		return nil, msg.Internal(err)
	}
	now := s.Now()
	rec := &model.UserRecord{Username: username, Status: status, Enabled: true, Attrs: attrs, Created: now, Modified: now, Password: pw}
	u := &model.User{UserRecord: rec, Stored: &store.User{PoolID: p.Id, Key: model.UserKey(p, username), Sub: sub, Aliases: model.AliasesOf(p, rec)}}
	u.Stored.Index = model.IndexOf(p, u)
	u.Encode()
	if err := s.Repo.CreateUser(ctx, u.Stored); err != nil {
		if errors.Is(err, store.ErrUsernameExists) {
			// A concurrent sign-in migrated the same user: sign in against it.
			return s.dir.MustFindUser(ctx, p, c.username, false)
		}
		return nil, directory.CreateErr(err, p)
	}
	s.dir.CountUser(p.Id, +1)
	return u, nil
}
