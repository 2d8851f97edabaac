// Package migration owns UserMigration (cognito-protocol.md §7.3): when a password sign-in or a
// ForgotPassword names a user the pool does not have, the pool's UserMigration function is asked
// whether a legacy directory has them, and the user it returns is created — with an SRP verifier
// made from the password that signed in, so the next sign-in, SRP included, needs no function.
// finalUserStatus CONFIRMED is kept; RESET_REQUIRED, or none, is Cognito's default.
package migration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
//
// validation is InitiateAuth's ClientMetadata, which the function gets as validationData;
// clientMetadata is ForgotPassword's, which it gets as clientMetadata (Cognito documents the
// two so).
//
// The answer is held to what Cognito accepts: finalUserStatus CONFIRMED or RESET_REQUIRED,
// messageAction SUPPRESS or RESEND, desiredDeliveryMediums EMAIL or SMS; anything else is
// InvalidLambdaResponseException and nobody is created. forceAliasCreation moves an email or
// phone alias another user holds (directory.CreateUser); without it that is AliasExistsException.
// No welcome message is sent whatever messageAction says: Cognito's is the invitation, which
// carries a temporary password a migrated user does not have (docs/triggers.md).
func (m *Migrations) Migrate(ctx context.Context, p *model.Pool, cl *model.Client, src trigger.Source, typed, password string, validation, clientMetadata map[string]string) (*model.User, error) {
	var output json.RawMessage
	ev, err := m.triggers.Run(ctx, p, triggers.Call{Source: src, UserName: typed, ClientID: cl.ID, Output: &output}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsMigrateUser).CognitoEventUserPoolsMigrateUserRequest
		req.Password = password
		req.ValidationData = validation
		req.ClientMetadata = clientMetadata
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
	if err := checkAnswer(resp); err != nil {
		return nil, err
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
	if smsMFA(output) && attrs["phone_number"] != "" {
		rec.SetMFA(model.MFASMS, true, false) // enableSMSMFA: the user signs in with SMS MFA from now on
	}
	u := &model.User{UserRecord: rec, Stored: &store.User{PoolID: p.Id, Key: model.UserKey(p, username), Sub: sub, Aliases: model.AliasesOf(p, rec)}}
	u.Stored.Index = model.IndexOf(p, u)
	u.Encode()
	if u, err = m.dir.CreateUser(ctx, p, u, resp.ForceAliasCreation); err != nil {
		if errors.Is(err, store.ErrUsernameExists) {
			// A concurrent sign-in migrated the same user: sign in against it.
			return m.dir.MustFindUser(ctx, p, typed, false)
		}
		return nil, directory.CreateErr(err, p)
	}
	m.dir.CountUser(p.Id, +1)
	return u, nil
}

// checkAnswer refuses the values of a UserMigration answer Cognito does not accept.
func checkAnswer(r events.CognitoEventUserPoolsMigrateUserResponse) error {
	switch r.FinalUserStatus {
	case "", model.StatusConfirmed, model.StatusResetRequired:
	default:
		return msg.InvalidLambdaResponse(fmt.Sprintf("finalUserStatus %q is not CONFIRMED or RESET_REQUIRED.", r.FinalUserStatus))
	}
	switch r.MessageAction {
	case "", "SUPPRESS", "RESEND":
	default:
		return msg.InvalidLambdaResponse(fmt.Sprintf("messageAction %q is not SUPPRESS or RESEND.", r.MessageAction))
	}
	for _, d := range r.DesiredDeliveryMediums {
		if d != "EMAIL" && d != "SMS" {
			return msg.InvalidLambdaResponse(fmt.Sprintf("desiredDeliveryMediums holds %q, not EMAIL or SMS.", d))
		}
	}
	return nil
}

// smsMFA reads the answer's enableSMSMFA, which aws-lambda-go's response type does not carry.
func smsMFA(output json.RawMessage) bool {
	var answer struct {
		Response struct {
			EnableSMSMFA bool `json:"enableSMSMFA"`
		} `json:"response"`
	}
	return json.Unmarshal(output, &answer) == nil && answer.Response.EnableSMSMFA
}
