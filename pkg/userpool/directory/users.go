package directory

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// FindUser resolves what a caller typed (username, email/phone in username-attribute pools, a
// verified alias, or — for admin calls — the sub) to a user. ErrNotFound when nobody matches.
func (d *Directory) FindUser(ctx context.Context, p *model.Pool, typed string, allowSub bool) (*model.User, error) {
	try := func(su *store.User, err error) (*model.User, error) {
		if err != nil {
			return nil, err
		}
		return model.DecodeUser(su)
	}
	if kind, value, ok := model.UsernameAlias(p, typed); ok {
		return try(d.Repo.GetUserByAlias(ctx, p.Id, kind, value))
	}
	u, err := try(d.Repo.GetUser(ctx, p.Id, model.UserKey(p, typed)))
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	for _, kind := range p.AliasAttributes {
		u, err := try(d.Repo.GetUserByAlias(ctx, p.Id, kind, model.AliasValue(kind, typed)))
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	if allowSub {
		return try(d.Repo.GetUserBySub(ctx, p.Id, typed))
	}
	return nil, store.ErrNotFound
}

// MustFindUser is findUser with UserNotFoundException for a missing user.
func (d *Directory) MustFindUser(ctx context.Context, p *model.Pool, typed string, allowSub bool) (*model.User, error) {
	u, err := d.FindUser(ctx, p, typed, allowSub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.UserNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return u, nil
}

// AdminUser resolves the pool and user an admin operation names (username, alias or sub).
func (d *Directory) AdminUser(ctx context.Context, poolID, username string) (*model.Pool, *model.User, error) {
	p, err := d.Pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	u, err := d.MustFindUser(ctx, p, username, true)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

// UpdateUser runs fn on the freshest copy of a user under compare-and-swap.
func (d *Directory) UpdateUser(ctx context.Context, p *model.Pool, u *model.User, fn func(u *model.User) ([]store.Op, error)) (*model.User, error) {
	return d.UpdateUserAliases(ctx, p, u, false, fn)
}

// CreateUser stores a new user. With force (AdminCreateUser's ForceAliasCreation, a UserMigration
// function's forceAliasCreation, a PreSignUp function's autoVerifyEmail/Phone) an email or phone alias another user holds moves to the new
// user, as UpdateUserAliases moves it: the user is created without the contested aliases, then
// takes them over in one transaction with their previous owners. A pool that signs in with
// email or phone as the username has no alias to move. Errors are the store's (CreateErr maps
// them); u is replaced by the user as stored. extra commits with the creation.
func (d *Directory) CreateUser(ctx context.Context, p *model.Pool, u *model.User, force bool, extra ...store.Op) (*model.User, error) {
	err := d.Repo.CreateUser(ctx, u.Stored, extra...)
	var taken *store.AliasTakenError
	if !errors.As(err, &taken) || !force || len(p.UsernameAttributes) > 0 {
		return u, err
	}
	u.Stored.Aliases = nil
	if err := d.Repo.CreateUser(ctx, u.Stored, extra...); err != nil {
		return nil, err
	}
	return d.UpdateUserAliases(ctx, p, u, true, func(*model.User) ([]store.Op, error) { return nil, nil })
}

// UpdateUserAliases is updateUser; with force (ForceAliasCreation) an email or phone alias
// another user holds moves to this user in the same transaction, and the previous owner's
// attribute becomes unverified, so it no longer signs in with it.
func (d *Directory) UpdateUserAliases(ctx context.Context, p *model.Pool, u *model.User, force bool, fn func(u *model.User) ([]store.Op, error)) (*model.User, error) {
	var out *model.User
	apply := func(su *store.User) ([]store.Op, error) {
		cur, err := model.DecodeUser(su)
		if err != nil {
			return nil, err
		}
		ops, err := fn(cur)
		if err != nil {
			return nil, err
		}
		cur.Modified = d.Now()
		su.Aliases = model.AliasesOf(p, cur.UserRecord)
		su.Index = model.IndexOf(p, cur)
		cur.Encode()
		out = cur
		return ops, nil
	}
	release := func(owner *store.User, lost []store.Alias) error {
		o, err := model.DecodeUser(owner)
		if err != nil {
			return err
		}
		for _, a := range lost {
			if a.Kind == "preferred_username" {
				delete(o.Attrs, a.Kind)
			} else {
				o.Attrs[a.Kind+"_verified"] = "false"
			}
		}
		o.Modified = d.Now()
		owner.Aliases = model.AliasesOf(p, o.UserRecord)
		owner.Index = model.IndexOf(p, o)
		o.Encode()
		return nil
	}
	if !force {
		release = nil
	}
	// Start from the user as this request read it: no second read unless someone wrote since.
	_, err := d.Repo.UpdateUserFrom(ctx, u.Stored, apply, release)
	if err != nil {
		var at *store.AliasTakenError
		switch {
		case errors.As(err, &at):
			return nil, msg.AliasExists(at.Kind)
		case errors.Is(err, store.ErrNotFound):
			return nil, msg.UserNotFound()
		case errors.Is(err, store.ErrConflict):
			return nil, cognito.TooManyRequests("Too many concurrent changes to this user; try again.")
		case cognito.As(err) != nil:
			return nil, err
		case errors.Is(err, store.ErrConditionFailed):
			return nil, err
		}
		return nil, msg.Internal(err)
	}
	return out, nil
}

// DeleteUser deletes a user and its uniqueness claims; its tokens stop working at once.
func (d *Directory) DeleteUser(ctx context.Context, p *model.Pool, u *model.User) error {
	err := d.Repo.DeleteUser(ctx, p.Id, u.Stored.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return msg.UserNotFound()
	case errors.Is(err, store.ErrConflict):
		return cognito.ConcurrentModification("The user was modified concurrently; try again.")
	case err != nil:
		return msg.Internal(err)
	}
	d.CountUser(p.Id, -1)
	return nil
}

// CreateErr is what a user sees when creating a user failed in the store.
func CreateErr(err error, p *model.Pool) error {
	var at *store.AliasTakenError
	switch {
	case errors.Is(err, store.ErrUsernameExists):
		return cognito.UsernameExists("User already exists")
	case errors.As(err, &at):
		if len(p.UsernameAttributes) > 0 {
			return cognito.UsernameExists("An account with the given %s already exists.", at.Kind)
		}
		return msg.AliasExists(at.Kind)
	case errors.Is(err, store.ErrNotFound):
		return msg.PoolNotFound(p.Id)
	}
	return msg.Internal(err)
}
