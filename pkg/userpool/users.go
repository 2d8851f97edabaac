package userpool

import (
	"context"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/srp"
)

// ---- usernames ----

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
	salt, v, err := srp.NewVerifier(s.Rand, srp.PoolName(p.Id), name, pw)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Sealer.Seal(ctx, v, verifierAAD(p.Id, sub))
	if err != nil {
		return nil, err
	}
	return &model.PasswordRecord{Salt: salt, Verifier: sealed, SetAt: s.Now(), Temporary: temporary, Folded: name != username}, nil
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
	v, err := s.Sealer.Open(ctx, u.Password.Verifier, verifierAAD(p.Id, u.Sub()))
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
		c, err := s.RandomString(set, 1)
		if err != nil {
			return "", err
		}
		b = append(b, c...)
	}
	rest, err := s.RandomString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n-len(b))
	if err != nil {
		return "", err
	}
	b = append(b, rest...)
	// Shuffle so the class characters are not always in front.
	for i := len(b) - 1; i > 0; i-- {
		j, err := s.RandomString(ports.Alnum[:i+1], 1)
		if err != nil {
			return "", err
		}
		k := strings.IndexByte(ports.Alnum, j[0])
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
	return s.Now().After(u.Password.SetAt.Add(time.Duration(days) * 24 * time.Hour))
}

// toUserType renders a user for AdminCreateUser and ListUsers.
func toUserType(u *model.User, attrs []model.AttributeType) model.UserType {
	return model.UserType{Username: u.Username, Attributes: attrs, UserCreateDate: model.WireTime(u.Created),
		UserLastModifiedDate: model.WireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
}
