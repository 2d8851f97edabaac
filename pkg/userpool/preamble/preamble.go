// Package preamble is the public-operation preamble. Every operation a public client calls
// with a user's name (SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
// ConfirmForgotPassword; the sign-in flows through Resolve) starts the same way, in this order, so that the errors a
// caller can provoke come in one order everywhere (pinned by the client-secret and existence
// table tests of pkg/app/apptest):
//
//	client (ResourceNotFound) -> its pool -> user lookup -> SECRET_HASH over the typed and the
//	internal name (NotAuthorized) -> the operation, told whether existence is hidden
//
// The user lookup comes before SECRET_HASH because a hash over the internal name (a UUID in
// email-as-username pools) is accepted too, which needs the user; a missing user is no error
// here, since what it answers depends on the operation and on hiding (Call.Hide).
package preamble

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/store"
)

// Call is where a public operation stands after the preamble.
type Call struct {
	Pool   *model.Pool
	Client *model.Client
	// user is the user the typed name resolves to; nil when nobody matched.
	User *model.User
	// hide: the client hides user existence (PreventUserExistenceErrors ENABLED), so a missing,
	// disabled or unconfirmed user must answer as the operation's ordinary failure.
	Hide bool
}

// ForUser runs the preamble for an operation on an existing user named typed.
func ForUser(ctx context.Context, dir *directory.Directory, clientID, typed, secretHash string) (*Call, error) {
	c, p, err := dir.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	u, err := Resolve(ctx, dir, p, c, typed, secretHash)
	if err != nil {
		return nil, err
	}
	return &Call{Pool: p, Client: c, User: u, Hide: c.HidesExistence()}, nil
}

// ForNewUser runs the preamble for SignUp, whose user does not exist yet: SECRET_HASH can
// only be over the name typed.
func ForNewUser(ctx context.Context, dir *directory.Directory, clientID, typed, secretHash string) (*Call, error) {
	c, p, err := dir.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if err := model.CheckSecretHash(c, secretHash, typed); err != nil {
		return nil, err
	}
	return &Call{Pool: p, Client: c, Hide: c.HidesExistence()}, nil
}

// Resolve is the user-lookup phase: it finds the user a typed name means (username, alias,
// or the email/phone of username-attribute pools) and checks SECRET_HASH against the typed and
// the internal name. A nil user and nil error mean nobody matched; what to answer then is the
// flow's choice (UserNotFoundException, or a simulation when existence errors are hidden).
func Resolve(ctx context.Context, dir *directory.Directory, p *model.Pool, c *model.Client, typed, secretHash string) (*model.User, error) {
	u, err := dir.FindUser(ctx, p, typed, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, msg.Internal(err)
	}
	var internalName string
	if err == nil {
		internalName = u.Username
	}
	if err := model.CheckSecretHash(c, secretHash, typed, internalName); err != nil {
		return nil, err
	}
	return u, nil
}
