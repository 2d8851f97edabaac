package userpool

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
)

// ---- usernames ----

// findUser resolves what a caller typed (username, email/phone in username-attribute pools, a
// verified alias, or — for admin calls — the sub) to a user. ErrNotFound when nobody matches.
func (s *Service) findUser(ctx context.Context, p *model.Pool, typed string, allowSub bool) (*model.User, error) {
	try := func(su *store.User, err error) (*model.User, error) {
		if err != nil {
			return nil, err
		}
		return model.DecodeUser(su)
	}
	if kind, value, ok := model.UsernameAlias(p, typed); ok {
		return try(s.repo.GetUserByAlias(ctx, p.Id, kind, value))
	}
	u, err := try(s.repo.GetUser(ctx, p.Id, model.UserKey(p, typed)))
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	for _, kind := range p.AliasAttributes {
		u, err := try(s.repo.GetUserByAlias(ctx, p.Id, kind, model.AliasValue(kind, typed)))
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	if allowSub {
		return try(s.repo.GetUserBySub(ctx, p.Id, typed))
	}
	return nil, store.ErrNotFound
}

// mustFindUser is findUser with UserNotFoundException for a missing user.
func (s *Service) mustFindUser(ctx context.Context, p *model.Pool, typed string, allowSub bool) (*model.User, error) {
	u, err := s.findUser(ctx, p, typed, allowSub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.UserNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return u, nil
}

// adminUser resolves the pool and user an admin operation names (username, alias or sub).
func (s *Service) adminUser(ctx context.Context, poolID, username string) (*model.Pool, *model.User, error) {
	p, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.mustFindUser(ctx, p, username, true)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

// updateUser runs fn on the freshest copy of a user under compare-and-swap.
func (s *Service) updateUser(ctx context.Context, p *model.Pool, u *model.User, fn func(u *model.User) ([]store.Op, error)) (*model.User, error) {
	return s.updateUserAliases(ctx, p, u, false, fn)
}

// updateUserAliases is updateUser; with force (ForceAliasCreation) an email or phone alias
// another user holds moves to this user in the same transaction, and the previous owner's
// attribute becomes unverified, so it no longer signs in with it.
func (s *Service) updateUserAliases(ctx context.Context, p *model.Pool, u *model.User, force bool, fn func(u *model.User) ([]store.Op, error)) (*model.User, error) {
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
		cur.Modified = s.now()
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
		o.Modified = s.now()
		owner.Aliases = model.AliasesOf(p, o.UserRecord)
		owner.Index = model.IndexOf(p, o)
		o.Encode()
		return nil
	}
	if !force {
		release = nil
	}
	// Start from the user as this request read it: no second read unless someone wrote since.
	_, err := s.repo.UpdateUserFrom(ctx, u.Stored, apply, release)
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

// ---- attributes ----

// ---- passwords ----

func verifierAAD(poolID, sub string) []byte {
	return []byte("cognate/srp-verifier/" + poolID + "/" + sub)
}

// newPassword computes the SRP salt and verifier for a password (§4.5: pool name part and the
// internal username) and seals the verifier. The name is the username folded as the pool folds
// names (userKey: NFKC, lower case when case-insensitive), so that USER_ID_FOR_SRP — the name
// clients sign with — is the same for every spelling of a name, real or unknown: a username
// stored as "Alice" in a case-insensitive pool answers "alice", as an unknown "gHOST" answers
// "ghost" (ENUM-02). Passwords set before this carry Folded=false and keep the stored name.
func (s *Service) newPassword(ctx context.Context, p *model.Pool, username, sub, pw string, temporary bool) (*model.PasswordRecord, error) {
	name := model.UserKey(p, username)
	salt, v, err := srp.NewVerifier(s.rand, srp.PoolName(p.Id), name, pw)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal(ctx, v, verifierAAD(p.Id, sub))
	if err != nil {
		return nil, err
	}
	return &model.PasswordRecord{Salt: salt, Verifier: sealed, SetAt: s.now(), Temporary: temporary, Folded: name != username}, nil
}

// dummyVerifier lets an unknown user cost one modular exponentiation, like a real one (ENUM-03).
var dummySalt, dummyVerifier = func() ([]byte, []byte) {
	salt := []byte("cognate-dummy-salt")
	return salt, srp.Verifier(salt, "dummy", "dummy", "dummy-password")
}()

// checkPassword recomputes g^x mod N and compares in constant time. A user without a password
// (or nil) still pays for one exponentiation.
func (s *Service) checkPassword(ctx context.Context, p *model.Pool, u *model.User, pw string) (bool, error) {
	if u == nil || u.Password == nil {
		srp.CheckPassword(dummySalt, dummyVerifier, "dummy", "dummy", pw)
		return false, nil
	}
	v, err := s.sealer.Open(ctx, u.Password.Verifier, verifierAAD(p.Id, u.Sub()))
	if err != nil {
		return false, err
	}
	return srp.CheckPassword(u.Password.Salt, v, srp.PoolName(p.Id), model.SRPName(p, u), pw), nil
}

// temporaryPassword generates a random password that satisfies the pool's policy.
func (s *Service) temporaryPassword(p *model.Pool) (string, error) {
	pol := p.Policy()
	n := 12
	if pol.MinimumLength != nil && int(*pol.MinimumLength) > n {
		n = int(*pol.MinimumLength)
	}
	parts := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*"}
	var b []byte
	for _, set := range parts {
		c, err := s.randomString(set, 1)
		if err != nil {
			return "", err
		}
		b = append(b, c...)
	}
	rest, err := s.randomString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n-len(b))
	if err != nil {
		return "", err
	}
	b = append(b, rest...)
	// Shuffle so the class characters are not always in front.
	for i := len(b) - 1; i > 0; i-- {
		j, err := s.randomString(alnum[:i+1], 1)
		if err != nil {
			return "", err
		}
		k := strings.IndexByte(alnum, j[0])
		b[i], b[k] = b[k], b[i]
	}
	return string(b), nil
}

// tempPasswordExpired tells whether a FORCE_CHANGE_PASSWORD user's temporary password is past
// TemporaryPasswordValidityDays.
func (s *Service) tempPasswordExpired(p *model.Pool, u *model.User) bool {
	if u.Password == nil || !u.Password.Temporary {
		return false
	}
	days := p.Policy().TemporaryPasswordValidityDays
	if days <= 0 {
		days = 7
	}
	return s.now().After(u.Password.SetAt.Add(time.Duration(days) * 24 * time.Hour))
}

// toUserType renders a user for AdminCreateUser and ListUsers.
func toUserType(u *model.User, attrs []model.AttributeType) model.UserType {
	return model.UserType{Username: u.Username, Attributes: attrs, UserCreateDate: wireTime(u.Created),
		UserLastModifiedDate: wireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
}
