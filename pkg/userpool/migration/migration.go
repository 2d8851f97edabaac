// Package migration owns UserMigration (cognito-protocol.md §7.3): when a password sign-in or a
// ForgotPassword names a user the pool does not have, the pool's UserMigration function is asked
// whether a legacy directory has them, and the user it returns is created — with an SRP verifier
// made from the password that signed in, so the next sign-in, SRP included, needs no function.
// finalUserStatus CONFIRMED is kept; anything else is RESET_REQUIRED, Cognito's default.
package migration

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
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// Migrations moves users in from a legacy directory through the pool's UserMigration function.
type Migrations struct {
	*ports.Ports
	dir       *directory.Directory
	passwords *passwords.Passwords
	triggers  *triggers.Triggers
}

// New builds the migration room.
func New(p *ports.Ports, dir *directory.Directory, pw *passwords.Passwords, tr *triggers.Triggers) *Migrations {
	return &Migrations{Ports: p, dir: dir, passwords: pw, triggers: tr}
}

// Configured tells whether the pool has a UserMigration function.
func Configured(p *model.Pool) bool {
	_, ok := triggers.Function(p, trigger.UserMigration)
	return ok
}

// Migrate runs the pool's UserMigration function for the name typed (src:
// UserMigration_Authentication with the password typed, or UserMigration_ForgotPassword without
// one) and creates the user it returns: with a verifier made from the password when there is
// one, with none otherwise (the user then sets one through the reset code). A name the legacy
// directory does not know either is UserNotFoundException "Exception migrating user in app
// client <id>", or "Incorrect username or password." with existence hidden.
func (m *Migrations) Migrate(ctx context.Context, p *model.Pool, cl *model.Client, src trigger.Source, typed, password string, meta map[string]string) (*model.User, error) {
	ev, err := m.triggers.Run(ctx, p, triggers.Call{Source: src, UserName: typed, ClientID: cl.ID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsMigrateUser).CognitoEventUserPoolsMigrateUserRequest
		req.Password = password
		req.ValidationData = meta
		req.ClientMetadata = meta
	})
	if err != nil {
		return nil, err
	}
	if ev == nil {
		return nil, nil
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
	sub, err := m.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	username, err := model.UsernameFor(p, typed, sub, attrs)
	if err != nil {
		return nil, err
	}
	status := model.StatusResetRequired
	if resp.FinalUserStatus == model.StatusConfirmed {
		status = model.StatusConfirmed
	}
	var pw *model.PasswordRecord
	if password != "" {
		if pw, err = m.passwords.New(ctx, p, username, sub, password, false); err != nil {
			return nil, msg.Internal(err)
		}
	}
	now := m.Now()
	rec := &model.UserRecord{Username: username, Status: status, Enabled: true, Attrs: attrs, Created: now, Modified: now, Password: pw}
	u := &model.User{UserRecord: rec, Stored: &store.User{PoolID: p.Id, Key: model.UserKey(p, username), Sub: sub, Aliases: model.AliasesOf(p, rec)}}
	u.Stored.Index = model.IndexOf(p, u)
	u.Encode()
	if err := m.Repo.CreateUser(ctx, u.Stored); err != nil {
		if errors.Is(err, store.ErrUsernameExists) {
			// A concurrent sign-in migrated the same user: sign in against it.
			return m.dir.MustFindUser(ctx, p, typed, false)
		}
		return nil, directory.CreateErr(err, p)
	}
	m.dir.CountUser(p.Id, +1)
	return u, nil
}
